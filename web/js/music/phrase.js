// @ts-check
// A phrase someone plays, recorded on a timeline in beats: notes from the keyboard's noteon and
// noteoff (music/keyboard.js) snapped to the tick grid, and when the phrase is over, judged as
// the server judges it (server/services/duet_params.py `phrase_end`): a beat of silence after the
// last note, or the bar line after it; and the bars of a song a range of bars holds.
import { musicConstants } from "./constants.js";

export const BEATS_PER_BAR = 4;
export const WAITS = /** @type {const} */ (["beat", "bar"]);

/**
 * A beat position snapped to the nearest multiple of `step` ticks.
 * @param {number} beats
 * @param {number} step ticks, 1 for the bare tick grid, 3 for sixteenths
 */
export function snapBeats(beats, step) {
  const { ticksPerBeat } = musicConstants();
  return (Math.round((beats * ticksPerBeat) / step) * step) / ticksPerBeat;
}

/**
 * Where a phrase ending at `lastEnd` counts as over (beats).
 * @param {number} lastEnd where its last note ends
 * @param {"beat" | "bar"} wait
 */
export function phraseEnd(lastEnd, wait) {
  return wait === "beat" ? lastEnd + 1 : Math.ceil(lastEnd / BEATS_PER_BAR) * BEATS_PER_BAR;
}

/**
 * The notes of bars `from`..`to` (1-based, inclusive) of `notes`, moved to start at beat 0 and
 * cut at the range's end.
 * @param {{pitch: number, start: number, duration: number}[]} notes
 * @returns {{pitch: number, start: number, duration: number}[]}
 */
export function barsOf(notes, from, to) {
  const begin = (from - 1) * BEATS_PER_BAR;
  const end = to * BEATS_PER_BAR;
  return notes
    .filter((note) => note.start >= begin && note.start < end)
    .map((note) => ({
      pitch: note.pitch,
      start: note.start - begin,
      duration: Math.min(note.start + note.duration, end) - note.start,
    }));
}

export class PhraseRecorder {
  #from;
  #step;
  #held = new Map(); // pitch -> {start, velocity} of a note still held
  /** @type {{pitch: number, start: number, duration: number, velocity: number}[]} */
  #notes = [];

  /**
   * @param {{from?: number, step?: number}} [options] `from`: no note starts before this beat
   *   (the end of the last answer, or of a count-in); `step`: the grid in ticks notes snap to
   */
  constructor({ from = 0, step = 1 } = {}) {
    this.#from = from;
    this.#step = step;
  }

  get from() { return this.#from; }
  /** Whether anything has been played. */
  get started() { return this.#notes.length > 0 || this.#held.size > 0; }

  /** @param {number} pitch @param {number} velocity @param {number} beat */
  noteOn(pitch, velocity, beat) {
    if (beat < this.#from || this.#held.has(pitch)) return;
    this.#held.set(pitch, { start: Math.max(this.#from, snapBeats(beat, this.#step)), velocity });
  }

  /** @param {number} pitch @param {number} beat */
  noteOff(pitch, beat) {
    const held = this.#held.get(pitch);
    if (!held) return null;
    this.#held.delete(pitch);
    const { ticksPerBeat } = musicConstants();
    const end = Math.max(snapBeats(beat, this.#step), held.start + this.#step / ticksPerBeat);
    const note = { pitch, start: held.start, duration: end - held.start, velocity: held.velocity };
    this.#notes.push(note);
    return note;
  }

  /** Where the last note ended, or null while nothing has been played or a key is held. */
  get lastEnd() {
    if (this.#held.size > 0 || this.#notes.length === 0) return null;
    return Math.max(...this.#notes.map((note) => note.start + note.duration));
  }

  /** Whether the phrase is over at `beat`, waiting as `wait` says. @param {number} beat */
  isOver(beat, wait) {
    const lastEnd = this.lastEnd;
    return lastEnd !== null && beat >= phraseEnd(lastEnd, wait);
  }

  /** The notes played, in time order, notes still held ending at `beat`. @param {number} beat */
  finish(beat) {
    for (const pitch of [...this.#held.keys()]) this.noteOff(pitch, beat);
    return this.notes;
  }

  get notes() {
    return [...this.#notes].sort((a, b) => a.start - b.start || a.pitch - b.pitch);
  }
}
