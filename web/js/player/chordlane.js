// @ts-check
// The chord lane above the piano roll: the symbol of each chord change of the piece's "chords"
// part, placed on the roll's beats so it scrolls with it, the chord being heard marked; and the
// same changes as a line of symbols for a song's card.
import { notesOfChord } from "../music/chordnotes.js";

const CHORDS_LISTED = 8; // a song's card lists the first changes of a long progression

/**
 * @typedef {object} ChordChange
 * @property {string} symbol as musicians write it ("Dm7")
 * @property {number} start beats
 * @property {number} end beats
 */

/**
 * @typedef {object} ChordLabel
 * @property {string} symbol
 * @property {number} start beats, where the chord changes
 * @property {number} left fraction of the view's width where its label starts (0..1)
 * @property {number} width fraction of the view's width it lasts, up to the next change
 * @property {boolean} current whether the playhead is inside it
 */

/**
 * Where the chords change, from the notes of the "chords" part that carry a chord symbol: one
 * change per chord struck, and none where the same chord is struck again (a band's comping).
 * @param {import("../music/notes.js").Note[]} notes
 * @returns {ChordChange[]}
 */
export function chordChanges(notes) {
  /** @type {Map<number, ChordChange>} */
  const struck = new Map(); // start -> the chord struck there
  for (const note of notes) {
    if (note.part !== "chords" || !note.chord) continue;
    const end = note.start + note.duration;
    const chord = struck.get(note.start);
    if (chord) chord.end = Math.max(chord.end, end);
    else struck.set(note.start, { symbol: note.chord, start: note.start, end });
  }
  /** @type {ChordChange[]} */
  const changes = [];
  for (const chord of [...struck.values()].sort((a, b) => a.start - b.start)) {
    const previous = changes.at(-1);
    if (previous && previous.symbol === chord.symbol) { // struck again, or comped on: one chord
      previous.end = chord.end;
    } else {
      changes.push({ ...chord });
    }
  }
  return changes;
}

/**
 * Chords in the wire form as a line of their symbols at each change ("Dm7 G7 Cmaj7"), the first
 * few of a long progression; "" for none.
 * @param {import("../music/chordnotes.js").WireChord[] | null | undefined} chords
 */
export function chordsText(chords) {
  const symbols = chordChanges((chords ?? []).flatMap(notesOfChord)).map((change) => change.symbol);
  const listed = symbols.slice(0, CHORDS_LISTED).join(" ");
  return symbols.length > CHORDS_LISTED ? `${listed} …` : listed;
}

/**
 * The labels in view between beats `from` and `to`: each change that sounds there, placed at its
 * start (a chord that began before the view is pinned to its left edge).
 * @param {ChordChange[]} changes in time order
 * @param {{from: number, to: number, playhead?: number | null}} view
 * @returns {ChordLabel[]}
 */
export function chordLaneLayout(changes, { from, to, playhead = null }) {
  const span = to - from;
  if (span <= 0) return [];
  return changes
    .filter((change) => change.end > from && change.start < to)
    .map((change) => {
      const left = Math.max(change.start, from);
      return {
        symbol: change.symbol,
        start: change.start,
        left: (left - from) / span,
        width: (Math.min(change.end, to) - left) / span,
        current: playhead !== null && change.start <= playhead && playhead < change.end,
      };
    });
}

/** The lane's element: one label per change in view, reused from frame to frame. */
export class ChordLane {
  #element;
  /** @type {Map<number, HTMLElement>} start -> its label */
  #labels = new Map();

  /** @param {HTMLElement} element */
  constructor(element) {
    this.#element = element;
  }

  /**
   * @param {ChordChange[]} changes
   * @param {{from: number, to: number, playhead?: number | null}} view
   */
  render(changes, view) {
    this.#element.hidden = changes.length === 0;
    const layout = chordLaneLayout(changes, view);
    const shown = new Set(layout.map((label) => label.start));
    for (const [start, label] of this.#labels) {
      if (!shown.has(start)) {
        label.remove();
        this.#labels.delete(start);
      }
    }
    for (const { symbol, start, left, width, current } of layout) {
      const label = this.#label(start);
      if (label.textContent !== symbol) label.textContent = symbol;
      label.style.left = `${(left * 100).toFixed(3)}%`;
      label.style.width = `${(width * 100).toFixed(3)}%`;
      label.toggleAttribute("data-current", current);
    }
    const heard = layout.find((label) => label.current)?.symbol ?? "";
    if (this.#element.dataset.current !== heard) this.#element.dataset.current = heard;
  }

  #label(start) {
    let label = this.#labels.get(start);
    if (!label) {
      label = document.createElement("span");
      label.className = "chord-label";
      label.dataset.chordStart = String(start);
      this.#element.append(label);
      this.#labels.set(start, label);
    }
    return label;
  }
}
