"""The band's drums: General MIDI drum notes (channel 10), grooves written one line a drum
(`X` accented, `x` played, `g` a ghost stroke), a crash where a section starts, a fill where
one ends and a crash held over the last bar. The genres' grooves and fills live in their own
modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from server.generation.band.arrangement import BarContext
from server.generation.band.feel import (
    BEAT,
    EIGHTH,
    Player,
    among,
    grid,
    group_starts,
    rhythm_ticks,
)
from server.generation.notes import DRUMS, Note

# The General MIDI drum notes the band plays.
KICK = 36
SIDE_STICK = 37
SNARE = 38
LOW_TOM = 45
PEDAL_HAT = 44
CLOSED_HAT = 42
OPEN_HAT = 46
LOW_MID_TOM = 47
HIGH_MID_TOM = 48
CRASH = 49
HIGH_TOM = 50
RIDE = 51
RIDE_BELL = 53
TAMBOURINE = 54
MARACAS = 70
SHAKER = 82
TOMS = (HIGH_TOM, HIGH_MID_TOM, LOW_MID_TOM, LOW_TOM)
CYMBALS = (CLOSED_HAT, OPEN_HAT, RIDE, RIDE_BELL, CRASH)

# How hard each drum is struck, before accents.
VELOCITY = {
    KICK: 96,
    SIDE_STICK: 78,
    SNARE: 94,
    CLOSED_HAT: 70,
    PEDAL_HAT: 60,
    OPEN_HAT: 76,
    CRASH: 104,
    RIDE: 72,
    RIDE_BELL: 80,
    TAMBOURINE: 64,
    MARACAS: 56,
    SHAKER: 54,
    **{tom: 92 for tom in TOMS},
}
LOUDER = {"X": 14, "x": 0, "g": -48}
# The drums of a fill, by the letter a fill is written with (upper case accented).
FILL_DRUMS = {"s": SNARE, "h": HIGH_TOM, "m": HIGH_MID_TOM, "l": LOW_MID_TOM, "f": LOW_TOM}
STROKE = 3  # ticks a drum note lasts (a drum has no length; a crash rings longer)


@dataclass(frozen=True)
class Groove:
    """A bar's beat: one rhythm per drum on `step`, the `tempo` bounds it is played within,
    and chatter: (drum, ticks, chance) ghost strokes a drummer adds now and then."""

    lines: dict[int, str]
    step: int
    tempo: tuple[float, float] = (0, 1000)
    chatter: tuple[tuple[int, tuple[int, ...], float], ...] = ()
    _strokes: list[tuple[int, int, str]] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        for drum, text in self.lines.items():
            self._strokes.extend((hit.tick, drum, hit.play) for hit in grid(text, self.step))
        self._strokes.sort()

    @property
    def drums(self) -> tuple[int, ...]:
        return tuple(self.lines)

    def strokes(self) -> list[tuple[int, int, str]]:
        """(tick, drum, symbol) of every stroke in order, a list of the bar's own."""
        return list(self._strokes)


