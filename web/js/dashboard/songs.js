// @ts-check
// A saved song's notes, read from its MIDI file (the one format the API serves them in), and the
// instrument it was made with.
import { Midi } from "@tonejs/midi";
import { api } from "../common/api.js";
import { DEFAULT_INSTRUMENT, INSTRUMENT_NAMES } from "../music/instruments.js";
import { musicConstants } from "../music/constants.js";
import { nameChordNotes } from "../music/chordnotes.js";
import { noteFromMidi } from "../music/notes.js";

/**
 * MIDI bytes -> notes in beats ({pitch, start, duration, velocity 0-127, part}) and the tempo; the
 * notes of the song's chord track are its "chords" part, the rest its melody.
 */
export function midiToNotes(bytes, fallbackTempo = 120) {
  const midi = new Midi(bytes);
  const ppq = midi.header.ppq;
  const { chordTrackName, parts } = musicConstants();
  const notes = midi.tracks
    .flatMap((track) => {
      const part = track.name === chordTrackName ? "chords" : parts[0];
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
