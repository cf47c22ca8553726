"""Where the band's chords lie under the hands: a chord's tones in the order they are stacked
(close position and its inversions, jazz shells, power chords) and the one voice-leading rule,
`lead`: of the ways to stack a chord in a register, the one that moves least from the last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from server.generation.chords import INTERVALS, Chord, Quality

Stacking = tuple[int, ...]  # pitch classes from the lowest voice up
Voicing = tuple[int, ...]  # MIDI pitches, lowest first

# Jazz shells (semitones above the root): the guide tones, third and seventh (a sixth in a
# major or minor sixth chord, the diminished seventh in a diminished one), and the colours a
# pianist adds on top: the ninth or thirteenth, else the fifth or the root.
SHELLS: dict[Quality, tuple[int, int, tuple[int, ...]]] = {
    Quality.MAJ: (4, 9, (2, 7)),
    Quality.MAJ6: (4, 9, (2, 7)),
    Quality.MAJ7: (4, 11, (2, 7)),
    Quality.DOM7: (4, 10, (2, 9)),
    Quality.MIN: (3, 10, (2, 7)),
    Quality.MIN7: (3, 10, (2, 7)),
    Quality.MIN6: (3, 9, (2, 7)),
    Quality.DIM: (3, 9, (6, 0)),
    Quality.HDIM7: (3, 10, (6, 0)),
    Quality.AUG: (4, 8, (0,)),
    Quality.SUS4: (5, 10, (2, 7)),
    Quality.SUS2: (2, 7, (0,)),
}


def tones(chord: Chord) -> Stacking:
    """The chord's pitch classes in root position (root, third, fifth, seventh)."""
    if chord.root is None or chord.quality is None:
        return ()
    return tuple((chord.root + step) % 12 for step in INTERVALS[chord.quality])


def bass_class(chord: Chord) -> int | None:
    """The pitch class the bass plays: a slash chord's bass, else the root."""
    return chord.root if chord.bass is None else chord.bass


def nearest(pitch_class: int, near: int, low: int, high: int) -> int:
    """The pitch of `pitch_class` closest to `near` within low..high (a range of an octave or
    more)."""
    pitch = near + (pitch_class - near + 6) % 12 - 6
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


@lru_cache(maxsize=1024)
def close(chord: Chord, voices: int = 4) -> tuple[Stacking, ...]:
    """Close position and each inversion of the chord, with at most `voices` tones (a seventh
    chord in three voices leaves out its fifth)."""
    pitch_classes = tones(chord)
    if len(pitch_classes) > voices:
        pitch_classes = pitch_classes[:2] + pitch_classes[3:]
    return tuple(pitch_classes[i:] + pitch_classes[:i] for i in range(len(pitch_classes)))


def triads(chord: Chord) -> tuple[Stacking, ...]:
    """Close position and inversions in three voices."""
    return close(chord, 3)


@lru_cache(maxsize=1024)
def inversions(chord: Chord) -> tuple[Stacking, ...]:
    """Three voices in root position or first inversion (a keyboard left hand of the classical
    style avoids the unstable second inversion), or over a slash chord's bass."""
    stackings = close(chord, 3)
    bass = chord.bass
    if bass is None:
        return stackings[:2]
    over = tuple(stacking for stacking in stackings if stacking[0] == bass)
    return over or ((bass, *stackings[0][1:]),)


@lru_cache(maxsize=1024)
def shells(chord: Chord) -> tuple[Stacking, ...]:
    """Rootless shells: third under seventh with a colour on top (3-7-9), or seventh under third
    (7-3-13), each colour the quality allows."""
    if chord.root is None or chord.quality is None:
        return ()
    third, seventh, colours = SHELLS[chord.quality]
    root = chord.root
    stackings = []
    for colour in colours:
        stackings.append(((root + third) % 12, (root + seventh) % 12, (root + colour) % 12))
        stackings.append(((root + seventh) % 12, (root + third) % 12, (root + colour) % 12))
    return tuple(stackings)


@lru_cache(maxsize=256)
def power(chord: Chord) -> tuple[Stacking, ...]:
    """Root, fifth and octave: the rock guitarist's chord (the chord's own fifth when it is
    diminished or augmented)."""
    if chord.root is None or chord.quality is None:
        return ()
    fifth = next((step for step in INTERVALS[chord.quality] if step in (6, 7, 8)), 7)
    return ((chord.root, (chord.root + fifth) % 12, chord.root),)


def stack(stacking: Stacking, bottom: int) -> Voicing:
    """The pitch classes stacked upward from `bottom`, each voice the first one above the last."""
    pitches = [bottom]
    for pitch_class in stacking[1:]:
        pitches.append(pitches[-1] + 1 + (pitch_class - pitches[-1] - 1) % 12)
    return tuple(pitches)


@lru_cache(maxsize=8192)
def lead(stackings: tuple[Stacking, ...], previous: Voicing, low: int, high: int) -> Voicing:
    """Of the stackings placed with every voice in low..high, the one that moves least from the
    `previous` voicing (nearest the middle of the register when there is none)."""
    middle = (low + high) / 2
    best: Voicing = ()
    best_cost = float("inf")
    for stacking in stackings:
        for bottom in range(low + (stacking[0] - low) % 12, high + 1, 12):
            voicing = stack(stacking, bottom)
            if voicing[-1] > high:
                continue
            cost = _movement(voicing, previous, middle)
            if cost < best_cost:
                best, best_cost = voicing, cost
    if not best and stackings:  # a register too narrow for the chord: its lowest stacking
        return stack(stackings[0], low + (stackings[0][0] - low) % 12)
    return best


def _movement(voicing: Voicing, previous: Voicing, middle: float) -> float:
    centre = abs(sum(voicing) / len(voicing) - middle)
    if not previous:
        return centre
    if len(voicing) == len(previous):
        moved: float = sum(abs(a - b) for a, b in zip(voicing, previous, strict=True))
    else:
        moved = sum(min(abs(a - b) for b in previous) for a in voicing)
        moved += sum(min(abs(b - a) for a in voicing) for b in previous)
        moved /= 2
    return moved + 0.05 * centre  # the centre only breaks ties, so a long line does not drift


@dataclass(frozen=True)
class Hands:
    """How one instrument voices chords: the upper voices from `stackings` led within
    `low`..`high` and, when `bass_low` is given, a bass voice under them, the chord's bass note
    nearest the last one within `bass_low`..`bass_high` (a pianist's left hand, a guitar's low
    string, the bass of a four-part chorale)."""

    stackings: Callable[[Chord], tuple[Stacking, ...]]
    low: int
    high: int
    bass_low: int | None = None
    bass_high: int | None = None

    def voice(self, chord: Chord, previous: Voicing) -> Voicing:
        """The chord voiced after `previous` (this instrument's voicing before, or ())."""
        stackings = self.stackings(chord)
        bass_class_ = bass_class(chord)
        if self.bass_low is None or self.bass_high is None or bass_class_ is None:
            return lead(stackings, previous, self.low, self.high)
        near = previous[0] if previous else (self.bass_low + self.bass_high) // 2
        bass = nearest(bass_class_, near, self.bass_low, self.bass_high)
        upper = lead(stackings, previous[1:], max(self.low, bass + 3), self.high)
        return (bass, *upper)
