"""A chord progression: chords laid out on the beat grid of a piece, with its forms on the wire
and in storage. What a musician types is read into one by `progression_text.py`.

Errors are `ProgressionError`s whose message a user in the studio can act on: it names the token,
its place among the chords and its character column.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from server.generation.chord_voicing import chord_pitches
from server.generation.chords import (
    NO_CHORD,
    Chord,
    ChordError,
    parse_harte,
)
from server.generation.notes import TICKS_PER_BEAT, ticks_to_beats

MAX_BARS = 256  # bars once repeats are played
MAX_BEATS_PER_BAR = 16
StoredSpan = list[Any]  # [Harte label, start ticks, duration ticks]
WireSpan = dict[str, Any]


class ProgressionError(ChordError):
    """A progression that cannot be read: the message is a sentence for the user; `token` is the
    text at fault, `position` its 1-based place among the chords and marks (bar lines not
    counted), `column` its 1-based character column in typed text."""

    def __init__(
        self,
        message: str,
        *,
        token: str | None = None,
        position: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.token = token
        self.position = position
        self.column = column


@dataclass(frozen=True, slots=True)
class ChordSpan:
    """A chord sounding from `start` for `duration`, in ticks (TICKS_PER_BEAT a beat)."""

    chord: Chord
    start: int
    duration: int

    @property
    def end(self) -> int:
        return self.start + self.duration

    def to_wire(self) -> WireSpan:
        """As the browser receives it: start and duration in beats, beside the chord's fields,
        and the MIDI `pitches` it sounds with (the chord track's voicing, none for no chord)."""
        wire = self.chord.to_wire()
        return wire | {
            "start": ticks_to_beats(self.start),
            "duration": ticks_to_beats(self.duration),
            "pitches": list(chord_pitches(self.chord)),
        }

    def to_storage(self) -> StoredSpan:
        return [self.chord.harte, self.start, self.duration]


@dataclass(frozen=True)
class Progression:
    """Chords in time order, not overlapping, over `bars` bars of `beats_per_bar` beats; a
    tick no span covers has no chord."""

    spans: tuple[ChordSpan, ...]
    bars: int
    beats_per_bar: int = 4
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_meter(self.beats_per_bar)
        end = 0
        for span in self.spans:
            if span.start < end or span.duration <= 0:
                raise ProgressionError("Chords in a progression follow one another in time.")
            end = span.end
        if not 0 < self.bars <= MAX_BARS or end > self.bars * self.bar_ticks:
            raise ProgressionError(f"A progression has 1 to {MAX_BARS} bars that hold its chords.")
        object.__setattr__(self, "_starts", tuple(span.start for span in self.spans))

    @property
    def bar_ticks(self) -> int:
        return self.beats_per_bar * TICKS_PER_BEAT

    @property
    def total_ticks(self) -> int:
        return self.bars * self.bar_ticks

    def chord_at(self, tick: int) -> Chord:
        """The chord sounding at `tick`. A progression loops, as a typed one does under a
        longer melody: a tick past its end is read from its start again."""
        index = self._span_index(tick)
        if index < 0 or self.spans[index].end <= tick % self.total_ticks:
            return NO_CHORD
        return self.spans[index].chord

    def next_chord_at(self, tick: int) -> Chord:
        """The chord that follows the one sounding at `tick` (looping): what comes next."""
        if not self.spans:
            return NO_CHORD
        index = bisect.bisect_right(self._starts, tick % self.total_ticks)
        return self.spans[index % len(self.spans)].chord

    @property
    def starts(self) -> tuple[int, ...]:
        """Each span's start tick, ascending."""
        return self._starts

    def per_beat(self) -> list[Chord]:
        """The chord at the start of every beat, bars * beats_per_bar of them."""
        return [
            self.chord_at(beat * TICKS_PER_BEAT) for beat in range(self.bars * self.beats_per_bar)
        ]

    def changes(self) -> list[ChordSpan]:
        """The spans where the chord changes (a chord written again goes on sounding)."""
        kept: list[ChordSpan] = []
        for span in self.spans:
            if not kept or kept[-1].chord != span.chord or kept[-1].end != span.start:
                kept.append(span)
        return kept

    def transposed(self, semitones: int) -> Progression:
        spans = tuple(replace(span, chord=span.chord.transposed(semitones)) for span in self.spans)
        return replace(self, spans=spans)

    def looped_to(self, bars: int) -> Progression:
        """The progression played over and over for `bars` bars, the last time cut short."""
        return self.window(0, bars)

    def window(self, first_bar: int, bars: int) -> Progression:
        """`bars` bars of the progression played over and over, from its bar `first_bar` on
        (counted through the repeats, so any bar of a long piece): a piece's chords under a
        passage that starts there."""
        if not 0 < bars <= MAX_BARS or first_bar < 0:
            raise ProgressionError(f"A progression has 1 to {MAX_BARS} bars.")
        begin = (first_bar % self.bars) * self.bar_ticks
        end = begin + bars * self.bar_ticks
        spans: list[ChordSpan] = []
        for offset in range(0, end, self.total_ticks):
            for span in self.spans:
                start, stop = max(span.start + offset, begin), min(span.end + offset, end)
                if start < stop:
                    spans.append(replace(span, start=start - begin, duration=stop - start))
        return replace(self, spans=tuple(spans), bars=bars)

    def to_wire(self) -> list[WireSpan]:
        """Each chord as `{symbol, start, duration, root, quality, bass, pitches}`, times in
        beats."""
        return [span.to_wire() for span in self.spans]

    def to_storage(self) -> list[StoredSpan]:
        """Compact rows for a JSON column: [Harte label, start ticks, duration ticks]."""
        return [span.to_storage() for span in self.spans]

    @classmethod
    def from_storage(cls, rows: Iterable[Sequence[Any]], *, beats_per_bar: int = 4) -> Progression:
        """Stored rows back; the progression lasts to the end of the bar its last chord ends in."""
        spans = []
        for row in rows:
            if not _stored_row(row):
                raise ProgressionError(f"A stored chord is [label, start, duration], got {row!r}.")
            try:
                chord = parse_harte(row[0])
            except ChordError as error:
                raise ProgressionError(f"A stored chord is not one: {error}.") from None
            spans.append(ChordSpan(chord, int(row[1]), int(row[2])))
        if not spans:
            raise ProgressionError(EMPTY_PROGRESSION)
        bar_ticks = beats_per_bar * TICKS_PER_BEAT
        return cls(tuple(spans), math.ceil(spans[-1].end / bar_ticks), beats_per_bar)

    def _span_index(self, tick: int) -> int:
        if tick < 0:
            raise ValueError(f"a tick in a piece is not negative, got {tick}")
        return bisect.bisect_right(self._starts, tick % self.total_ticks) - 1


EMPTY_PROGRESSION = (
    'The progression is empty: type chords such as "C Am F G", '
    'or Roman numerals such as "I V vi IV" with a key.'
)


def check_meter(beats_per_bar: int) -> None:
    if not 1 <= beats_per_bar <= MAX_BEATS_PER_BAR:
        raise ProgressionError(f"A bar has 1 to {MAX_BEATS_PER_BAR} beats, not {beats_per_bar}.")


def _stored_row(row: object) -> bool:
    """Whether `row` has the shape of a stored chord: [label, start ticks, duration ticks]."""
    if not isinstance(row, list | tuple) or len(row) != 3 or not isinstance(row[0], str):
        return False
    return all(isinstance(v, int) and not isinstance(v, bool) for v in row[1:])
