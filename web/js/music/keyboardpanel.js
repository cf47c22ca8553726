// @ts-check
// Binds the "Play notes" panel (templates/partials/keyboard.html): a NoteKeyboard that sounds
// through `player`, its on-screen keys, the octave and velocity it stands at, and the button that
// connects MIDI input devices where the browser has Web MIDI.
import { NoteKeyboard } from "./keyboard.js";
import { PianoKeys } from "./pianokeys.js";
import { showToast } from "../common/toast.js";

/**
 * @param {HTMLElement} root the panel
 * @param {{noteOn: (pitch: number, velocity: number) => void, noteOff: (pitch: number) => void}} player
 * @returns {NoteKeyboard} listening to the computer keyboard already
 */
export function bindKeyboardPanel(root, player) {
  const part = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-${name}]`));
  const keyboard = new NoteKeyboard({ player });
  new PianoKeys(part("piano-keys"), keyboard);
  const showState = () => {
    const devices = keyboard.midiDevices.map((device) => device.name);
    const midi = devices.length ? ` · MIDI: ${devices.join(", ")}` : "";
    part("keyboard-state").textContent = `Octave ${keyboard.octave} · velocity ${keyboard.velocity}${midi}`;
  };
  keyboard.addEventListener("change", showState);
  showState();
  const connect = part("midi-connect");
  connect.hidden = typeof (/** @type {any} */ (navigator).requestMIDIAccess) !== "function";
  connect.addEventListener("click", async () => {
    try {
      const devices = await keyboard.connectMidi();
      if (devices.length === 0) showToast("No MIDI keyboard is connected yet; plug one in to play it here.");
    } catch (error) {
      showToast(`MIDI input is not available: ${error.message}`, { tone: "error" });
    }
  });
  keyboard.attach(window);
  return keyboard;
}
