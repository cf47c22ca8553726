// @ts-check
// The one way the browser builds a note: {pitch, start, duration, velocity, part, chord}, start
// and duration in beats. From the wire (server/generation/notes.py `Note.to_wire`,
// docs/protocol.md "generate:notes"), from a MIDI file, or from a melody's [pitch, ticks] events.
import { musicConstants } from "./constants.js";

/**
 * @typedef {object} Note
 * @property {number} pitch MIDI number 0..127
 * @property {number} start beats from the piece's start
 * @property {number} duration beats, > 0
 * @property {number} velocity MIDI velocity 1..127
 * @property {string} part the part it belongs to ("melody")
 * @property {string | null} chord the chord symbol sounding under it, when known
 * @property {string} [color] the roll's colour for it, when not its part's (a jam member's notes)
 */

/**
 * @param {Record<string, unknown>} source
 * @param {string} field
 * @returns {number}
 */
function numberField(source, field) {
  const value = source[field];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`note ${field}: must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A note from its fields, checked the way the server checks them; velocity and part take the
 * server's defaults. A TypeError names the first field that is wrong.
 * @param {{pitch: number, start: number, duration: number, velocity?: number, part?: string, chord?: string | null}} fields
 * @returns {Note}
 */
export function makeNote({ pitch, start, duration, velocity, part, chord = null }) {
  const constants = musicConstants();
  const note = {
    pitch,
    start,
    duration,
    velocity: velocity ?? constants.velocity,
    part: part ?? constants.parts[0],
    chord: chord ?? null,
  };
  if (!Number.isInteger(note.pitch) || note.pitch < 0 || note.pitch > 127) {
    throw new TypeError(`note pitch: must be a MIDI number 0..127, got ${JSON.stringify(pitch)}`);
  }
  if (numberField(note, "start") < 0) throw new TypeError(`note start: must not be negative, got ${start}`);
  if (numberField(note, "duration") <= 0) throw new TypeError(`note duration: must be positive, got ${duration}`);
  if (!Number.isInteger(note.velocity) || note.velocity < 1 || note.velocity > 127) {
    throw new TypeError(`note velocity: must be a whole number 1..127, got ${JSON.stringify(velocity)}`);
  }
  if (!constants.parts.includes(note.part)) throw new TypeError(`note part: unknown part ${JSON.stringify(part)}`);
  return note;
}

/**
 * A note as it travels ({index?, pitch, start, duration, velocity, part?, chord?}, beats).
 * @param {unknown} wire
 * @returns {Note}
 */
export function noteFromWire(wire) {
  if (wire === null || typeof wire !== "object") {
    throw new TypeError("note: expected an object {pitch, start, duration}");
  }
  const { pitch, start, duration, velocity, part, chord } = /** @type {Record<string, any>} */ (wire);
  return makeNote({ pitch, start, duration, velocity, part, chord });
}

/**
 * @param {unknown[]} wires
 * @returns {Note[]}
 */
export function notesFromWire(wires) {
  return wires.map(noteFromWire);
}

/**
 * A note of a MIDI file as @tonejs/midi reads it (ticks at `ppq` per beat, velocity 0..1).
 * @param {{midi: number, ticks: number, durationTicks: number, velocity: number}} midiNote
 * @param {number} ppq ticks per quarter note of the file
 * @param {string} [part] the part its track holds (the melody when not given)
 * @returns {Note}
 */
export function noteFromMidi(midiNote, ppq, part) {
  return makeNote({
    pitch: midiNote.midi,
    start: midiNote.ticks / ppq,
    duration: midiNote.durationTicks / ppq,
    velocity: Math.max(1, Math.round(midiNote.velocity * 127)),
    part,
  });
}

/**
 * A melody as the server analyses it (`[[pitch or null, ticks]]`, null a rest, on the grid of
 * `ticksPerBeat`) as notes in beats.
 * @param {Array<[number | null, number]>} events
 * @returns {Note[]}
 */
export function notesFromEvents(events) {
  const { ticksPerBeat } = musicConstants();
  const notes = [];
  let tick = 0;
  for (const [pitch, ticks] of events) {
    if (pitch !== null) notes.push(makeNote({ pitch, start: tick / ticksPerBeat, duration: ticks / ticksPerBeat }));
    tick += ticks;
  }
  return notes;
}

/**
 * Where a note stops sounding, in beats.
 * @param {Note} note
 */
export function noteEnd(note) {
  return note.start + note.duration;
}
