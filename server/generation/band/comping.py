"""The band's chords part, written from figures: a way of voicing (`Hands`) and rhythms that say
which voices strike when (`x` the whole chord, `L`/`M`/`H` one voice of an Alberti bass, `D`/`U`
a guitar's down and up strums, `>` the next bar's chord anticipated). One `Comping` writer
serves every genre; the genres' figures live in their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from server.generation.band.arrangement import BarContext
from server.generation.band.feel import (
    BEAT,
    Player,
    Rhythm,
    Rhythms,
    accent,
    among,
    over_chords,
)
from server.generation.band.voicing import Hands, Voicing
from server.generation.chords import NO_CHORD, Chord
from server.generation.notes import CHORDS, Note

# Which voices of the voicing (lowest first) each symbol strikes, and how much softer.
VOICES: dict[str, slice] = {
    "x": slice(None),  # the whole chord
    ">": slice(None),  # the whole next chord, ahead of its bar line
    "p": slice(0, 2),  # root and fifth, palm-muted
    "D": slice(None),  # a down strum: every string
    "U": slice(-3, None),  # an up strum: the top strings
    "b": slice(0, 1),  # the bass voice alone (a left hand's root, a guitar's low string)
    "u": slice(1, None),  # everything over the bass voice
    "L": slice(0, 1),  # an Alberti bass: the low, middle and high voice of a triad
    "M": slice(1, 2),
    "H": slice(-1, None),
    "1": slice(1, 2),  # a guitarist picking the strings over the bass one at a time
    "2": slice(2, 3),
    "3": slice(3, 4),
}
SOFTER = {"p": 8, "U": 12, "u": 4, "M": 8, "H": 6, "1": 6, "2": 8, "3": 6}
ANTICIPATION = ">"
# What a stroke plays instead when a new chord arrives on it: the whole chord, or its bass
# voice first (an Alberti bass or a picked guitar starts each chord from the bottom).
ARRIVING = {"p": "x", "u": "x", "U": "D", "M": "L", "H": "L", "1": "b", "2": "b", "3": "b"}


@dataclass(frozen=True)
class Figure:
    """One way an instrument accompanies: its `hands`, the rhythms it draws from, and the
    `tempo` bounds (quarter notes a minute) it is played within."""

    hands: Hands
    rhythms: Rhythms
    tempo: tuple[float, float] = (0, 1000)
    ring: bool = False  # picked single notes ring on to the end of their chord


@dataclass(frozen=True)
class CompingStyle:
    """A genre's chords part: its figures (the first opens the piece; another may follow at a
    section start with chance `refigure`), the base `velocity`, the chance `vary` that a bar
    plays another rhythm of its figure, and how much louder an offbeat stroke is."""

    figures: tuple[Figure, ...]
    velocity: int
    vary: float = 0.2
    refigure: float = 0.3
    offbeat_accent: int = 0


class Comping(Player):
    """Plays a `CompingStyle` over the chords, leading each voicing from the one before."""

    def __init__(self, rng: np.random.Generator, style: CompingStyle) -> None:
        super().__init__(rng)
        self.style = style
        self.figure: Figure | None = None
        self.rhythm: Rhythm = ()
        self.voicing: Voicing = ()
        self.chord: Chord = NO_CHORD
        self.symbol = NO_CHORD.symbol
        self.anticipated = False  # the last bar struck this bar's first chord ahead of time

    def play(self, context: BarContext, section_start: bool) -> list[Note]:
        figures = self._figures(context)
        if not among(self.figure, figures):
            self.figure = figures[0]
            section_start = True
        elif section_start and self.chance(self.style.refigure):
            self.figure = self.pick(figures)
        assert self.figure is not None
        if context.last:
            return self._ending(context)
        rhythms = self.figure.rhythms.for_meter(context.beats_per_bar, "x")
        if section_start or not among(self.rhythm, rhythms):
            self.rhythm = self.pick(rhythms)
        rhythm = self.pick(rhythms) if self.chance(self.style.vary) else self.rhythm
        return self._strike(context, self.figure, rhythm)

    def _figures(self, context: BarContext) -> list[Figure]:
        """The figures for this bar's tempo, those written for its meter first in line."""
        tempo = context.tempo
        played = [f for f in self.style.figures if f.tempo[0] <= tempo < f.tempo[1]]
        played = played or list(self.style.figures[:1])
        return [f for f in played if context.beats_per_bar in f.rhythms] or played

    def _strike(self, context: BarContext, figure: Figure, rhythm: Rhythm) -> list[Note]:
        placed = over_chords(context, rhythm, "x", self.anticipated)
        self.anticipated = False
        notes: list[Note] = []
        for hit, chord, end in placed:
            length = min(end - hit.tick, hit.length) if not figure.ring else end - hit.tick
            if hit.play == ANTICIPATION and self._anticipates(context, chord):
                chord, length = context.next_chord, hit.length + BEAT  # rings over the bar line
                self.anticipated = True
            if not chord.is_chord:
                continue
            play = hit.play
            if chord is not self.chord and chord != self.chord:
                self.voicing = figure.hands.voice(chord, self.voicing)
                self.chord, self.symbol = chord, chord.symbol
                play = ARRIVING.get(play, play)
            loud = accent(hit.tick, context.beats_per_bar) or self.style.offbeat_accent
            velocity = self.velocity(self.style.velocity + loud - SOFTER.get(play, 0))
            notes += [
                Note(pitch, hit.tick, length, velocity, CHORDS, self.symbol)
                for pitch in self.voicing[VOICES[play]]
            ]
        return notes

    def _anticipates(self, context: BarContext, chord: Chord) -> bool:
        following = context.next_chord
        return following.is_chord and following != chord and context.index + 2 < context.bars

    def _ending(self, context: BarContext) -> list[Note]:
        """The last bar: each of its chords struck once and held."""
        notes: list[Note] = []
        velocity = self.velocity(self.style.velocity + 6)
        for span in context.spans:
            if not span.chord.is_chord or self.figure is None:
                continue
            if span.chord != self.chord:
                self.voicing = self.figure.hands.voice(span.chord, self.voicing)
                self.chord, self.symbol = span.chord, span.chord.symbol
            notes += [
                Note(pitch, span.start, span.duration, velocity, CHORDS, span.chord.symbol)
                for pitch in self.voicing
            ]
        return notes
