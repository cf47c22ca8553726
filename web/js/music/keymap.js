// @ts-check
// What a key or a MIDI message means to the note input (music/keyboard.js), without the page:
// the computer keyboard's two piano octaves, its octave and velocity keys, and MIDI note messages.

// Two octaves on the letter rows, as common DAWs lay them out: the bottom row (Z S X D C V G B H
// N J M , L . ; /) is the lower octave from C with the row above for the black keys, and the Q
// row (Q 2 W 3 E R 5 T 6 Y 7 U I 9 O 0 P) the octave above. Physical key codes, so the layout
// is the same on AZERTY or Dvorak keyboards: semitones above the lower octave's C.
export const NOTE_KEYS = Object.freeze({
  KeyZ: 0, KeyS: 1, KeyX: 2, KeyD: 3, KeyC: 4, KeyV: 5, KeyG: 6, KeyB: 7, KeyH: 8, KeyN: 9,
  KeyJ: 10, KeyM: 11, Comma: 12, KeyL: 13, Period: 14, Semicolon: 15, Slash: 16,
  KeyQ: 12, Digit2: 13, KeyW: 14, Digit3: 15, KeyE: 16, KeyR: 17, Digit5: 18, KeyT: 19,
  Digit6: 20, KeyY: 21, Digit7: 22, KeyU: 23, KeyI: 24, Digit9: 25, KeyO: 26, Digit0: 27, KeyP: 28,
});

// The keys that move the keyboard rather than play: an octave down or up, softer or louder.
export const CONTROL_KEYS = Object.freeze({
  Minus: { octave: -1 }, Equal: { octave: 1 }, BracketLeft: { velocity: -1 }, BracketRight: { velocity: 1 },
});

export const LOWEST_C = 48; // the Z key at octave shift 0: C3
export const OCTAVE_SHIFTS = Object.freeze({ min: -3, max: 3 });
// The velocity keys step through these (MIDI velocity); 90 is the product's default velocity.
export const VELOCITY_STEPS = Object.freeze([30, 50, 70, 90, 105, 120, 127]);

/**
 * The MIDI pitch a key plays at an octave shift, or null when the key plays none.
 * @param {string} code a KeyboardEvent's `code`
 * @param {number} octave the octave shift, OCTAVE_SHIFTS.min..max
 * @returns {number | null}
 */
export function pitchForKey(code, octave) {
  const semitones = Object.hasOwn(NOTE_KEYS, code) ? NOTE_KEYS[code] : undefined;
  return semitones === undefined ? null : LOWEST_C + 12 * octave + semitones;
}

/**
 * The octave shift after an octave key, kept in range.
 * @param {number} octave
 * @param {number} step -1 or 1
 */
export function shiftOctave(octave, step) {
  return Math.min(OCTAVE_SHIFTS.max, Math.max(OCTAVE_SHIFTS.min, octave + step));
}

/**
 * The velocity after a velocity key: the next step softer or louder from `velocity`.
 * @param {number} velocity MIDI velocity 1..127
 * @param {number} step -1 or 1
 */
export function stepVelocity(velocity, step) {
  if (step > 0) return VELOCITY_STEPS.find((level) => level > velocity) ?? VELOCITY_STEPS[VELOCITY_STEPS.length - 1];
  return VELOCITY_STEPS.findLast((level) => level < velocity) ?? VELOCITY_STEPS[0];
}

/**
 * A MIDI message as a note event, or null for anything else (control changes, clock, sysex).
 * A note-on with velocity 0 is a note-off, as MIDI's running status sends it.
 * @param {ArrayLike<number>} data the message's bytes
 * @returns {{type: "noteon" | "noteoff", pitch: number, velocity: number} | null}
 */
export function noteFromMidiMessage(data) {
  if (data.length < 3) return null;
  const kind = data[0] & 0xf0;
  const pitch = data[1] & 0x7f;
  const velocity = data[2] & 0x7f;
  if (kind === 0x90 && velocity > 0) return { type: "noteon", pitch, velocity };
  if (kind === 0x80 || kind === 0x90) return { type: "noteoff", pitch, velocity: 0 };
  return null;
}
