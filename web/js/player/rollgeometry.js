// @ts-check
// What the piano roll shows, apart from drawing it: the pitch rows and the stretch of beats in
// view as a song scrolls past the playhead, and the lane the drums are drawn in.

export const MIN_PITCH_SPAN = 24; // show at least two octaves so a small melody is not stretched
const SHORTEST_VIEW_BEATS = 8; // a very short song still leaves room around it

/**
 * The pitch range to draw: the notes' range, padded by a semitone, at least `minSpan` semitones
 * (middle C's two octaves when there are no notes).
 * @param {{pitch: number}[]} notes
 * @param {number} minSpan
 */
export function pitchRange(notes, minSpan = MIN_PITCH_SPAN) {
  if (notes.length === 0) return { low: 60 - 12, high: 60 + 12 };
  let low = Math.min(...notes.map((note) => note.pitch)) - 1;
  let high = Math.max(...notes.map((note) => note.pitch)) + 1;
  const missing = minSpan - (high - low);
  if (missing > 0) {
    low -= Math.floor(missing / 2);
    high += Math.ceil(missing / 2);
  }
  return { low, high };
}

/**
 * The beats in view: a short song fits whole; a longer one shows `windowBeats`, scrolled so
 * the playhead (beats, or null) stays a quarter of the way in, never past either end.
 * @param {{lengthBeats: number, windowBeats: number, playhead: number | null}} view
 * @returns {{from: number, to: number}}
 */
export function visibleBeats({ lengthBeats, windowBeats, playhead }) {
  const span = Math.max(lengthBeats, SHORTEST_VIEW_BEATS);
  if (span <= windowBeats) return { from: 0, to: span };
  const lead = windowBeats / 4;
  const from = Math.min(Math.max((playhead ?? 0) - lead, 0), span - windowBeats);
  return { from, to: from + windowBeats };
}

// The drums lane under the pitch rows: one row per kind of kit piece, cymbals on top, kick at
// the bottom, as drum notation stacks them. A General MIDI drum note not named here is percussion.
const DRUM_ROWS = [
  ["Cymbals", [49, 51, 52, 53, 55, 57, 59]],
  ["Hi-hat", [42, 44, 46]],
  ["Percussion", []],
  ["Toms", [41, 43, 45, 47, 48, 50]],
  ["Snare", [37, 38, 39, 40]],
  ["Kick", [35, 36]],
];
const PERCUSSION_ROW = 2;
const DRUM_LANE_SHARE = 0.3; // of the roll's height, when the piece has drums

/** The names of the drums lane's rows, top to bottom. */
export const DRUM_ROW_NAMES = DRUM_ROWS.map(([name]) => name);

/**
 * The row of the drums lane a General MIDI drum note is drawn in (0 = top).
 * @param {number} pitch
 */
export function drumRow(pitch) {
  const row = DRUM_ROWS.findIndex(([, pitches]) => /** @type {number[]} */ (pitches).includes(pitch));
  return row === -1 ? PERCUSSION_ROW : row;
}

/**
 * How a roll `height` pixels tall is shared: pitch rows above, and with `drums` a lane of
 * drum rows below them (its top and row height).
 * @param {number} height
 * @param {boolean} drums
 */
export function rollLanes(height, drums) {
  if (!drums) return { pitchHeight: height, drumTop: height, drumRowHeight: 0 };
  const lane = Math.round(height * DRUM_LANE_SHARE);
  return { pitchHeight: height - lane, drumTop: height - lane, drumRowHeight: lane / DRUM_ROWS.length };
}
