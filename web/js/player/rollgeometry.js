// @ts-check
// What the piano roll shows, apart from drawing it: the pitch rows and the stretch of beats in
// view as a song scrolls past the playhead.

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
