"""The pop band's piano: bar patterns learned from POP909's piano accompaniment (`piano_model`),
played over any chord in any key and meter.

Each bar draws a pattern given the last one and the bar's place in its 4-bar phrase, and plays
each of its notes as its slot of the chord sounding at its onset (`chord_slots`): a bar with two
chords plays the pattern's halves over each, a note held across a change is struck again on the
new chord. The right hand (notes from the root in C3..B3 up) takes the inversion and octave
nearest the right hand of the bar before, so the voices move little; the left hand stays low and
plays a slash chord's bass for the root. A bar of three (or any number of) beats plays the
pattern's beats in turn, cut at the bar line; "no chord" is a rest; the last bar holds its chord.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from server.generation.band.arrangement import BarContext
from server.generation.band.chord_slots import FIFTH, ROOT, SEVENTH, SLOTS, THIRD, slot_pitch
from server.generation.band.piano_model import (
    PHRASE,
    STEPS,
    PatternNote,
    PianoModel,
    load_model,
)
from server.generation.chords import INTERVALS
from server.generation.notes import CHORDS, Note
from server.generation.progression import ChordSpan

Timed = tuple[int, int, int, int]  # a pattern note in ticks: onset, duration, slot, octave
SIXTEENTH = 3  # ticks
CYCLE = STEPS * SIXTEENTH  # a pattern's four beats, in ticks
RIGHT_RANGE = (53, 88)  # F3..E6: where the right hand's voicings may lie
LEFT_RANGE = (28, 62)  # E1..D4
HOME = 66.0  # the right hand's centre before it has played (F#4)
BEAT_VELOCITY, EIGHTH_VELOCITY, SIXTEENTH_VELOCITY = 70, 62, 56  # by where a note starts
LEFT_ACCENT = 4  # the left hand a little louder: it carries the bass
WOBBLES = 64  # velocity nudges drawn per bar (-3..3), one per note in turn
HELD = ((ROOT, -1), (ROOT, 0), (THIRD, 0), (FIFTH, 0))  # the last bar's chord


class PopPiano:
    """A `PartWriter` for the chords part of the pop band (see the module doc)."""

    def __init__(self, rng: np.random.Generator, *, model: PianoModel | None = None) -> None:
        self.rng = rng
        self.model = model or load_model()
        self.pattern = self.model.start
        self.centre = HOME
        self.wobble: list[int] = []

    def bar(self, context: BarContext) -> list[Note]:
        self.wobble = self.rng.integers(-3, 4, size=WOBBLES).tolist()
        if context.last:
            return self._held(context)
        self.pattern = self.model.next_pattern(self.pattern, context.index % PHRASE, self.rng)
        timed = _tiled(self.model.patterns[self.pattern], context.bar_ticks)
        notes: list[Note] = []
        for span in context.spans:
            if span.chord.is_chord:
                notes += self._play(_in_span(timed, span), span)
        return notes

    def _held(self, context: BarContext) -> list[Note]:
        notes: list[Note] = []
        for span in context.spans:
            if span.chord.quality is not None:
                shape = HELD + ((SEVENTH, 0),) * (len(INTERVALS[span.chord.quality]) > 3)
                notes += self._play([(span.start, span.duration, s, o) for s, o in shape], span)
        return notes

    def _play(self, timed: Sequence[Timed], span: ChordSpan) -> list[Note]:
        """Notes (tick, ticks, slot, octave) over the span's chord, voiced near the last bar."""
        chord, end = span.chord, span.end
        slots = [slot_pitch(slot, 0, chord) for slot in range(SLOTS)]
        if chord.bass is not None:  # a left-hand root plays the slash chord's bass
            left_slots = [slots[ROOT] - (slots[ROOT] - chord.bass) % 12, *slots[1:]]
        else:
            left_slots = slots
        left = [(t, d, left_slots[s] + 12 * o) for t, d, s, o in timed if o < 0]
        right = [(t, d, slots[s] + 12 * o) for t, d, s, o in timed if o >= 0]
        voiced = [(note, LEFT_ACCENT) for note in _within(left, LEFT_RANGE)]
        if right:
            voiced += [(note, 0) for note in self._lead(right)]
        symbol, wobble = chord.symbol, self.wobble
        played: dict[tuple[int, int], Note] = {}
        for index, ((tick, duration, pitch), accent) in enumerate(voiced):
            velocity = _velocity(tick) + accent + wobble[index % WOBBLES]
            length = min(duration, end - tick)
            played[(tick, pitch)] = Note(pitch, tick, length, velocity, CHORDS, symbol)
        return list(played.values())

    def _lead(self, right: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The right hand in the inversion and octave nearest the last bar's right hand (and not
        far from where the pattern itself lies), inside RIGHT_RANGE."""
        pitches = sorted({pitch for _, _, pitch in right})
        own = sum(pitches) / len(pitches)
        best, best_cost = (0, 0), float("inf")
        for index in range(len(pitches)):
            for shift in (-12, 0, 12):
                moved = [p + shift + (12 if p < pitches[index] else 0) for p in pitches]
                centre = sum(moved) / len(moved)
                cost = abs(centre - self.centre) + 0.25 * abs(centre - own)
                if min(moved) < RIGHT_RANGE[0] or max(moved) > RIGHT_RANGE[1]:
                    cost += 100.0
                if cost < best_cost:
                    best, best_cost = (pitches[index], shift), cost
        lowest, shift = best
        voiced = [(t, d, p + shift + (12 if p < lowest else 0)) for t, d, p in right]
        self.centre = sum(p for _, _, p in voiced) / len(voiced)
        return voiced


def _tiled(pattern: Sequence[PatternNote], bar_ticks: int) -> list[Timed]:
    """The pattern's notes in ticks, its four beats played in turn to fill a bar of any length."""
    return [
        (cycle + onset * SIXTEENTH, duration * SIXTEENTH, slot, octave)
        for cycle in range(0, bar_ticks, CYCLE)
        for onset, duration, slot, octave in pattern
        if cycle + onset * SIXTEENTH < bar_ticks
    ]


def _in_span(timed: list[Timed], span: ChordSpan) -> list[Timed]:
    """The notes that start in the span, with those held into it struck again at its start and
    the chord's root under them there when nothing else starts with the chord; the pattern's
    first chord struck there when the span has no note at all."""
    inside = [note for note in timed if span.start <= note[0] < span.end]
    held = [
        (span.start, tick + length - span.start, slot, octave)
        for tick, length, slot, octave in timed
        if tick < span.start < tick + length
    ]
    if not inside and not held:
        first = min((note[0] for note in timed), default=None)
        return [(span.start, span.duration, s, o) for t, _, s, o in timed if t == first]
    if not held and inside[0][0] > span.start:
        held = [(span.start, inside[0][0] - span.start, ROOT, -1)]
    return held + inside


def _within(
    notes: list[tuple[int, int, int]], bounds: tuple[int, int]
) -> list[tuple[int, int, int]]:
    """The notes moved by octaves, all together, until they lie inside `bounds` if they can."""
    if not notes:
        return notes
    low, high = min(n[2] for n in notes), max(n[2] for n in notes)
    shift = 0
    while low + shift < bounds[0]:
        shift += 12
    while high + shift > bounds[1] and low + shift - 12 >= bounds[0]:
        shift -= 12
    return [(t, d, p + shift) for t, d, p in notes]


def _velocity(tick: int) -> int:
    if tick % 12 == 0:
        return BEAT_VELOCITY
    return EIGHTH_VELOCITY if tick % 6 == 0 else SIXTEENTH_VELOCITY
