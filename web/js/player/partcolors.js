// @ts-check
// Each part's colour and name, shared by the piano roll, its legend and the mixer's strips, so
// a part looks the same wherever it is shown.

/** Part -> its colour on the roll (notes still to come; played notes are drawn brighter). */
export const PART_COLORS = {
  melody: "#7c8cff",
  chords: "#d08cf0",
  bass: "#f0a340",
  drums: "#f0719a",
  played: "#5eead4",
};

/** Part -> what the legend and the mixer call it. */
export const PART_LABELS = {
  melody: "Melody", chords: "Chords", bass: "Bass", drums: "Drums", played: "Played",
};

/** The colour of `part` (the melody's for a part without one). */
export function partColor(part) {
  return PART_COLORS[part] ?? PART_COLORS.melody;
}

/**
 * The parts among `notes`, in the legend's order.
 * @param {{part: string}[]} notes
 */
export function partsPresent(notes) {
  const present = new Set(notes.map((note) => note.part));
  return Object.keys(PART_LABELS).filter((part) => present.has(part));
}
