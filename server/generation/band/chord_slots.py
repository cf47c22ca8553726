"""Chord tones by their place in the chord rather than by pitch: root, third, fifth, seventh.

A learned piano pattern names each note as a slot of the chord sounding and an octave above or
below the chord's root in C3..B3, so that the same pattern plays over any chord: the third of C
major is E, of A minor C, of Bsus4 E (the suspended tone takes the third's place); a triad has
no seventh, so its seventh slot doubles the root an octave up.
"""

from __future__ import annotations

from functools import cache

from server.generation.chord_voicing import ROOT_REGISTER
from server.generation.chords import INTERVALS, Chord, Quality

ROOT, THIRD, FIFTH, SEVENTH = range(4)
SLOTS = 4
OCTAVE = 12


@cache
def slot_steps(quality: Quality) -> tuple[int, int, int, int]:
    """Semitones above the root of each slot of a chord of `quality`."""
    steps = INTERVALS[quality]
    return (0, steps[1], steps[2], steps[3] if len(steps) > 3 else OCTAVE)


def reference(chord: Chord) -> int:
    """The pitch a chord's slots count from: its root in C3..B3."""
    if chord.root is None:
        raise ValueError("no chord has no slots")
    return ROOT_REGISTER + chord.root


def slot_of(pitch: int, chord: Chord) -> tuple[int, int, bool]:
    """(slot, octave, whether the pitch is a chord tone) of `pitch` over `chord`: a tone
    outside the chord takes the slot of the nearest chord tone (the lower one when two are as
    near)."""
    if chord.quality is None:
        raise ValueError("no chord has no slots")
    above = pitch - reference(chord)
    octave, step = divmod(above, OCTAVE)
    steps = slot_steps(chord.quality)
    candidates = (*steps, OCTAVE)  # the last: the root an octave up
    nearest = min(range(len(candidates)), key=lambda i: (abs(step - candidates[i]), i))
    tone = step in steps
    if nearest == len(steps):
        return ROOT, octave + 1, tone
    return nearest, octave, tone


def slot_pitch(slot: int, octave: int, chord: Chord) -> int:
    """The pitch that `slot` in `octave` names over `chord` (a chord, not "no chord")."""
    if chord.quality is None:
        raise ValueError("no chord has no slots")
    return reference(chord) + OCTAVE * octave + slot_steps(chord.quality)[slot]
