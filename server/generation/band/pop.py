"""The pop band: a bass on roots and fifths in syncopated patterns, a backbeat kit (kick
variations, snare on 2 and 4, hi-hats in eighths, or sixteenths under 130 beats a minute,
crashes and fills at the sections' edges), and a rule-based piano: a left-hand root under
right-hand triads led from chord to chord. The piano learned from POP909 takes the piano's
place where its checkpoint is shipped (`styles.STYLES["pop"][CHORDS]`).
"""

from __future__ import annotations

from functools import partial

from server.generation.band.arrangement import Style
from server.generation.band.bass_lines import BassStyle, PatternBass
from server.generation.band.comping import Comping, CompingStyle, Figure
from server.generation.band.drum_kits import (
    CLOSED_HAT,
    KICK,
    SNARE,
    DrumKit,
    Groove,
    KitStyle,
    backbeat,
)
from server.generation.band.feel import EIGHTH, SIXTEENTH, Rhythms
from server.generation.band.voicing import Hands, close
from server.generation.notes import BASS, CHORDS, DRUMS

BASS_LINE = BassStyle(
    rhythms=Rhythms(
        {
            4: (
                "R-----R.5---R---",
                "R-----R-R-----5-",
                "R-R-5-R-R-R-8-5-",
                "R--R--R-5--5--R-",
                "R-------5-------",
            ),
            3: ("R-------5---", "R---5---R---", "R-----R.5---"),
        },
        SIXTEENTH,
    ),
    low=31,
    high=50,
    approach=0.35,
    gap=1,
    velocity=86,
)

# `x` both hands, `u` the right hand alone.
PIANO = CompingStyle(
    figures=(
        Figure(
            Hands(close, 55, 76, 41, 53),
            rhythms=Rhythms(
                {
                    4: ("x-u-u-u-", "x--u--u-", "x.u.u.uu", "x---u---", "x-u-.uu-"),
                    3: ("x-u-u-", "x-----", "x--u--"),
                },
                EIGHTH,
            ),
        ),
    ),
    velocity=64,
    vary=0.2,
    refigure=0,
)

_HATS = "XxxxXxxxXxxxXxxx"  # sixteenths, under 130 beats a minute
_EIGHTHS = "X.x.X.x.X.x.X.x."
_BEAT = "....X.......X..."
KIT = KitStyle(
    grooves={
        4: (
            Groove({CLOSED_HAT: _EIGHTHS, KICK: "x.....x.x.......", SNARE: _BEAT}, SIXTEENTH),
            Groove({CLOSED_HAT: _EIGHTHS, KICK: "x..x..x...x.....", SNARE: _BEAT}, SIXTEENTH),
            Groove(
                {CLOSED_HAT: _HATS, KICK: "x.........x.x...", SNARE: _BEAT},
                SIXTEENTH,
                tempo=(0, 130),
            ),
            Groove(
                {CLOSED_HAT: _HATS, KICK: "x.....x...x.....", SNARE: _BEAT},
                SIXTEENTH,
                tempo=(0, 130),
            ),
        ),
        3: (
            Groove(
                {CLOSED_HAT: "X.x.X.x.X.x.", KICK: "x.....x.....", SNARE: "....X...X..."}, SIXTEENTH
            ),
            Groove(
                {CLOSED_HAT: "XxxxXxxxXxxx", KICK: "x.......x...", SNARE: "....X......."},
                SIXTEENTH,
                tempo=(0, 130),
            ),
        ),
    },
    fallback=backbeat,
    fills=("s.ss", "ssss", "ss.S", "s.s.ssSS", "sshhmmff"),
    fill_step=SIXTEENTH,
    regroove=0.5,
)

POP: Style = {
    BASS: partial(PatternBass, style=BASS_LINE),
    CHORDS: partial(Comping, style=PIANO),
    DRUMS: partial(DrumKit, style=KIT),
}
