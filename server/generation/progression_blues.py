"""The chords of a blues (`form_plan.BLUES`): the 12-bar blues in the piece's key, chorus after
chorus, with the variations players bring to it drawn from the seed: the quick change to IV in
bar 2; in jazz the VI7 of bar 8 and the ii-V of bars 9-10, and a I-VI-ii-V turnaround. The last
chorus ends on a V-I cadence instead of turning around.
"""

from __future__ import annotations

import numpy as np

from server.generation.form_plan import CHORUS_BARS
from server.generation.progression import Progression
from server.generation.progression_text import parse_progression

# Bar by bar, the choices for each bar of a chorus as Roman numerals (two chords in one bar split
# it), with the probability of each variation per genre; the first choice is the plain blues.
MAJOR_BARS: tuple[tuple[str, ...], ...] = (
    ("I7",),
    ("I7", "IV7"),
    ("I7",),
    ("I7", "v7 I7"),
    ("IV7",),
    ("IV7",),
    ("I7",),
    ("I7", "VI7"),
    ("V7", "ii7"),
    ("IV7", "V7"),
    ("I7", "I7 VI7"),
    ("V7", "ii7 V7"),
)
MINOR_BARS: tuple[tuple[str, ...], ...] = (
    ("i7",),
    ("i7", "iv7"),
    ("i7",),
    ("i7",),
    ("iv7",),
    ("iv7",),
    ("i7",),
    ("i7",),
    ("bVI7", "iiø7"),
    ("V7",),
    ("i7",),
    ("V7", "iiø7 V7"),
)
# The chance of each bar's variation (its second choice), per genre: jazz players reharmonize,
# rock keeps the plain changes apart from the quick change.
VARIATION = {"jazz": 0.6, "rock": 0.15}
PAIRED = {8: 9}  # a ii in bar 9 goes with the V in bar 10 (bars counted from 0)
# The last chorus ends with a cadence instead of the turnaround: V in the second half of bar 11,
# the tonic through bar 12.
ENDING = {"major": ("I7 V7", "I7"), "minor": ("i7 V7", "i7")}


def blues_progression(
    bars: int, key: str, mode: str, genre: str | None, rng: np.random.Generator
) -> Progression:
    """`bars` bars (whole choruses) of the blues in `key` and `mode`, its variations drawn with
    `rng`."""
    table = MINOR_BARS if mode == "minor" else MAJOR_BARS
    chance = VARIATION.get(genre or "", 0.3)
    numerals: list[str] = []
    for _ in range(bars // CHORUS_BARS):
        chorus = [choices[0] for choices in table]
        for bar, choices in enumerate(table):
            if len(choices) > 1 and rng.random() < chance:
                chorus[bar] = choices[1]
                if bar in PAIRED and len(table[PAIRED[bar]]) > 1:
                    chorus[PAIRED[bar]] = table[PAIRED[bar]][1]
        numerals += chorus
    numerals[-2:] = ENDING[mode]
    return parse_progression(" | ".join(numerals), key=key, mode=mode)
