"""What reading a MIDI file yields before any melody is chosen: the notes of each
(track, channel) pair and the file's first tempo, meter and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DRUM_CHANNEL = 9  # General MIDI channel 10


@dataclass
class MidiPart:
    """The notes of one (track, channel) pair, in source ticks."""

    name: str
    channel: int
    notes: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, pitch)
    track: int = 0  # index of the MIDI track it came from
    program: int | None = None  # the first General MIDI program set on its channel


@dataclass
class MidiMeta:
    """The first tempo, meter and key found in the file, and how often the tempo is set."""

    tempo: float | None = None  # bpm
    meter: tuple[int, int] | None = None  # (numerator, denominator)
    key: tuple[int, str] | None = None  # (tonic pitch class, mode)
    tempo_events: int = 0
