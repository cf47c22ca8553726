// @ts-check
// Canvas piano roll: notes (music/notes.js: pitch, start and duration in beats, velocity) drawn as
// they arrive, a playhead that the view follows, and the small thumbnails of the dashboard's song list.
import { ChordLane, chordChanges } from "./chordlane.js";
import { MIN_PITCH_SPAN, pitchRange, visibleBeats } from "./rollgeometry.js";

const COLORS = {
  background: "#0d1220",
  blackKeyLane: "#0a0e1a",
  beatLine: "rgba(138, 148, 176, 0.08)",
  barLine: "rgba(138, 148, 176, 0.2)",
  note: "#6f7ff5",
  notePlayed: "#5eead4",
  chord: "#3b4466", // the chords part: behind the melody, quieter
  chordPlayed: "#2f6f68",
  playhead: "#f8fafc",
};
const BLACK_KEYS = new Set([1, 3, 6, 8, 10]);

/** Sizes the canvas's pixel buffer to its CSS box at the screen's pixel ratio (only on change). */
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return { width, height, ratio };
}

/**
 * Draws `notes` between beats `from` and `to` on `canvas`; `playhead` (beats) or null.
 * @param {HTMLCanvasElement} canvas
 * @param {import("../music/notes.js").Note[]} notes
 * @param {{from?: number, to: number, playhead?: number | null, grid?: boolean, minPitchSpan?: number}} view
 */
export function drawRoll(
  canvas, notes, { from = 0, to, playhead = null, grid = true, minPitchSpan = MIN_PITCH_SPAN },
) {
  const { width, height, ratio } = fitCanvas(canvas);
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const { low, high } = pitchRange(notes, minPitchSpan);
  const rowHeight = height / (high - low + 1);
  const xOf = (beats) => ((beats - from) / (to - from)) * width;
  const yOf = (pitch) => (high - pitch) * rowHeight;

  context.fillStyle = COLORS.background;
  context.fillRect(0, 0, width, height);
  if (grid) drawGrid(context, { low, high, from, to, width, height, rowHeight, xOf, yOf });
  for (const note of notes) {
    if (note.start + note.duration < from || note.start > to) continue;
    const played = playhead !== null && note.start <= playhead;
    const chord = note.part === "chords";
    context.fillStyle = note.color ?? (chord // a jam member's notes carry their colour
      ? played ? COLORS.chordPlayed : COLORS.chord
      : played ? COLORS.notePlayed : COLORS.note);
    context.globalAlpha = 0.55 + 0.45 * (note.velocity / 127);
    const x = xOf(note.start);
    const noteWidth = Math.max(2 * ratio, xOf(note.start + note.duration) - x - ratio);
    context.fillRect(x, yOf(note.pitch) + ratio / 2, noteWidth, Math.max(ratio, rowHeight - ratio));
  }
  context.globalAlpha = 1;
  if (playhead !== null) {
    context.fillStyle = COLORS.playhead;
    context.fillRect(xOf(playhead) - ratio / 2, 0, Math.max(1, ratio * 1.5), height);
  }
}

function drawGrid(context, { low, high, from, to, width, height, rowHeight, xOf, yOf }) {
  context.fillStyle = COLORS.blackKeyLane;
  for (let pitch = low; pitch <= high; pitch += 1) {
    if (BLACK_KEYS.has(pitch % 12)) context.fillRect(0, yOf(pitch), width, rowHeight);
  }
  for (let beat = Math.ceil(from); beat <= to; beat += 1) {
    context.fillStyle = beat % 4 === 0 ? COLORS.barLine : COLORS.beatLine;
    context.fillRect(Math.round(xOf(beat)), 0, 1, height);
  }
}

/**
 * A live piano roll bound to a canvas. Short songs fit the width; longer ones show `windowBeats`
 * and scroll so the playhead stays a quarter of the way in. With a `lane` element, the symbols
 * of the piece's chords are shown there, scrolling with the roll.
 */
export class PianoRoll {
  #canvas;
  #notes = [];
  #lengthBeats = 0;
  #playhead = null;
  #windowBeats;
  /** @type {ChordLane | null} */
  #lane;
  /** @type {import("./chordlane.js").ChordChange[]} */
  #chordChanges = [];

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{windowBeats?: number, lane?: HTMLElement | null}} [options]
   */
  constructor(canvas, { windowBeats = 32, lane = null } = {}) {
    this.#canvas = canvas;
    this.#windowBeats = windowBeats;
    this.#lane = lane ? new ChordLane(lane) : null;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  get noteCount() {
    return this.#notes.length;
  }

  setNotes(notes, lengthBeats = 0) {
    this.#notes = [...notes];
    this.#lengthBeats = lengthBeats;
    this.#chordChanges = chordChanges(this.#notes);
    this.#refreshCount();
    this.draw();
  }

  addNotes(notes) {
    this.#notes.push(...notes);
    for (const note of notes) {
      this.#lengthBeats = Math.max(this.#lengthBeats, note.start + note.duration);
    }
    if (notes.some((note) => note.part === "chords")) this.#chordChanges = chordChanges(this.#notes);
    this.#refreshCount();
    this.draw();
  }

  setPlayhead(beats) {
    this.#playhead = beats;
    this.draw();
  }

  draw() {
    const { from, to } = visibleBeats({
      lengthBeats: this.#lengthBeats, windowBeats: this.#windowBeats, playhead: this.#playhead,
    });
    drawRoll(this.#canvas, this.#notes, { from, to, playhead: this.#playhead });
    this.#lane?.render(this.#chordChanges, { from, to, playhead: this.#playhead });
  }

  // Exposed for assistive technology and for tests: how many notes the roll shows.
  #refreshCount() {
    this.#canvas.dataset.noteCount = String(this.#notes.length);
    this.#canvas.setAttribute("aria-label", `Piano roll, ${this.#notes.length} notes`);
  }
}

/** A small static roll of a whole song, for lists. */
export function drawThumbnail(canvas, notes) {
  const end = Math.max(4, ...notes.map((note) => note.start + note.duration));
  drawRoll(canvas, notes, { from: 0, to: end, grid: false, minPitchSpan: 12 });
  canvas.dataset.noteCount = String(notes.length);
}
