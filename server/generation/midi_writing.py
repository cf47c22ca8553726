"""Writing a melody as a standard MIDI file: a type-1 file with tempo, meter, key and
instrument, on a grid every melody tick lands on exactly, and its chords when it has them.
"""

from __future__ import annotations

from server.generation import smf
from server.generation.chord_track import chord_markers, chord_track
from server.generation.melody import MODES, TICKS_PER_QUARTER, Melody, key_to_fifths
from server.generation.notes import DEFAULT_VELOCITY
from server.generation.progression import Progression

WRITE_TICKS_PER_BEAT = 480  # a multiple of TICKS_PER_QUARTER, so every grid tick is exact
MELODY_CHANNEL = 0


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
    conductor = smf.Track()
    conductor.text(smf.TRACK_NAME, melody.name or "Cadenza")
    conductor.meta(smf.SET_TEMPO, smf.tempo_payload(melody.tempo))
    meter = smf.time_signature_payload(*bar_ticks_to_meter(melody.bar_ticks))
    conductor.meta(smf.TIME_SIGNATURE, meter)
    fifths, minor = key_to_fifths(melody.tonic, melody.mode), melody.mode != MODES[0]
    conductor.meta(smf.KEY_SIGNATURE, smf.key_signature_payload(fifths, minor))
    tracks = [_melody_track(melody, program, velocity, track_name)]
    if chords is not None:
        chord_markers(conductor, chords, WRITE_TICKS_PER_BEAT)
        tracks.append(chord_track(chords, WRITE_TICKS_PER_BEAT))
    return smf.midi_file([conductor.chunk(), *tracks], WRITE_TICKS_PER_BEAT)


def _melody_track(melody: Melody, program: int, velocity: int, name: str) -> bytes:
    scale = WRITE_TICKS_PER_BEAT // TICKS_PER_QUARTER
    # Silence before the first event puts the pickup where it belongs relative to bar lines.
    delay = (melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks * scale
    track = smf.Track()
    track.text(smf.TRACK_NAME, name)
    track.channel(smf.PROGRAM_CHANGE, MELODY_CHANNEL, program)
    for event in melody.events:
        if event.pitch is None:
            delay += event.duration * scale
            continue
        track.channel(smf.NOTE_ON, MELODY_CHANNEL, event.pitch, velocity, delta=delay)
        release = smf.RELEASE_VELOCITY
        track.channel(
            smf.NOTE_OFF, MELODY_CHANNEL, event.pitch, release, delta=event.duration * scale
        )
        delay = 0
    return track.chunk(delay)