@dataclass(frozen=True)
class KitStyle:
    """A genre's drummer: grooves per beats in the bar (`fallback` writes one for any other
    meter), the chance `regroove` of a new groove at a section start, fills written with
    FILL_DRUMS letters on `fill_step` (one of those that leave the bar's first beat is played
    at the end of a section), and whether a crash marks each section start."""

    grooves: dict[int, tuple[Groove, ...]]
    fallback: Callable[[int], Groove]
    fills: tuple[str, ...] = ()
    fill_step: int = 3
    regroove: float = 0.5
    crash: bool = True
    _fallbacks: dict[int, tuple[Groove, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for beats, grooves in self.grooves.items():
            for groove in grooves:
                for text in groove.lines.values():
                    if rhythm_ticks(text, groove.step) != beats * BEAT:
                        raise ValueError(f"groove {text!r} does not fill a bar of {beats} beats")

    def grooves_for(self, beats_per_bar: int, tempo: float) -> tuple[Groove, ...]:
        grooves = self.grooves.get(beats_per_bar) or self._fallbacks.get(beats_per_bar)
        if grooves is None:
            grooves = self._fallbacks[beats_per_bar] = (self.fallback(beats_per_bar),)
        playable = tuple(g for g in grooves if g.tempo[0] <= tempo < g.tempo[1])
        return playable or grooves[:1]


class DrumKit(Player):
    """Plays a `KitStyle`: a groove per section, crashes, fills, and the final crash."""

    def __init__(self, rng: np.random.Generator, style: KitStyle) -> None:
        super().__init__(rng)
        self.style = style
        self.groove: Groove | None = None

    def play(self, context: BarContext, section_start: bool) -> list[Note]:
        style = self.style
        grooves = style.grooves_for(context.beats_per_bar, context.tempo)
        if not among(self.groove, grooves) or (section_start and self.chance(style.regroove)):
            self.groove = self.pick(grooves)
        assert self.groove is not None
        if not self.groove.lines:
            return []
        if context.last:
            return self._ending(context)
        strokes = self.groove.strokes()  # in order, each drum once a tick
        played = len(strokes)
        for drum, ticks, chance in self.groove.chatter:
            strokes += [(tick, drum, "g") for tick in ticks if self.chance(chance)]
        if section_start and style.crash:
            strokes = [s for s in strokes if s[0] != 0 or s[1] not in CYMBALS]
            strokes += [(0, CRASH, "x"), (0, KICK, "X")]
        if context.section_end and style.fills:
            strokes = self._fill(context, strokes)
        if len(strokes) != played or section_start or context.section_end:
            strokes = _loudest_of_each(strokes)
        notes = []
        for tick, drum, symbol in strokes:
            velocity = self.velocity(VELOCITY[drum] + LOUDER[symbol], 5)
            length = min(2 * BEAT, context.bar_ticks - tick) if drum == CRASH else STROKE
            notes.append(Note(drum, tick, length, velocity, DRUMS))
        return notes

    def _fill(
        self, context: BarContext, strokes: list[tuple[int, int, str]]
    ) -> list[tuple[int, int, str]]:
        """The bar's end given to a fill (the hi-hat foot keeps time under it)."""
        step = self.style.fill_step
        fits = [f for f in self.style.fills if rhythm_ticks(f, step) <= context.bar_ticks - BEAT]
        if not fits:
            return strokes
        fill = self.pick(fits)
        start = context.bar_ticks - rhythm_ticks(fill, step)
        kept = [s for s in strokes if s[0] < start or s[1] == PEDAL_HAT]
        for hit in grid(fill, step):
            kept.append((start + hit.tick, FILL_DRUMS[hit.play.lower()], _fill_accent(hit.play)))
        return [*kept, (start, KICK, "x")]

    def _ending(self, context: BarContext) -> list[Note]:
        """The last bar: a crash and the kick together, left to ring."""
        assert self.groove is not None
        drums = (CRASH, KICK) if self.style.crash else self.groove.drums[:1]
        return [
            Note(drum, 0, context.bar_ticks if drum == CRASH else STROKE, VELOCITY[drum], DRUMS)
            for drum in drums
        ]


def _loudest_of_each(strokes: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A drum struck twice at a tick (a groove's stroke and a fill's) sounds once, the louder."""
    loudest: dict[tuple[int, int], str] = {}
    for tick, drum, symbol in strokes:
        if (tick, drum) not in loudest or LOUDER[symbol] > LOUDER[loudest[tick, drum]]:
            loudest[tick, drum] = symbol
    return [(tick, drum, symbol) for (tick, drum), symbol in sorted(loudest.items())]


def _fill_accent(symbol: str) -> str:
    return "X" if symbol.isupper() else "x"


def backbeat(beats_per_bar: int) -> Groove:
    """A rock or pop beat for any meter: hi-hat eighths, the kick on the strong beats and the
    snare on the others."""
    strong = group_starts(beats_per_bar)
    return Groove(
        {
            CLOSED_HAT: "Xx" * beats_per_bar,
            KICK: "".join("x." if beat in strong else ".." for beat in range(beats_per_bar)),
            SNARE: "".join(".." if beat in strong else "X." for beat in range(beats_per_bar)),
        },
        EIGHTH,
    )
