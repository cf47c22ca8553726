"""The one note type of the product: what the sampler writes, what streams carry, what rooms
store and what MIDI files hold, with its one conversion to and from each of those forms.

A note lives on the 12-ticks-per-beat grid of `melody.py` (a beat is a quarter note), so that
start and duration are exact integers from the sampler to the saved file. The wire and the
browser speak beats (a float), the only place a note changes unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

# Sixteenths (3 ticks) and eighth triplets (4 ticks) are both exact; a beat is a quarter note.
TICKS_PER_BEAT = 12
DEFAULT_VELOCITY = 90  # MIDI velocity of a note nobody played harder or softer
MELODY = "melody"
CHORDS = "chords"  # the chords under the melody: block chords, or the band's comping
BASS = "bass"  # the band's bass line
DRUMS = "drums"  # the band's kit: pitches are General MIDI drum notes (channel 10)
PLAYED = "played"  # notes a person played (a keyboard in the studio, a member in a room jam)
PARTS = (MELODY, CHORDS, BASS, DRUMS, PLAYED)  # the parts a piece can hold
BAND_PARTS = (BASS, CHORDS, DRUMS)  # what the band plays under the melody
WireNote = dict[str, Any]
# [pitch, start, duration, velocity] in ticks, then the part when it is not the melody
StoredNote = list[int | str]


class NoteError(ValueError):
    """A note given from outside (the wire, storage) that is not a note; names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Note:
    """One sounding note: MIDI `pitch`, `start` and `duration` in ticks from the piece's start,
    `velocity` 1..127, the `part` it belongs to, and the `chord` symbol sounding under it when
    the piece has harmony."""

    pitch: int
    start: int
    duration: int
    velocity: int = DEFAULT_VELOCITY
    part: str = MELODY
    chord: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise NoteError("pitch", f"must be a MIDI number 0..127, got {self.pitch}")
        if self.start < 0:
            raise NoteError("start", f"must not be before the piece begins, got {self.start}")
        if self.duration <= 0:
            raise NoteError("duration", f"must be positive, got {self.duration}")
        if not 1 <= self.velocity <= 127:
            raise NoteError("velocity", f"must be 1..127, got {self.velocity}")
        if self.part not in PARTS:
            raise NoteError("part", f"must be one of {', '.join(PARTS)}, got {self.part!r}")

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def start_beats(self) -> float:
        return self.start / TICKS_PER_BEAT

    @property
    def duration_beats(self) -> float:
        return self.duration / TICKS_PER_BEAT

    def transposed(self, semitones: int) -> Note:
        return replace(self, pitch=self.pitch + semitones)

    def shifted(self, ticks: int) -> Note:
        return replace(self, start=self.start + ticks)

    def to_wire(self, index: int | None = None) -> WireNote:
        """The note as it travels as JSON: start and duration in beats; `index` (its place in
        its stream) when given, `part` when not the melody, `chord` when known."""
        wire: WireNote = {} if index is None else {"index": index}
        wire |= {
            "pitch": self.pitch,
            "start": self.start_beats,
            "duration": self.duration_beats,
            "velocity": self.velocity,
        }
        if self.part != MELODY:
            wire["part"] = self.part
        if self.chord is not None:
            wire["chord"] = self.chord
        return wire

    @classmethod
    def from_wire(cls, data: object) -> Note:
        """A note sent as JSON ({pitch, start, duration} in beats, optional velocity and part),
        snapped to the tick grid; NoteError names the first field that is wrong."""
        if not isinstance(data, Mapping):
            raise NoteError("note", "expected an object {pitch, start, duration}")
        pitch = _number(data, "pitch")
        if pitch != int(pitch):
            raise NoteError("pitch", f"must be a whole MIDI number, got {pitch}")
        start = beats_to_ticks(_number(data, "start"))
        duration = max(1, beats_to_ticks(_number(data, "duration")))
        velocity = data.get("velocity", DEFAULT_VELOCITY)
        if isinstance(velocity, bool) or not isinstance(velocity, int):
            raise NoteError("velocity", f"must be a whole number 1..127, got {velocity!r}")
        part = data.get("part", MELODY)
        chord = data.get("chord")
        if chord is not None and not isinstance(chord, str):
            raise NoteError("chord", "must be a chord symbol")
        return cls(int(pitch), start, duration, velocity, part, chord)

    @classmethod
    def from_beats(
        cls, pitch: int, start: float, duration: float, velocity: int = DEFAULT_VELOCITY
    ) -> Note:
        """A note given in beats (a user's or a test's), snapped to the tick grid; a duration
        shorter than a tick lasts one tick."""
        return cls(int(pitch), beats_to_ticks(start), max(1, beats_to_ticks(duration)), velocity)

    def to_storage(self) -> StoredNote:
        """Compact row for JSON columns: [pitch, start ticks, duration ticks, velocity], and
        the part after them when it is not the melody."""
        row: StoredNote = [self.pitch, self.start, self.duration, self.velocity]
        return row if self.part == MELODY else [*row, self.part]

    @classmethod
    def from_storage(cls, row: Iterable[float | str]) -> Note:
        """A stored row: [pitch, start, duration, velocity] in ticks with an optional part, or
        a row of the earlier form [pitch, start beats, duration beats]."""
        values = list(row)
        if len(values) == 3:
            pitch, start, duration = (float(value) for value in values)
            return cls.from_beats(int(pitch), start, duration)
        pitch, start, duration, velocity = (int(value) for value in values[:4])
        part = str(values[4]) if len(values) > 4 else MELODY
        return cls(pitch, start, duration, velocity, part)


def wire_notes(notes: Iterable[Note], first_index: int) -> list[WireNote]:
    """Notes of a stream as they travel, numbered from `first_index` (their place in it)."""
    return [note.to_wire(index) for index, note in enumerate(notes, first_index)]


def storage_rows(notes: Iterable[Note]) -> list[StoredNote]:
    """Notes as a JSON column keeps them."""
    return [note.to_storage() for note in notes]


def beats_to_ticks(beats: float) -> int:
    return round(beats * TICKS_PER_BEAT)


def ticks_to_beats(ticks: int) -> float:
    return ticks / TICKS_PER_BEAT


def _number(data: Mapping[str, Any], field: str) -> float:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise NoteError(field, f"must be a number, got {value!r}")
    return float(value)


def browser_constants() -> dict[str, Any]:
    """What the browser needs to read and build notes exactly as the server does."""
    return {"ticksPerBeat": TICKS_PER_BEAT, "velocity": DEFAULT_VELOCITY, "parts": list(PARTS)}
