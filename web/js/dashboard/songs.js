// @ts-check
// A saved song's notes, read from its MIDI file (the one format the API serves them in), each of
// the part its track holds, and the instrument it was made with.
import midiPackage from "@tonejs/midi"; // CommonJS: its default export, for Node's tests too
import { api } from "../common/api.js";
import { DEFAULT_INSTRUMENT, INSTRUMENT_NAMES } from "../music/instruments.js";
import { musicConstants } from "../music/constants.js";
import { nameChordNotes } from "../music/chordnotes.js";
import { noteFromMidi } from "../music/notes.js";

const DRUM_CHANNEL = 9; // General MIDI's channel 10, counted from 0

/**
 * The part a track of a saved song holds, from its name as the song's MIDI file writes them
 * ("Melody (Grand piano)", "Chords", "Bass", "Drums"): drums also by General MIDI's drum channel,
 * and the melody for any track named otherwise (a file from elsewhere).
 * @param {{name: string, channel: number}} track
 */
export function trackPart({ name, channel }) {
  const { chordTrackName, parts } = musicConstants();
  if (channel === DRUM_CHANNEL) return "drums";
  if (name === chordTrackName) return "chords";
  const named = name.replace(/\s*\(.*\)\s*$/, "").trim().toLowerCase(); // "Melody (Pluck)" -> "melody"
  return parts.includes(named) ? named : parts[0];
}

/**
 * MIDI bytes -> notes in beats ({pitch, start, duration, velocity 0-127, part}) and the tempo;
 * each track's notes are of the part it holds (`trackPart`).
 */
export function midiToNotes(bytes, fallbackTempo = 120) {
  const midi = new midiPackage.Midi(bytes);
  const ppq = midi.header.ppq;
  const notes = midi.tracks
    .flatMap((track) => {
      const part = trackPart(track);
      return track.notes.map((note) => noteFromMidi(note, ppq, part));
    })
    .sort((a, b) => a.start - b.start);
  const tempo = midi.header.tempos[0]?.bpm ?? fallbackTempo;
  return { notes, tempo };
}

/** The player instrument the song `song` (an API SongOut) was made with, so it replays as heard. */
export function songInstrument(song) {
  const name = song.parameters?.instrument;
  return Object.hasOwn(INSTRUMENT_NAMES, name ?? "") ? name : DEFAULT_INSTRUMENT;
}

const cache = new Map(); // song id -> {notes, tempo}: a thumbnail and a replay fetch once

/**
 * The notes of the song `song` (an API SongOut), fetched once per page; its chord track's notes
 * are named by the song's chords, so the chord lane shows them as it replays.
 */
export async function loadSongNotes(song) {
  if (!cache.has(song.id)) {
    const pending = api.getBytes(song.midi_url).then((bytes) => {
      const { notes, tempo } = midiToNotes(bytes, song.tempo);
      return { notes: nameChordNotes(notes, song.chords ?? []), tempo };
    });
    pending.catch(() => cache.delete(song.id));
    cache.set(song.id, pending);
  }
  return cache.get(song.id);
}
