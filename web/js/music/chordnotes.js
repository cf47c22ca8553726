// @ts-check
// A piece's chords as notes of its "chords" part: each chord of the wire form (docs/protocol.md,
// the `generate:start` acknowledgement) struck with the `pitches` the server voiced it with, at the
// chords' softer velocity, so the player, the piano roll and the chord lane take them like any note.
import { makeNote } from "./notes.js";
import { musicConstants } from "./constants.js";

/**
 * @typedef {object} WireChord
 * @property {string} symbol
 * @property {number} start beats from the piece's start
 * @property {number} duration beats
 * @property {number[]} pitches MIDI notes it sounds with; none for no chord
 */

/**
 * The notes that strike `chord`, each carrying its symbol.
 * @param {WireChord} chord
 * @returns {import("./notes.js").Note[]}
 */
export function notesOfChord({ symbol, start, duration, pitches }) {
  const velocity = musicConstants().chordVelocity;
  return pitches.map((pitch) => makeNote({ pitch, start, duration, velocity, part: "chords", chord: symbol }));
}

/**
 * The chords of a live piece, handed out as its melody arrives: a chord is struck once the
 * melody has reached its start, so the chords never run ahead of the notes they go with. Chords
 * come with the notes' frames (`add`), or all at once for a piece joined or loaded whole.
 */
export class ChordFeed {
  /** @type {WireChord[]} */
  #waiting = [];
  #lastStart = -Infinity; // of the latest chord taken in

  /** @param {WireChord[]} chords in time order */
  constructor(chords = []) {
    this.add(chords);
  }

  /**
   * Takes in chords that arrived (in time order), leaving out any already known: a late joiner
   * has the piece's chords and may be sent some of them again with the next frame.
   * @param {WireChord[]} chords
   */
  add(chords) {
    for (const chord of chords) {
      if (chord.start <= this.#lastStart) continue;
      this.#waiting.push(chord);
      this.#lastStart = chord.start;
    }
  }

  /** Chords not yet handed out. */
  get pending() {
    return this.#waiting.length;
  }

  /**
   * The notes of the chords that start before `beats` (how far the melody has come), each once.
   * @param {number} beats
   */
  notesBefore(beats) {
    const index = this.#waiting.findIndex((chord) => chord.start >= beats);
    const due = this.#waiting.splice(0, index === -1 ? this.#waiting.length : index);
    return due.flatMap(notesOfChord);
  }
}

/**
 * `notes` with each note of the "chords" part named by the chord of `chords` sounding where it
 * starts, e.g. a saved song's chord track read from its MIDI file, named by the song's chords
 * (a band's comping strikes its chords off the beat as well as on it).
 * @param {import("./notes.js").Note[]} notes
 * @param {WireChord[]} chords
 */
export function nameChordNotes(notes, chords) {
  const sounding = (beats) => chords.find((chord) => chord.start <= beats && beats < chord.start + chord.duration);
  return notes.map((note) => {
    if (note.part !== "chords") return note;
    const chord = sounding(note.start);
    return chord ? { ...note, chord: chord.symbol } : note;
  });
}
