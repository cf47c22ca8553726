// @ts-check
// Notes a person plays, from the computer keyboard (music/keymap.js), Web MIDI input devices and
// the on-screen keys (music/pianokeys.js), as one stream of "noteon" and "noteoff" events. Each
// sounds at once through the player's instrument, with no server between key and ear. Knows no
// page: the studio and a room each bind it to what they do with the notes.
import { isTypingTarget } from "../common/forms.js";
import { musicConstants } from "./constants.js";
import {
  CONTROL_KEYS, LOWEST_C, noteFromMidiMessage, pitchForKey, shiftOctave, stepVelocity,
} from "./keymap.js";

/**
 * A note started or ended. `time` is on the performance.now() clock (milliseconds), taken from
 * the input event itself where it has one, so a busy page does not shift the rhythm.
 * @typedef {object} PlayedEvent
 * @property {number} pitch MIDI number
 * @property {number} velocity 1..127 for a noteon, 0 for a noteoff
 * @property {number} time milliseconds, performance.now() clock
 * @property {"keys" | "midi" | "screen"} source what played it
 */

/** A MIDI output port as the page lists it. @typedef {{id: string, name: string}} MidiDevice */

export class NoteKeyboard extends EventTarget {
  /** @type {{noteOn: (pitch: number, velocity: number) => void, noteOff: (pitch: number) => void} | null} */
  #player;
  #held = new Map(); // pitch -> the source holding it
  #keys = new Map(); // key code -> the pitch its press started (the octave may move meanwhile)
  #octave = 0;
  #velocity = musicConstants().velocity;
  /** @type {Window | null} */
  #window = null;
  /** @type {any} the MIDIAccess, once granted */
  #midi = null;
  /** @type {Record<string, (event: any) => void>} */
  #listeners = {
    keydown: (event) => this.#onKeyDown(event),
    keyup: (event) => this.#onKeyUp(event),
    blur: () => this.releaseAll(),
  };

  /** @param {{player?: {noteOn: Function, noteOff: Function} | null}} [options] */
  constructor({ player = null } = {}) {
    super();
    this.#player = /** @type {any} */ (player);
  }

  /** The octave shift, -3..3: the Z key plays C3 at 0. */
  get octave() { return this.#octave; }
  /** The velocity the computer and on-screen keys play at. */
  get velocity() { return this.#velocity; }
  /** The lowest note the computer keyboard plays at the current octave. */
  get lowestPitch() { return LOWEST_C + 12 * this.#octave; }
  /** Pitches sounding now, lowest first. */
  get held() { return [...this.#held.keys()].sort((a, b) => a - b); }

  /** Listens to the computer keyboard of `view` (the page's window). */
  attach(view = window) {
    this.detach();
    this.#window = view;
    for (const [name, listener] of Object.entries(this.#listeners)) view.addEventListener(name, listener);
  }

  detach() {
    if (!this.#window) return;
    for (const [name, listener] of Object.entries(this.#listeners)) this.#window.removeEventListener(name, listener);
    this.#window = null;
    this.releaseAll();
  }

  /**
   * Starts `pitch` unless it is already sounding; sounds it and emits "noteon".
   * @param {number} pitch
   * @param {{velocity?: number, time?: number, source?: PlayedEvent["source"]}} [options]
   */
  press(pitch, { velocity = this.#velocity, time = performance.now(), source = "screen" } = {}) {
    if (!Number.isInteger(pitch) || pitch < 0 || pitch > 127 || this.#held.has(pitch)) return;
    this.#held.set(pitch, source);
    this.#player?.noteOn(pitch, velocity);
    this.#emit("noteon", { pitch, velocity, time, source });
  }

  /**
   * Ends `pitch` if it is sounding; emits "noteoff".
   * @param {number} pitch
   * @param {{time?: number}} [options]
   */
  release(pitch, { time = performance.now() } = {}) {
    const source = this.#held.get(pitch);
    if (source === undefined) return;
    this.#held.delete(pitch);
    this.#player?.noteOff(pitch);
    this.#emit("noteoff", { pitch, velocity: 0, time, source });
  }

  /** Ends every sounding note (the page lost focus, the player stops listening). */
  releaseAll() {
    this.#keys.clear();
    for (const pitch of this.held) this.release(pitch);
  }

  /** Moves the computer keyboard an octave down (-1) or up (1). */
  shiftOctave(step) {
    this.#octave = shiftOctave(this.#octave, step);
    this.#emitChange();
  }

  /** Plays the computer and on-screen keys a step softer (-1) or louder (1). */
  stepVelocity(step) {
    this.#velocity = stepVelocity(this.#velocity, step);
    this.#emitChange();
  }

  /**
   * Listens to every MIDI input device, now and as they are plugged in. Resolves to the devices
   * found; rejects where the browser has no Web MIDI or the person refuses access.
   * @returns {Promise<MidiDevice[]>}
   */
  async connectMidi() {
    const browser = /** @type {any} */ (globalThis.navigator);
    if (typeof browser?.requestMIDIAccess !== "function") {
      throw new Error("This browser has no MIDI input (Web MIDI).");
    }
    this.#midi ??= await browser.requestMIDIAccess();
    const listen = () => {
      for (const input of this.#midi.inputs.values()) {
        input.onmidimessage = (/** @type {any} */ message) => this.#onMidi(message);
      }
      this.#emitChange();
    };
    this.#midi.onstatechange = listen;
    listen();
    return this.midiDevices;
  }

  /** @returns {MidiDevice[]} the MIDI inputs connected, once `connectMidi` succeeded */
  get midiDevices() {
    if (!this.#midi) return [];
    return [...this.#midi.inputs.values()]
      .filter((input) => input.state !== "disconnected")
      .map((input) => ({ id: input.id, name: input.name || "MIDI input" }));
  }

  /** @param {KeyboardEvent} event */
  #onKeyDown(event) {
    if (this.#ignored(event)) return;
    const control = Object.hasOwn(CONTROL_KEYS, event.code) ? CONTROL_KEYS[event.code] : null;
    const pitch = pitchForKey(event.code, this.#octave);
    if (control === null && pitch === null) return;
    event.preventDefault(); // "/" opens the quick find in Firefox, "'" too
    if (event.repeat) return; // a held key auto-repeats: the note is already sounding
    if (control?.octave) this.shiftOctave(control.octave);
    if (control?.velocity) this.stepVelocity(control.velocity);
    if (pitch === null || this.#keys.has(event.code)) return;
    this.#keys.set(event.code, pitch);
    this.press(pitch, { time: eventTime(event), source: "keys" });
  }

  /** @param {KeyboardEvent} event */
  #onKeyUp(event) {
    const pitch = this.#keys.get(event.code);
    if (pitch === undefined) return; // a key pressed while typing, or before attaching
    this.#keys.delete(event.code);
    if ([...this.#keys.values()].includes(pitch)) return; // the same note on its other key
    this.release(pitch, { time: eventTime(event) });
  }

  /** Keys meant for something else: typing into a field, a shortcut, a dialog. */
  #ignored(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return true;
    const target = /** @type {Element | null} */ (event.target);
    return isTypingTarget(target) || Boolean(target?.closest?.("dialog[open]"));
  }

  #onMidi(message) {
    const note = noteFromMidiMessage(message.data);
    if (!note) return;
    const time = eventTime(message);
    if (note.type === "noteon") this.press(note.pitch, { velocity: note.velocity, time, source: "midi" });
    else this.release(note.pitch, { time });
  }

  /** @param {string} type @param {PlayedEvent} detail */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #emitChange() {
    const detail = { octave: this.#octave, velocity: this.#velocity, devices: this.midiDevices };
    this.dispatchEvent(new CustomEvent("change", { detail }));
  }
}

/** An input event's time on the performance.now() clock, or now where it carries none. */
function eventTime(event) {
  return event.timeStamp > 0 ? event.timeStamp : performance.now();
}
