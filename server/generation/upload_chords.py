"""The chords of an upload, under the melody a conversion keeps: recognized (chord_recognizer.py)
from every pitched part when the file has an accompaniment, from the melody alone otherwise, one
chord a beat from the bar line at or before the melody's first note (where a converted song's
MIDI file starts), as `SourceChords`, kept with the upload's analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.generation.chord_recognizer import ARRANGEMENT, MELODY_ONLY, merge_beats, recognize
from server.generation.melody import Melody
from server.generation.midi_io import notes_to_grid
from server.generation.midi_parts import MidiPart
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import ChordSpan, Progression
from server.generation.voices import upper_voice

CHORD_BAR_TICKS = 4 * TICKS_PER_BEAT  # chords are kept under melodies in 4/4 (the stream's bar)
# An accompaniment: at least this many notes beside the melody's, and a quarter as many.
MIN_ACCOMPANIMENT_NOTES = 8
NO_PITCHED_CHORDS = "No chords were recognized under the melody."
OTHER_METER = "Chords are kept for songs in 4/4; this one is converted without them."


@dataclass(frozen=True)
class SourceChords:
    """`progression` (None when there are no chords to keep, `note` then says why), in the
    upload's key, tick 0 at the bar line at or before the melody's first note (`origin`, in the
    file's beats times TICKS_PER_BEAT); `read_from` says which notes it was recognized from:
    "arrangement" or "melody"."""

    progression: Progression | None
    read_from: str | None = None
    note: str | None = None
    origin: int = 0

    def to_json(self) -> dict[str, Any]:
        rows = None if self.progression is None else self.progression.to_storage()
        fields = {"read_from": self.read_from, "note": self.note, "origin": self.origin}
        return {"progression": rows} | fields

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceChords:
        rows = data.get("progression")
        progression = Progression.from_storage(rows) if rows else None
        return cls(progression, data.get("read_from"), data.get("note"), data.get("origin", 0))


def source_chords(
    melody: Melody, part: MidiPart, parts: list[MidiPart], ticks_per_beat: int
) -> SourceChords:
    """The chords under `melody`, the upper voice of `part`, among the file's pitched `parts`."""
    if melody.bar_ticks != CHORD_BAR_TICKS:
        return SourceChords(None, note=OTHER_METER)
    scale = TICKS_PER_BEAT / ticks_per_beat
    line = upper_voice(part.notes, ticks_per_beat)
    # Where the melody's grid puts its first note, and how far the grid moved it (a performed
    # file is shifted by its phase): every part moves with it.
    first = min(start for start, _, _ in notes_to_grid(line, ticks_per_beat))
    moved = first - min(start for start, _, _ in line) * scale
    origin = first - (CHORD_BAR_TICKS - melody.pickup_ticks) % CHORD_BAR_TICKS
    bars = -(-(first - origin + melody.total_ticks) // CHORD_BAR_TICKS)
    beats = bars * CHORD_BAR_TICKS // TICKS_PER_BEAT
    others = sum(len(each.notes) for each in parts) - len(line)
    if others >= max(MIN_ACCOMPANIMENT_NOTES, melody.note_count // 4):
        notes = [note for each in parts for note in each.notes]
        spans = _clipped(notes, scale, moved - origin, beats * TICKS_PER_BEAT)
        chords = recognize(spans, mode=ARRANGEMENT, bar_ticks=CHORD_BAR_TICKS, beats=beats)
        read_from = ARRANGEMENT
    else:
        lead = first - origin
        spans = [(n.start + lead, n.end + lead, n.pitch) for n in melody.notes()]
        key = (melody.tonic, melody.mode)
        chords = recognize(spans, mode=MELODY_ONLY, bar_ticks=CHORD_BAR_TICKS, beats=beats, key=key)
        read_from = MELODY_ONLY
    kept = tuple(
        ChordSpan(chord, start, end - start)
        for start, end, chord in merge_beats(chords)
        if chord.is_chord
    )
    if not kept:
        return SourceChords(None, read_from, NO_PITCHED_CHORDS, origin)
    return SourceChords(Progression(kept, bars), read_from, origin=origin)


def _clipped(
    notes: list[tuple[int, int, int]], scale: float, offset: float, end: int
) -> list[tuple[int, int, int]]:
    """Notes in source ticks on the 12-tick grid, moved by `offset`, cut to [0, end)."""
    spans = []
    for start, stop, pitch in notes:
        begin = min(max(round(start * scale + offset), 0), end)
        finish = min(max(round(stop * scale + offset), begin + 1), end)
        if finish > begin:
            spans.append((begin, finish, pitch))
    return spans
