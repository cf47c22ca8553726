"""Writing a melody as a standard MIDI file: a type-1 file with tempo, meter, key and
instrument, on a grid every melody tick lands on exactly, and its chords when it has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.generation import smf
from server.generation.chord_track import CHORD_CHANNEL, chord_markers, chord_track
from server.generation.melody import MODES, TICKS_PER_QUARTER, Melody, key_to_fifths
from server.generation.notes import DEFAULT_VELOCITY, Note
from server.generation.progression import Progression

WRITE_TICKS_PER_BEAT = 480  # a multiple of TICKS_PER_QUARTER, so every grid tick is exact
MELODY_CHANNEL = 0
DRUM_CHANNEL = 9  # General MIDI's percussion channel: never given to a pitched part
# Channels for named parts: all but the melody's, the chords' and the drums'.
PART_CHANNELS = tuple(
    c for c in range(16) if c not in (MELODY_CHANNEL, CHORD_CHANNEL, DRUM_CHANNEL)
)


@dataclass(frozen=True)
class NamedPart:
    """A track of its own beside the melody: a person's notes in a jam, named after them. The
    notes may overlap (chords, held notes); times in ticks from the file's start."""

    name: str
    notes: Sequence[Note]
    program: int = 0  # General MIDI instrument, 0-based


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
    parts: Sequence[NamedPart] = (),
) -> bytes:
    """A type-1 standard MIDI file: a conductor track (tempo, meter, key) and one melody track
    named `track_name` that sets General MIDI `program` (0-based) before its first note.

    With `chords`, the conductor track also marks each chord change with its symbol and a
    "Chords" track plays them; the progression starts at the file's start, the bar line at or
    before the melody's first note. Each of `parts` is a track of its own, on a channel of its
    own while there are channels left (`PART_CHANNELS`, then shared in turn)."""
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
    for number, part in enumerate(parts):
        tracks.append(_part_track(part, PART_CHANNELS[number % len(PART_CHANNELS)]))
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


def _part_track(part: NamedPart, channel: int) -> bytes:
    """A track of overlapping notes: every note-on and note-off in time order, a note's end
    before another's start at the same tick."""
    scale = WRITE_TICKS_PER_BEAT // TICKS_PER_QUARTER
    events = sorted(
        [(note.end * scale, 0, note.pitch, 0) for note in part.notes]
        + [(note.start * scale, 1, note.pitch, note.velocity) for note in part.notes]
    )
    track = smf.Track()
    track.text(smf.TRACK_NAME, part.name)
    track.channel(smf.PROGRAM_CHANGE, channel, part.program)
    now = 0
    for tick, is_on, pitch, velocity in events:
        kind = smf.NOTE_ON if is_on else smf.NOTE_OFF
        value = velocity if is_on else smf.RELEASE_VELOCITY
        track.channel(kind, channel, pitch, value, delta=tick - now)
        now = tick
    return track.chunk()
