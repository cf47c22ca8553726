"""The classical accompaniment: a keyboard left hand in C3..C5 whose triads move to the nearest
root position or first inversion (a slash chord's bass at the bottom), figured as an Alberti
bass (low, high, middle, high; in sixteenths under 90 beats a minute), a broken chord, an
oom-pah or four-part chorale voicing. The left hand's lowest voice is the bass line: no bass
part, and no drums.
"""

from __future__ import annotations

from functools import partial

from server.generation.band.arrangement import Style
from server.generation.band.comping import Comping, CompingStyle, Figure
from server.generation.band.feel import BEAT, EIGHTH, SIXTEENTH, Rhythms
from server.generation.band.voicing import Hands, inversions, triads
from server.generation.notes import CHORDS

LEFT_HAND = Hands(inversions, 48, 72)  # C3..C5
ALBERTI = Figure(LEFT_HAND, Rhythms({4: ("LHMHLHMH",), 3: ("LHMHMH",)}, EIGHTH), tempo=(90, 1000))
SLOW_ALBERTI = Figure(
    LEFT_HAND, Rhythms({4: ("LHMH" * 4,), 3: ("LHMH" * 3,)}, SIXTEENTH), tempo=(0, 90)
)
BROKEN = Figure(LEFT_HAND, Rhythms({4: ("LMHMLMHM",), 3: ("LMHMHM",)}, EIGHTH))
OOM_PAH = Figure(Hands(triads, 55, 72, 43, 55), Rhythms({4: ("b-u-b-u-",), 3: ("b-u-u-",)}, EIGHTH))
CHORALE = Figure(
    Hands(triads, 55, 76, 43, 55), Rhythms({4: ("x-x-", "x---"), 3: ("x--", "x-x")}, BEAT)
)

KEYBOARD = CompingStyle(
    figures=(ALBERTI, SLOW_ALBERTI, BROKEN, OOM_PAH, CHORALE),
    velocity=58,
    vary=0,
    refigure=0.35,
)

CLASSICAL: Style = {
    CHORDS: partial(Comping, style=KEYBOARD),
}
