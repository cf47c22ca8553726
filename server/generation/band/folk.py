"""The folk band: an acoustic guitar strumming down and up in 4/4 or picking the chord's
strings over its bass note (in 3/4 and compound meters, and now and then in 4/4), a bass
alternating root and fifth, and a tambourine or shaker, or no percussion, for the piece.
"""

from __future__ import annotations

from functools import partial

from server.generation.band.arrangement import Style
from server.generation.band.bass_lines import BassStyle, PatternBass
from server.generation.band.comping import Comping, CompingStyle, Figure
from server.generation.band.drum_kits import SHAKER, TAMBOURINE, DrumKit, Groove, KitStyle
from server.generation.band.feel import BEAT, EIGHTH, Rhythms, backbeats
from server.generation.band.voicing import Hands, triads
from server.generation.notes import BASS, CHORDS, DRUMS

GUITAR_HANDS = Hands(triads, 52, 71, 40, 52)  # a low string under three upper ones
# `D` a down strum, `U` an up strum, `b` the bass string, `u` the strings over it, `1`-`3`
# one upper string picked.
STRUM = Figure(
    GUITAR_HANDS,
    Rhythms({4: ("D-DU-UDU", "D-D-D-D-", "D-DUD-DU", "b-u-b-u-"), 2: ("D-DU",)}, EIGHTH),
)
PICKING = Figure(
    GUITAR_HANDS,
    Rhythms({3: ("b12321",), 6: ("b12321b12321",), 4: ("b1232123",)}, EIGHTH),
    ring=True,
)
GUITAR = CompingStyle(figures=(STRUM, PICKING), velocity=68, vary=0.15, refigure=0.25)

BASS_LINE = BassStyle(
    rhythms=Rhythms({4: ("a-a-", "a.a."), 3: ("a--", "a.."), 2: ("a-",)}, BEAT),
    low=33,
    high=52,
    approach=0.2,
    gap=2,
    velocity=78,
    vary=0.1,
)


def _tambourine(beats_per_bar: int) -> Groove:
    off = backbeats(beats_per_bar)
    return Groove(
        {TAMBOURINE: "".join("x." if beat in off else ".." for beat in range(beats_per_bar))},
        EIGHTH,
    )


NONE = Groove({}, EIGHTH)
PERCUSSION = KitStyle(
    grooves={
        4: (NONE, _tambourine(4), Groove({SHAKER: "XxXxXxXx"}, EIGHTH)),
        3: (NONE, _tambourine(3), Groove({SHAKER: "XxXxXx"}, EIGHTH)),
    },
    fallback=_tambourine,
    regroove=0,
    crash=False,
)

FOLK: Style = {
    BASS: partial(PatternBass, style=BASS_LINE),
    CHORDS: partial(Comping, style=GUITAR),
    DRUMS: partial(DrumKit, style=PERCUSSION),
}
