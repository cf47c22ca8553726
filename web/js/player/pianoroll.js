// @ts-check
// Canvas piano roll: notes (music/notes.js: pitch, start and duration in beats, velocity) drawn as
// they arrive, a playhead that the view follows, and the small thumbnails of the dashboard's song list.
import { ChordLane, chordChanges } from "./chordlane.js";
import { MIN_PITCH_SPAN, drumRow, pitchRange, rollLanes, visibleBeats } from "./rollgeometry.js";
import { PART_LABELS, partColor, partsPresent } from "./partcolors.js";

const COLORS = {
  background: "#0d1220",
  blackKeyLane: "#0a0e1a",
  drumLane: "#0a0f1c",
  laneEdge: "rgba(138, 148, 176, 0.25)",
  beatLine: "rgba(138, 148, 176, 0.08)",
  barLine: "rgba(138, 148, 176, 0.2)",
  playhead: "#f8fafc",
};
const BLACK_KEYS = new Set([1, 3, 6, 8, 10]);
// Notes the playhead has passed are drawn at full strength, notes to come dimmer; softer notes
// (the chords' comping, a ghost snare) dimmer still.
const ALPHA_TO_COME = 0.45;
const ALPHA_PLAYED = 0.8;

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
 * Draws `notes` between beats `from` and `to` on `canvas`, each part in its colour; the drums in
 * a lane of their own under the pitch rows. `playhead` (beats) or null.
 * @param {HTMLCanvasElement} canvas
 * @param {import("../music/notes.js").Note[]} notes
 * @param {{from?: number, to: number, playhead?: number | null, grid?: boolean, minPitchSpan?: number}} view
 */
export function drawRoll(
  canvas, notes, { from = 0, to, playhead = null, grid = true, minPitchSpan = MIN_PITCH_SPAN },
) {
  const { width, height, ratio } = fitCanvas(canvas);
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const pitched = notes.filter((note) => note.part !== "drums");
  const { pitchHeight, drumTop, drumRowHeight } = rollLanes(height, pitched.length < notes.length);
  const { low, high } = pitchRange(pitched, minPitchSpan);
  const rowHeight = pitchHeight / (high - low + 1);
  const xOf = (beats) => ((beats - from) / (to - from)) * width;
  const yOf = (pitch) => (high - pitch) * rowHeight;
  const rowOf = (note) => (note.part === "drums"
    ? { y: drumTop + drumRow(note.pitch) * drumRowHeight, h: drumRowHeight }
    : { y: yOf(note.pitch), h: rowHeight });

  context.fillStyle = COLORS.background;
  context.fillRect(0, 0, width, height);
  if (grid) drawGrid(context, { low, high, from, to, width, height, rowHeight, xOf, yOf });
  if (drumRowHeight > 0) drawDrumLane(context, { drumTop, width, height, ratio });
  for (const note of notes) {
    if (note.start + note.duration < from || note.start > to) continue;
    const played = playhead !== null && note.start <= playhead;
    context.fillStyle = note.color ?? partColor(note.part); // a jam member's notes carry their colour
    context.globalAlpha = (played ? ALPHA_PLAYED : ALPHA_TO_COME) + 0.2 * (note.velocity / 127);
    const x = xOf(note.start);
    const noteWidth = Math.max(2 * ratio, xOf(note.start + note.duration) - x - ratio);
    const { y, h } = rowOf(note);
    context.fillRect(x, y + ratio / 2, noteWidth, Math.max(ratio, h - ratio));
  }
  context.globalAlpha = 1;
  if (playhead !== null) {
    context.fillStyle = COLORS.playhead;
    context.fillRect(xOf(playhead) - ratio / 2, 0, Math.max(1, ratio * 1.5), height);
  }
}

function drawDrumLane(context, { drumTop, width, height, ratio }) {
  context.fillStyle = COLORS.drumLane;
  context.fillRect(0, drumTop, width, height - drumTop);
  context.fillStyle = COLORS.laneEdge;
  context.fillRect(0, drumTop, width, Math.max(1, ratio));
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
 * of the piece's chords are shown there, scrolling with the roll; with a `legend` list, the
 * colour of each part the piece has.
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
  /** @type {HTMLElement | null} */
  #legend;
  #legendParts = "";

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{windowBeats?: number, lane?: HTMLElement | null, legend?: HTMLElement | null}} [options]
   */
  constructor(canvas, { windowBeats = 32, lane = null, legend = null } = {}) {
    this.#canvas = canvas;
    this.#windowBeats = windowBeats;
    this.#lane = lane ? new ChordLane(lane) : null;
    this.#legend = legend;
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

  // Exposed for assistive technology and for tests: how many notes the roll shows, of which parts.
  #refreshCount() {
    const parts = partsPresent(this.#notes);
    this.#canvas.dataset.noteCount = String(this.#notes.length);
    const partsText = parts.length > 1 ? ` (${parts.map((part) => PART_LABELS[part]).join(", ")})` : "";
    this.#canvas.setAttribute("aria-label", `Piano roll, ${this.#notes.length} notes${partsText}`);
    this.#showLegend(parts);
  }

  /** One swatch per part shown, once the roll holds more than the melody. */
  #showLegend(parts) {
    const legend = this.#legend;
    if (!legend || parts.join() === this.#legendParts) return;
    this.#legendParts = parts.join();
    legend.hidden = parts.length < 2;
    legend.replaceChildren(...parts.map((part) => {
      const item = document.createElement("li");
      item.dataset.legendPart = part;
      const swatch = document.createElement("span");
      swatch.className = "part-swatch";
      swatch.style.backgroundColor = partColor(part);
      item.append(swatch, PART_LABELS[part]);
      return item;
    }));
  }
}

/** A small static roll of a whole song, for lists. */
export function drawThumbnail(canvas, notes) {
  const end = Math.max(4, ...notes.map((note) => note.start + note.duration));
  drawRoll(canvas, notes, { from: 0, to: end, grid: false, minPitchSpan: 12 });
  canvas.dataset.noteCount = String(notes.length);
}
