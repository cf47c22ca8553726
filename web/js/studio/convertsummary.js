// @ts-check
// How conversions read on the page: what an uploaded file holds, its melody as playable notes,
// a song's "sounds like" verdict and where a converted song came from.
import { musicConstants } from "../music/constants.js";
import { notesFromEvents } from "../music/notes.js";

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A track's own name, or its place in the file: "Lead Vocal", "Track 3". */
export function trackName(track) {
  return track.name.trim() || `Track ${track.index + 1}`;
}

/** A track as a person names it: "Lead Vocal · Pipe · 7 notes". */
export function trackLabel(track) {
  const instrument = track.instrument === "Unknown" ? "instrument not set" : track.instrument;
  return `${trackName(track)} · ${instrument} · ${plural(track.note_count, "note")}`;
}

/** What the track picker says: that another track can be chosen, or, when the studio is unsure
 * which one holds the tune, that it guessed and the person should listen and pick. */
export function trackHint(analysis, unsure) {
  if (!unsure) {
    return "The facts above are for the track the studio chose; another track is read when you convert.";
  }
  const chosen = analysis.tracks[analysis.melody_track];
  return `Not sure which track carries the tune: ${chosen ? trackName(chosen) : "the chosen one"} is picked. `
    + "Play each track and pick the melody.";
}

/** The tracks a melody can be taken from: pitched ones with notes. */
export function pitchedTracks(analysis) {
  return analysis.tracks.filter((track) => !track.is_drums && track.note_count > 0);
}

/** The upload analysis as [term, description] pairs for a definition list. */
export function sourceFacts(analysis) {
  const track = analysis.tracks[analysis.melody_track];
  const name = track ? trackName(track) : `Track ${analysis.melody_track + 1}`;
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
  if (analysis.melody?.bar_ticks) return analysis.melody.bar_ticks / musicConstants().ticksPerBeat;
  const [numerator, denominator] = analysis.meter.split("/").map(Number);
  return (numerator * 4) / denominator;
}

/** The kept melody ({events: [[pitch or null, ticks]]}) as player notes in beats. */
export function melodyToNotes(melody) {
  return notesFromEvents(melody?.events ?? []);
}

/**
 * What the classifier may say of a song (`sounds_like` of the API, docs/style-transfer.md):
 * "Sounds like jazz · 87%" when no genre was asked, "Sounds like jazz, as asked · 97%", and for a
 * song asked for classical that the classifier takes for folk "Classical, as asked · leans folk".
 */
export function soundsLikeText(verdict) {
  const percent = `${Math.round(verdict.confidence * 100)}%`;
  if (verdict.agreement === "leans") return `${capitalize(verdict.asked)}, as asked · leans ${verdict.genre}`;
  if (verdict.agreement === "as_asked") return `Sounds like ${verdict.genre}, as asked · ${percent}`;
  return `Sounds like ${verdict.genre} · ${percent}`;
}

/** Where a converted song came from: "Converted from Waltz.mid to jazz" (the name when known). */
export function conversionText(song, sourceName = null) {
  const target = song.genre ? ` to ${song.genre}` : "";
  return sourceName ? `Converted from ${sourceName}${target}` : capitalize(`converted${target}`);
}
