"""Notes as tests write them, (pitch, start beats, duration beats), turned into the product's
`Note` once, at the test's edge."""

from __future__ import annotations

from collections.abc import Iterable

from server.generation.notes import Note

BeatNote = tuple[int, float, float]  # (pitch, start beats, duration beats)


def beat_notes(notes: Iterable[BeatNote]) -> list[Note]:
    return [Note.from_beats(pitch, start, duration) for pitch, start, duration in notes]
