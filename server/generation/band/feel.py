"""How the band keeps time and touch: the meter's strong beats and backbeats, rhythms written
on a grid as a drummer would (`"x.x.x.x."`), where sections start, and velocities humanized
from the band's seed. Every part writer of a style is a `Player`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np

from server.generation.band.arrangement import BarContext
from server.generation.chords import NO_CHORD, Chord
from server.generation.notes import TICKS_PER_BEAT, Note

BEAT = TICKS_PER_BEAT
EIGHTH = BEAT // 2
SIXTEENTH = BEAT // 4
TRIPLET = BEAT // 3  # an eighth triplet: swung eighths are 2 + 1 of them (8 + 4 ticks)
SWUNG = 2 * TRIPLET  # where a swung offbeat falls after its beat
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hit:
    """One stroke of a rhythm: `tick` from the bar line, `length` in ticks, and `play`, the
    symbol the rhythm was written with (what to play: a drum's accent, a bass line's chord
    degree, a comping voice), read by the writer that owns the rhythm."""

    tick: int
    length: int
    play: str


Rhythm = tuple[Hit, ...]


def grid(text: str, step: int) -> Rhythm:
    """A rhythm written one character a `step` ticks: a symbol strikes, `-` holds the stroke
    before one step longer, `.` is silence; spaces only group the steps for the eye.
    `grid("x-.x ....", EIGHTH)` strikes on beat 1 for a quarter and on the "and" of 2."""
    hits: list[Hit] = []
    tick = 0
    for char in text.replace(" ", ""):
        if char == "-":
            if not hits:
                raise ValueError(f"a rhythm cannot begin with a hold: {text!r}")
            last = hits[-1]
            hits[-1] = Hit(last.tick, last.length + step, last.play)
        elif char != ".":
            hits.append(Hit(tick, step, char))
        tick += step
    return tuple(hits)


def rhythm_ticks(text: str, step: int) -> int:
    """How long a rhythm written with `grid` lasts, in ticks."""
    return len(text.replace(" ", "")) * step


class Rhythms:
    """A part's rhythms per beats in the bar, written with `grid` on `step`, each checked to fill
    its bar; a meter none is written for gets a stroke on each strong beat (`pulse`)."""

    def __init__(self, written: dict[int, tuple[str, ...]], step: int) -> None:
        self.step = step
        self._parsed: dict[int, tuple[Rhythm, ...]] = {}
        for beats, texts in written.items():
            for text in texts:
                if rhythm_ticks(text, step) != beats * BEAT:
                    raise ValueError(f"rhythm {text!r} does not fill a bar of {beats} beats")
            self._parsed[beats] = tuple(grid(text, step) for text in texts)
        self._written = frozenset(written)

    def __contains__(self, beats_per_bar: object) -> bool:
        return beats_per_bar in self._written

    def for_meter(self, beats_per_bar: int, symbol: str) -> tuple[Rhythm, ...]:
        """The rhythms of a bar of `beats_per_bar` beats (`symbol` struck where none is written)."""
        if beats_per_bar not in self._parsed:
            self._parsed[beats_per_bar] = (grid(pulse(beats_per_bar, symbol), BEAT),)
        return self._parsed[beats_per_bar]


@lru_cache(maxsize=32)
def group_starts(beats_per_bar: int) -> tuple[int, ...]:
    """The beats (from 0) that begin a group of the meter, the strong beats: 4/4 -> 1 and 3,
    3/4 -> 1; other meters group in twos, or threes when they divide so, else twos ending in a
    three (5/4 = 2 + 3)."""
    if beats_per_bar <= 3:
        return (0,)
    if beats_per_bar % 2 == 0:
        return tuple(range(0, beats_per_bar, 2))
    if beats_per_bar % 3 == 0:
        return tuple(range(0, beats_per_bar, 3))
    return (*range(0, beats_per_bar - 3, 2), beats_per_bar - 3)


@lru_cache(maxsize=32)
def backbeats(beats_per_bar: int) -> tuple[int, ...]:
    """The beats (from 0) between the strong ones, where the snare and the hi-hat foot go:
    2 and 4 in 4/4, 2 and 3 in 3/4."""
    strong = group_starts(beats_per_bar)
    return tuple(beat for beat in range(beats_per_bar) if beat not in strong)


class Player:
    """A part writer's common ground: its own random stream drawn from the band's generator
    (so each part is seeded and the cost of a draw is small), whether the bar begins a section
    (the bar after a section end, and the first), and humanized velocities.

    A subclass writes `play(context, section_start)`; the band calls `bar(context)` once a bar,
    in order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.random = random.Random(int(rng.integers(1 << 62)))
        self._section_over = True  # the first bar starts the first section

    def bar(self, context: BarContext) -> list[Note]:
        section_start = self._section_over
        self._section_over = context.section_end
        return self.play(context, section_start)

    def play(self, context: BarContext, section_start: bool) -> list[Note]:
        raise NotImplementedError

    def velocity(self, base: int, spread: int = 4) -> int:
        """`base` give or take `spread`, as a player's hand never strikes twice alike."""
        return max(1, min(127, base + int(self.random.random() * (2 * spread + 1)) - spread))

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.random.random() * len(options))]


def among(item: object, options: Sequence[object]) -> bool:
    """Whether `item` is one of `options` itself (cheaper than comparing rhythms by value)."""
    return any(option is item for option in options)


def over_chords(
    context: BarContext, rhythm: Rhythm, symbol: str, anticipated: bool = False
) -> list[tuple[Hit, Chord, int]]:
    """The strokes of `rhythm` in start order, each with the chord it falls under (no chord
    where none sounds) and the tick where that chord stops in the bar. A chord the rhythm would
    skip, or reach a beat or more late, gets a stroke of `symbol` where it begins;
    `anticipated` (the bar before struck this bar's first chord early) leaves the first beat
    unstruck."""
    hits = [hit for hit in rhythm if not (anticipated and hit.tick == 0)]
    spans = context.spans
    for span in spans:
        if not span.chord.is_chord or (anticipated and span.start == 0):
            continue
        if not any(span.start <= hit.tick < span.start + BEAT for hit in rhythm):
            hits.append(Hit(span.start, BEAT, symbol))
            hits.sort(key=lambda hit: hit.tick)
    placed = []
    index = 0
    for hit in hits:
        while index < len(spans) and spans[index].end <= hit.tick:
            index += 1
        if index < len(spans) and spans[index].start <= hit.tick:
            placed.append((hit, spans[index].chord, spans[index].end))
        else:  # between chords: silence until the next one begins
            end = spans[index].start if index < len(spans) else context.bar_ticks
            placed.append((hit, NO_CHORD, end))
    return placed


def pulse(beats_per_bar: int, symbol: str) -> str:
    """A rhythm for a meter no style writes: a stroke on each strong beat held to the next,
    on a grid of beats."""
    strong = group_starts(beats_per_bar)
    return "".join(symbol if beat in strong else "-" for beat in range(beats_per_bar))


def accent(tick: int, beats_per_bar: int) -> int:
    """How much louder a stroke at `tick` is played: the bar's first beat most, then the strong
    beats, then the other beats; offbeats not at all."""
    if tick % BEAT:
        return 0
    if tick == 0:
        return 8
    return 5 if tick // BEAT in group_starts(beats_per_bar) else 2
