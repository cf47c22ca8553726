// How conversions read on the page: what an uploaded file holds, its melody as playable notes,
// a song's "sounds like" verdict and where a converted song came from.

const TICKS_PER_BEAT = 12; // the melody grid of docs/music-representation.md

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A track as a person names it: "Lead Vocal · Pipe · 7 notes". */
export function trackLabel(track) {
  const name = track.name.trim() || `Track ${track.index + 1}`;
  const instrument = track.instrument === "Unknown" ? "instrument not set" : track.instrument;
  return `${name} · ${instrument} · ${plural(track.note_count, "note")}`;
}

/** The tracks a melody can be taken from: pitched ones with notes. */
export function pitchedTracks(analysis) {
  return analysis.tracks.filter((track) => !track.is_drums && track.note_count > 0);
}

/** The upload analysis as [term, description] pairs for a definition list. */
export function sourceFacts(analysis) {
  const track = analysis.tracks[analysis.melody_track];
  const name = track?.name.trim() || `Track ${analysis.melody_track + 1}`;
  const instrument = track && track.instrument !== "Unknown" ? `, ${track.instrument}` : "";
  const changes = analysis.tempo_changes
    ? `, then ${plural(analysis.tempo_changes, "tempo change")}` : "";
  const pickup = analysis.pickup_beats ? ` after a ${analysis.pickup_beats}-beat pickup` : "";
  return [
    ["Melody", `${name}${instrument} · ${plural(analysis.melody_notes, "note")}`],
    ["Key", analysis.key],
    ["Meter", analysis.meter],
    ["Tempo", `${Math.round(analysis.tempo)} BPM${changes}`],
    ["Length", `${plural(analysis.bars, "bar")}${pickup}`],
  ];
}

/** Beats in one bar of the analysed melody ("6/8" is 3 quarter-note beats). */
export function beatsPerBar(analysis) {
  if (analysis.melody?.bar_ticks) return analysis.melody.bar_ticks / TICKS_PER_BEAT;
  const [numerator, denominator] = analysis.meter.split("/").map(Number);
  return (numerator * 4) / denominator;
}

/** The kept melody ({events: [[pitch or null, ticks]]}) as player notes in beats. */
export function melodyToNotes(melody) {
  const notes = [];
  let tick = 0;
  for (const [pitch, ticks] of melody?.events ?? []) {
    if (pitch !== null) {
      notes.push({ pitch, start: tick / TICKS_PER_BEAT, duration: ticks / TICKS_PER_BEAT, velocity: 90 });
    }
    tick += ticks;
  }
  return notes;
}

/** The classifier's verdict ({genre, confidence 0..1}): "Sounds like jazz · 87%". */
export function soundsLikeText(verdict) {
  return `Sounds like ${verdict.genre} · ${Math.round(verdict.confidence * 100)}%`;
}

/** Where a converted song came from: "Converted from Waltz.mid to jazz" (the name when known). */
export function conversionText(song, sourceName = null) {
  const target = song.genre ? ` to ${song.genre}` : "";
  return sourceName ? `Converted from ${sourceName}${target}` : capitalize(`converted${target}`);
}
