"""The rock band: eighth notes on the bass roots (an octave or fifth now and then, a passing
note into a change), power chords (root, fifth, octave) chugged or driven in eighths, and a
kick-snare backbeat under eighth-note hi-hats or ride, a crash where a section starts and a
snare and tom fill where one ends.
"""

from __future__ import annotations

from functools import partial

from server.generation.band.arrangement import Style
from server.generation.band.bass_lines import BassStyle, PatternBass
from server.generation.band.comping import Comping, CompingStyle, Figure
from server.generation.band.drum_kits import (
    CLOSED_HAT,
    KICK,
    OPEN_HAT,
    RIDE,
    SNARE,
    DrumKit,
    Groove,
    KitStyle,
    backbeat,
)
from server.generation.band.feel import EIGHTH, SIXTEENTH, Rhythms
from server.generation.band.voicing import Hands, power
from server.generation.notes import BASS, CHORDS, DRUMS

BASS_LINE = BassStyle(
    rhythms=Rhythms(
        {
            4: ("RRRRRRRR", "RRRRRR58", "RR8RRR8R", "R-RRR-RR"),
            3: ("RRRRRR", "R-RRRR", "RRRR58"),
        },
        EIGHTH,
    ),
    low=28,  # E1
    high=45,
    approach=0.5,
    gap=1,
    velocity=90,
    vary=0.2,
)

# `p` a palm-muted stroke, `x` a full one.
GUITAR = CompingStyle(
    figures=(
        Figure(
            Hands(power, 40, 64),
            rhythms=Rhythms(
                {
                    4: ("xpxpxpxp", "x--x--x-", "x-ppx-pp", "x-.xx-.x", "xpxpx-xp"),
                    3: ("xpxpxp", "x-xpxp", "x-x-x-"),
                },
                EIGHTH,
            ),
        ),
    ),
    velocity=84,
    vary=0.15,
    refigure=0,
)

_BEAT = "..X...X."  # the snare on 2 and 4
KIT = KitStyle(
    grooves={
        4: (
            Groove({CLOSED_HAT: "XxXxXxXx", KICK: "x...x...", SNARE: _BEAT}, EIGHTH),
            Groove({CLOSED_HAT: "XxXxXxXx", KICK: "x..xx...", SNARE: _BEAT}, EIGHTH),
            Groove({RIDE: "XxXxXxXx", KICK: "x...x.x.", SNARE: _BEAT}, EIGHTH),
            Groove(
                {CLOSED_HAT: "XxXxXxX.", OPEN_HAT: ".......x", KICK: "x...xx..", SNARE: _BEAT},
                EIGHTH,
            ),
        ),
        3: (
            Groove({CLOSED_HAT: "XxXxXx", KICK: "x.....", SNARE: "..X.X."}, EIGHTH),
            Groove({CLOSED_HAT: "XxXxXx", KICK: "x....x", SNARE: "..X.X."}, EIGHTH),
        ),
    },
    fallback=backbeat,
    fills=("SsSs", "ssss", "s.ss", "hhmm", "sshh mmff", "ssss hmlf", "SsSs hhff", "hhmm llff"),
    fill_step=SIXTEENTH,
    regroove=0.5,
)

ROCK: Style = {
    BASS: partial(PatternBass, style=BASS_LINE),
    CHORDS: partial(Comping, style=GUITAR),
    DRUMS: partial(DrumKit, style=KIT),
}
