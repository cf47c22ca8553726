// A page for the browser modules under Node: the #music-constants element base.html renders,
// with the values of server/views/pages.py `music_constants()`.
export const MUSIC_CONSTANTS = {
  ticksPerBeat: 12,
  velocity: 90,
  parts: ["melody", "chords", "bass", "drums", "played"],
  pitchNames: ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"],
  genres: ["classical", "folk", "jazz", "pop", "rock"],
  modes: ["major", "minor"],
  instruments: { piano: "Grand piano", fm: "FM electric piano", pad: "AM pad", pluck: "Pluck" },
  defaultInstrument: "piano",
  chordTrackName: "Chords",
  chordVelocity: 64,
  partTracks: { Chords: "chords", Bass: "bass", Drums: "drums" },
};

globalThis.document = {
  getElementById: (id) => (id === "music-constants" ? { textContent: JSON.stringify(MUSIC_CONSTANTS) } : null),
};
