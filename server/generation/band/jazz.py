"""The jazz trio: a walking bass, rootless shell voicings comped in swing (the Charleston,
offbeat stabs, anticipations of the next bar), and the ride cymbal's ding, ding-da-ding with
the hi-hat foot on 2 and 4. Swung eighths sit on the triplet grid: 8 + 4 ticks.
"""

from __future__ import annotations

from functools import partial

from server.generation.band.arrangement import Style
from server.generation.band.comping import Comping, CompingStyle, Figure
from server.generation.band.drum_kits import (
    KICK,
    PEDAL_HAT,
    RIDE,
    SNARE,
    DrumKit,
    Groove,
    KitStyle,
)
from server.generation.band.feel import SWUNG, TRIPLET, Rhythms, backbeats
from server.generation.band.voicing import Hands, shells
from server.generation.band.walking_bass import WalkingBass
from server.generation.notes import BASS, CHORDS, DRUMS

# Comping rhythms on the triplet grid, a beat a group of three: `x..` on the beat, `..x` on
# its swung offbeat; `>` strikes the next bar's chord early.
COMPING = CompingStyle(
    figures=(
        Figure(
            Hands(shells, 50, 74),
            rhythms=Rhythms(
                {
                    4: (
                        "x-. ..x --. ...",  # the Charleston: 1 and the "and" of 2
                        "..x --. x-- ...",  # the "and" of 1, then 3
                        "... x-. ... x-.",  # 2 and 4
                        "x-- ... ... ..>",  # 1, and the next chord on the "and" of 4
                        "... ..x --. ..>",  # the "and" of 2, and of 4 into the next bar
                        "..x ... ..x ...",  # the "and" of 1 and of 3
                        "x-- --- --- ...",  # a long one
                    ),
                    3: (
                        "x-. ..x --.",  # 1 and the "and" of 2
                        "... x-. x-.",  # 2 and 3
                        "..x --. ..>",  # the "and" of 1, and of 3 into the next bar
                        "x-- --- ...",
                    ),
                },
                TRIPLET,
            ),
        ),
    ),
    velocity=56,
    vary=0.6,
    refigure=0,
    offbeat_accent=6,
)

_CHATTER = ((SNARE, (SWUNG, 12 + SWUNG, 24 + SWUNG, 36 + SWUNG), 0.12), (KICK, (44,), 0.06))


def _swing(beats_per_bar: int) -> Groove:
    """The ride on every beat, louder on the backbeats, and the hi-hat foot on them."""
    off = backbeats(beats_per_bar)
    ride = "".join("X.." if beat in off else "x.." for beat in range(beats_per_bar))
    foot = "".join("x.." if beat in off else "..." for beat in range(beats_per_bar))
    return Groove({RIDE: ride, PEDAL_HAT: foot}, TRIPLET)


KIT = KitStyle(
    grooves={
        4: (
            Groove(
                {RIDE: "x.. X.x x.. X.x", PEDAL_HAT: "... x.. ... x..", KICK: "g.. g.. g.. g.."},
                TRIPLET,
                chatter=_CHATTER,
            ),
            Groove(
                {RIDE: "x.. X.x x.. X.x", PEDAL_HAT: "... x.. ... x.."}, TRIPLET, chatter=_CHATTER
            ),
            Groove(
                {RIDE: "x.x X.x x.. X.x", PEDAL_HAT: "... x.. ... x.."}, TRIPLET, chatter=_CHATTER
            ),
        ),
        3: (
            Groove(
                {RIDE: "x.. X.x x..", PEDAL_HAT: "... x.. x.."},
                TRIPLET,
                chatter=((SNARE, (SWUNG, 24 + SWUNG), 0.12),),
            ),
        ),
    },
    fallback=_swing,
    fills=("sss", "s.S", "..S", "sss hhf", "s.s s.S", "..s sS.", "hhm mff"),
    fill_step=TRIPLET,
    regroove=0.3,
)

JAZZ: Style = {
    BASS: WalkingBass,
    CHORDS: partial(Comping, style=COMPING),
    DRUMS: partial(DrumKit, style=KIT),
}
