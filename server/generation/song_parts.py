"""A saved song's notes read back part by part from the tracks its MIDI file was written with
(`midi_writing`): the melody's track and the band's "Chords", "Bass" and "Drums", on the note
grid from the file's start, so the parts keep their places against each other."""

from __future__ import annotations

from server.generation.band.instruments import PART_TRACKS
from server.generation.chord_track import CHORD_TRACK_NAME
from server.generation.midi_io import read_midi
from server.generation.notes import CHORDS, MELODY, TICKS_PER_BEAT, Note

PART_OF_TRACK = {CHORD_TRACK_NAME: CHORDS} | {name: part for part, (name, _) in PART_TRACKS.items()}
MELODY_TRACK_PREFIX = "Melody"  # "Melody (Grand piano)"


def song_midi_to_notes(data: bytes) -> list[Note]:
    """Every note of the parts of a song's file with its part (tracks of other names are left
    out), in start order; velocities as the file holds them are not kept."""
    midi, parts, _ = read_midi(data)
    notes = []
    for part in parts:
        name = PART_OF_TRACK.get(part.name)
        if name is None and part.name.startswith(MELODY_TRACK_PREFIX):
            name = MELODY
        if name is None:
            continue
        for start, end, pitch in part.notes:
            begin = round(start * TICKS_PER_BEAT / midi.ticks_per_beat)
            length = max(1, round(end * TICKS_PER_BEAT / midi.ticks_per_beat) - begin)
            notes.append(Note(pitch, begin, length, part=name))
    return sorted(notes, key=lambda note: (note.start, note.pitch))
