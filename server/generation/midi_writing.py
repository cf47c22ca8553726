"""Writing a melody as a standard MIDI file: a type-1 file with tempo, meter, key and
instrument, on a grid every melody tick lands on exactly, and its chords when it has them.
"""

from __future__ import annotations

import io

import mido

from server.generation.chord_track import chord_markers, chord_track
from server.generation.melody import MODES, TICKS_PER_QUARTER, Melody, key_to_fifths
from server.generation.notes import DEFAULT_VELOCITY
from server.generation.progression import Progression

WRITE_TICKS_PER_BEAT = 480  # a multiple of TICKS_PER_QUARTER, so every grid tick is exact

# mido's key names by key signature (sharps > 0, flats < 0)
_MAJOR_BY_FIFTHS = {
    **dict(enumerate(("C", "G", "D", "A", "E", "B", "F#", "C#"))),
    **{-f: n for f, n in enumerate(("C", "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"))},
}
_MINOR_BY_FIFTHS = {
    **dict(enumerate(("Am", "Em", "Bm", "F#m", "C#m", "G#m", "D#m", "A#m"))),
    **{-f: n for f, n in enumerate(("Am", "Dm", "Gm", "Cm", "Fm", "Bbm", "Ebm", "Abm"))},
}


def key_to_midi_key(tonic: int, mode: str) -> str:
    """(tonic, mode) as mido's key name, spelled with at most six accidentals."""
    fifths = key_to_fifths(tonic, mode)
    return (_MAJOR_BY_FIFTHS if mode == MODES[0] else _MINOR_BY_FIFTHS)[fifths]


def bar_ticks_to_meter(bar_ticks: int) -> tuple[int, int]:
    """A time signature for a bar length in ticks: quarters when whole, else eighths, else 16ths."""
    for denominator in (4, 8, 16):
        beat = 4 * TICKS_PER_QUARTER // denominator
        if bar_ticks % beat == 0:
            return bar_ticks // beat, denominator
    raise ValueError(f"a bar of {bar_ticks} ticks has no time signature on the 16th grid")


def melody_to_midi(
    melody: Melody,
    *,
    program: int = 0,
    velocity: int = DEFAULT_VELOCITY,
    track_name: str = "Melody",
    chords: Progression | None = None,
) -> bytes:
    """A type-1 standard MIDI file: a conductor track (tempo, meter, key) and one melody track
    named `track_name` that sets General MIDI `program` (0-based) before its first note.

    With `chords`, the conductor track also marks each chord change with its symbol and a
    "Chords" track plays them; the progression starts at the file's start, the bar line at or
    before the melody's first note."""
    numerator, denominator = bar_ticks_to_meter(melody.bar_ticks)
    conductor = mido.MidiTrack(
        [
            mido.MetaMessage("track_name", name=melody.name or "Cadenza"),
            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(melody.tempo)),
            mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator),
            mido.MetaMessage("key_signature", key=key_to_midi_key(melody.tonic, melody.mode)),
        ]
    )
    midi = mido.MidiFile(type=1, ticks_per_beat=WRITE_TICKS_PER_BEAT)
    midi.tracks.extend([conductor, _melody_track(melody, program, velocity, track_name)])
    if chords is not None:
        conductor.extend(chord_markers(chords, WRITE_TICKS_PER_BEAT))
        midi.tracks.append(chord_track(chords, WRITE_TICKS_PER_BEAT))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _melody_track(melody: Melody, program: int, velocity: int, name: str) -> mido.MidiTrack:
    scale = WRITE_TICKS_PER_BEAT // TICKS_PER_QUARTER
    # Silence before the first event puts the pickup where it belongs relative to bar lines.
    delay = (melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks * scale
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    track.append(mido.Message("program_change", program=program, time=0))
    for event in melody.events:
        if event.pitch is None:
            delay += event.duration * scale
            continue
        track.append(mido.Message("note_on", note=event.pitch, velocity=velocity, time=delay))
        track.append(mido.Message("note_off", note=event.pitch, time=event.duration * scale))
        delay = 0
    track.append(mido.MetaMessage("end_of_track", time=delay))
    return track
