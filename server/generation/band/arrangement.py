"""The band under a piece: bass, chords (comping) and drums, written bar by bar ahead of the
playhead like the melody, over the piece's chords, in its genre's style.

A `Band` belongs to one piece. It asks each of its genre's part writers (`styles.py`) for one
bar at a time, in order, so a writer can lead its voices from the bar before and play a fill
where a section ends. Everything it plays comes from the piece's seed: the same seed, chords,
tempo and form give the same band.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from server.generation.chords import NO_CHORD, Chord
from server.generation.form_plan import FormPlan
from server.generation.notes import BAND_PARTS, TICKS_PER_BEAT, Note
from server.generation.progression import ChordSpan, Progression

# Seeds the band's generator apart from the melody's, which draws from the same piece seed.
_BAND_STREAM = 0xBA4D


@dataclass(frozen=True)
class BarContext:
    """What a part writer knows when it writes one bar, in ticks (TICKS_PER_BEAT a beat).

    `spans` are the chords sounding in this bar, clipped to it, with starts relative to the bar
    line (tick 0 is the bar's first beat); `next_chord` is the first chord of the next bar (no
    chord after the last bar), for approach notes and turnarounds."""

    index: int  # bar number from 0
    bars: int  # bars in the piece
    beats_per_bar: int
    tempo: float  # quarter notes per minute (swing and fills may read it)
    spans: tuple[ChordSpan, ...]
    next_chord: Chord
    section_end: bool  # the last bar of a section of the form (or of the piece): a fill goes here
    tonic: int  # pitch class of the piece's key
    mode: str  # "major" or "minor"

    @property
    def bar_ticks(self) -> int:
        return self.beats_per_bar * TICKS_PER_BEAT

    @property
    def last(self) -> bool:
        return self.index == self.bars - 1

    def chord_at(self, tick: int) -> Chord:
        """The chord sounding `tick` ticks into the bar (no chord where none is)."""
        for span in self.spans:
            if span.start <= tick < span.end:
                return span.chord
        return NO_CHORD


class PartWriter(Protocol):
    """Writes one part of the band, bar after bar in order (it may keep what it played last)."""

    def bar(self, context: BarContext) -> list[Note]:
        """The part's notes in this bar: starts relative to the bar line (0..bar_ticks), any
        duration, its own `part` set on each note."""
        ...


# A style: for each part the band plays in a genre, a factory of its writer given the band's
# random generator (one generator per band, drawn from in bar order, so the band is seeded).
Style = dict[str, Callable[[np.random.Generator], PartWriter]]


class Band:
    """The band of one piece over `chords` (in the piece's key and meter), in `style`; see the
    module doc. `notes_until(tick)` writes whole bars as far as `tick` reaches and returns the
    notes not returned before, in start order."""

    def __init__(
        self,
        style: Style,
        chords: Progression,
        *,
        bars: int,
        seed: int,
        tempo: float,
        tonic: int,
        mode: str,
        form: FormPlan | None = None,
        parts: Sequence[str] = BAND_PARTS,
    ) -> None:
        self.chords = chords.looped_to(bars) if chords.bars != bars else chords
        self.bars = bars
        self.tempo, self.tonic, self.mode = tempo, tonic, mode
        self.form = form
        rng = np.random.default_rng([seed, _BAND_STREAM])
        self.writers = {part: style[part](rng) for part in parts if part in style}
        self.written_bars = 0
        # The last bar written, held back until the bar after it is written: a note ringing over
        # the bar line is cut where the next bar strikes its pitch again (one key, one string).
        self._held: list[Note] = []

    def change_chords(self, chords: Progression) -> None:
        """Play `chords` (as long as the piece) from the bar not yet returned on: the room's
        chords as they are decided, or a key change's. The held bar, written over the chords
        before, is written again over these."""
        self.chords = chords
        if self._held:
            self._held = []
            self.written_bars -= 1

    @property
    def bar_ticks(self) -> int:
        return self.chords.bar_ticks

    @property
    def done(self) -> bool:
        return self.written_bars >= self.bars

    def notes_until(self, tick: int) -> list[Note]:
        """The notes not returned before of every bar that starts before `tick` (the bar after
        them is written too, and held)."""
        notes: list[Note] = []
        while not self.done and (self.written_bars - 1) * self.bar_ticks < tick:
            fresh = self._write_bar(self.written_bars)
            self.written_bars += 1
            notes += _cut_restrikes(self._held, fresh)
            self._held = fresh
        if self.done and self._held and (self.written_bars - 1) * self.bar_ticks < tick:
            notes += _cut_restrikes(self._held, [])
            self._held = []
        notes.sort(key=lambda note: (note.start, note.pitch))
        return notes

    def rest(self) -> list[Note]:
        """The notes of every bar not yet written."""
        return self.notes_until(self.bars * self.bar_ticks)

    def _write_bar(self, index: int) -> list[Note]:
        context = self._context(index)
        begin, end = index * self.bar_ticks, self.bars * self.bar_ticks
        notes: list[Note] = []
        for writer in self.writers.values():
            for note in writer.bar(context):
                start = begin + note.start
                if start < end:  # a note never outlasts the piece
                    duration = min(note.duration, end - start)
                    # Built directly: `dataclasses.replace` costs twice as much, on the live path.
                    notes.append(
                        Note(note.pitch, start, duration, note.velocity, note.part, note.chord)
                    )
        return notes

    def _context(self, index: int) -> BarContext:
        bar_ticks = self.bar_ticks
        begin, end = index * bar_ticks, (index + 1) * bar_ticks
        spans = []
        # Only the spans from the one sounding at the bar line on: a bar costs the same in a
        # long piece as in a short one.
        first = max(0, bisect.bisect_right(self.chords.starts, begin) - 1)
        for span in self.chords.spans[first:]:
            if span.start >= end:
                break
            if span.end > begin:
                start = max(span.start, begin)
                spans.append(ChordSpan(span.chord, start - begin, min(span.end, end) - start))
        next_chord = self.chords.chord_at(end) if index + 1 < self.bars else NO_CHORD
        return BarContext(
            index=index,
            bars=self.bars,
            beats_per_bar=self.chords.beats_per_bar,
            tempo=self.tempo,
            spans=tuple(spans),
            next_chord=next_chord,
            section_end=self._section_end(index),
            tonic=self.tonic,
            mode=self.mode,
        )

    def _section_end(self, index: int) -> bool:
        if index == self.bars - 1:
            return True
        if self.form is None or self.form.bars != self.bars:
            return (index + 1) % 4 == 0  # four-bar phrases when no form says otherwise
        sections = self.form.sections
        return sections[index] != sections[index + 1]


def _cut_restrikes(notes: list[Note], later: list[Note]) -> list[Note]:
    """`notes`, each cut where a later note of its part (in `notes` or `later`) strikes its
    pitch again, and dropped where that note starts with it: a MIDI file cannot hold one pitch
    of one track sounding twice at once."""
    next_strike: dict[tuple[str, int], int] = {}
    for note in later:
        key = (note.part, note.pitch)
        next_strike[key] = min(next_strike.get(key, note.start), note.start)
    kept: list[Note] = []
    for note in sorted(notes, key=lambda note: note.start, reverse=True):
        key = (note.part, note.pitch)
        strike = next_strike.get(key)
        next_strike[key] = note.start
        if strike is None or strike >= note.end:
            kept.append(note)
        elif strike > note.start:
            kept.append(
                Note(
                    note.pitch,
                    note.start,
                    strike - note.start,
                    note.velocity,
                    note.part,
                    note.chord,
                )
            )
    return kept
