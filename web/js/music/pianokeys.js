// @ts-check
// The on-screen keyboard: two octaves of keys that a mouse, a finger or a pen plays (sliding
// across keys plays each in turn), and that Space or Enter plays while a key has the focus. It
// shows every note the NoteKeyboard (music/keyboard.js) holds, whichever input played it.
import { musicConstants } from "./constants.js";

const OCTAVES = 2;
const BLACK = new Set([1, 3, 6, 8, 10]); // semitones above C of the black keys

/** A pitch's name with its octave, as a screen reader reads it: "C#4". */
export function pitchLabel(pitch) {
  return `${musicConstants().pitchNames[pitch % 12]}${Math.floor(pitch / 12) - 1}`;
}

export class PianoKeys {
  #root;
  #keyboard;
  #pointers = new Map(); // pointer id -> the pitch it holds

  /**
   * @param {HTMLElement} root an empty element the keys are drawn into
   * @param {import("./keyboard.js").NoteKeyboard} keyboard
   */
  constructor(root, keyboard) {
    this.#root = root;
    this.#keyboard = keyboard;
    root.classList.add("piano-keys");
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", "Piano keyboard");
    keyboard.addEventListener("change", () => this.#draw());
    keyboard.addEventListener("noteon", (event) => this.#show(/** @type {CustomEvent} */ (event).detail.pitch, true));
    keyboard.addEventListener("noteoff", (event) => this.#show(/** @type {CustomEvent} */ (event).detail.pitch, false));
    root.addEventListener("pointerdown", (event) => this.#onPointerDown(event));
    root.addEventListener("pointerover", (event) => this.#onPointerOver(event));
    for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
      root.addEventListener(type, (event) => this.#endPointer(/** @type {PointerEvent} */ (event)));
    }
    root.addEventListener("keydown", (event) => this.#onKey(event, true));
    root.addEventListener("keyup", (event) => this.#onKey(event, false));
    root.addEventListener("contextmenu", (event) => event.preventDefault()); // a long touch
    this.#draw();
  }

  /** The keys from the computer keyboard's lowest note, two octaves and the C above. */
  #draw() {
    const lowest = this.#keyboard.lowestPitch;
    const held = new Set(this.#keyboard.held);
    const keys = [];
    for (let pitch = lowest; pitch <= lowest + 12 * OCTAVES; pitch += 1) {
      const key = document.createElement("button");
      key.type = "button";
      key.className = BLACK.has(pitch % 12) ? "piano-key piano-key-black" : "piano-key";
      key.dataset.pitch = String(pitch);
      key.setAttribute("aria-label", pitchLabel(pitch));
      key.setAttribute("aria-pressed", String(held.has(pitch)));
      keys.push(key);
    }
    this.#root.replaceChildren(...keys);
  }

  #show(pitch, down) {
    this.#root.querySelector(`[data-pitch="${pitch}"]`)?.setAttribute("aria-pressed", String(down));
  }

  /** @param {Event} event */
  #pitchAt(event) {
    const key = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest?.("[data-pitch]"));
    return key ? Number(key.dataset.pitch) : null;
  }

  /** @param {PointerEvent} event */
  #onPointerDown(event) {
    const pitch = this.#pitchAt(event);
    if (pitch === null || event.button !== 0) return;
    event.preventDefault(); // no focus ring, no text selection on a drag
    // A touch captures the pointer to the key it started on: release it, so sliding plays on.
    /** @type {Element} */ (event.target).releasePointerCapture?.(event.pointerId);
    this.#hold(event, pitch);
  }

  /** @param {PointerEvent} event */
  #onPointerOver(event) {
    if (!this.#pointers.has(event.pointerId)) return;
    const pitch = this.#pitchAt(event);
    if (pitch !== null && pitch !== this.#pointers.get(event.pointerId)) this.#hold(event, pitch);
  }

  /** @param {PointerEvent} event @param {number} pitch */
  #hold(event, pitch) {
    this.#endPointer(event);
    this.#pointers.set(event.pointerId, pitch);
    this.#keyboard.press(pitch, { time: event.timeStamp, source: "screen" });
  }

  /** @param {PointerEvent} event */
  #endPointer(event) {
    const pitch = this.#pointers.get(event.pointerId);
    if (pitch === undefined) return;
    if (event.type === "pointerleave" && event.target !== this.#root) return; // left one key for another
    this.#pointers.delete(event.pointerId);
    this.#keyboard.release(pitch, { time: event.timeStamp });
  }

  /** Space or Enter on a focused key plays it for as long as it is held. @param {KeyboardEvent} event */
  #onKey(event, down) {
    if (event.key !== " " && event.key !== "Enter") return;
    const pitch = this.#pitchAt(event);
    if (pitch === null) return;
    event.preventDefault(); // no click, no play/pause of the player
    event.stopPropagation();
    if (down && !event.repeat) this.#keyboard.press(pitch, { time: event.timeStamp, source: "screen" });
    if (!down) this.#keyboard.release(pitch, { time: event.timeStamp });
  }
}
