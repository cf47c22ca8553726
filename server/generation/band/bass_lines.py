"""Bass lines written from rhythms whose symbols name chord degrees: `R` the root (a slash
chord's bass), `5` the fifth, `8` the octave, `a` root and fifth by turns while a chord lasts.
A new chord always begins on its root, and the last note before a change may lead into the
next root by a half or whole step or from its fifth. The genres' rhythms live in their own
modules; the jazz walking line is `walking_bass.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from server.generation.band.arrangement import BarContext
from server.generation.band.feel import (
    Player,
    Rhythm,
    Rhythms,
    accent,
    among,
    over_chords,
)
from server.generation.band.voicing import bass_class, nearest, tones
from server.generation.chords import NO_CHORD, Chord
from server.generation.notes import BASS, Note


@dataclass(frozen=True)
class BassStyle:
    """A genre's bass: its rhythms (another meter gets a root on each strong beat), the
    register `low`..`high` (MIDI), the chance `approach` that the note before a chord change
    leads into it, how many ticks short of its length each note is played (`gap`), the base
    `velocity`, and the chance `vary` that a bar plays another rhythm than its section's."""

    rhythms: Rhythms
    low: int
    high: int
    approach: float
    gap: int
    velocity: int
    vary: float = 0.2


class PatternBass(Player):
    """Plays a `BassStyle` over the chords, each root placed nearest the last one."""

    def __init__(self, rng: np.random.Generator, style: BassStyle) -> None:
        super().__init__(rng)
        self.style = style
        self.rhythm: Rhythm = ()
        self.chord: Chord = NO_CHORD
        self.symbol = NO_CHORD.symbol
        self.root = style.low + (style.high - style.low) // 3  # MIDI pitch of the chord's bass
        self.fifth_next = False  # for `a`: the next stroke on the same chord plays the fifth

    def play(self, context: BarContext, section_start: bool) -> list[Note]:
        if context.last:
            return self._ending(context)
        rhythms = self.style.rhythms.for_meter(context.beats_per_bar, "R")
        if section_start or not among(self.rhythm, rhythms):
            self.rhythm = self.pick(rhythms)
        rhythm = self.pick(rhythms) if self.chance(self.style.vary) else self.rhythm
        placed = over_chords(context, rhythm, "R")
        notes: list[Note] = []
        for index, (hit, chord, end) in enumerate(placed):
            if not chord.is_chord:
                continue
            upcoming = placed[index + 1][1] if index + 1 < len(placed) else context.next_chord
            pitch = self._pitch(chord, hit.play, upcoming)
            length = max(1, min(end, hit.tick + hit.length) - hit.tick - self.style.gap)
            velocity = self.velocity(self.style.velocity + accent(hit.tick, context.beats_per_bar))
            notes.append(Note(pitch, hit.tick, length, velocity, BASS, self.symbol))
        return notes

    def _pitch(self, chord: Chord, play: str, upcoming: Chord) -> int:
        style = self.style
        # A chord sounding on is mostly the very same object: the cheap test first.
        if chord is not self.chord and chord != self.chord:
            self.root = nearest(bass_class(chord) or 0, self.root, style.low, style.high)
            self.chord, self.symbol, self.fifth_next = chord, chord.symbol, True
            return self.root
        if upcoming.is_chord and upcoming != chord and self.chance(style.approach):
            return self._approach(upcoming)
        if play == "a":
            play, self.fifth_next = ("5" if self.fifth_next else "R"), not self.fifth_next
        if play == "R" or chord.bass is not None:  # a slash chord's bass is held alone
            return self.root
        if play == "8":
            return self.root + 12 if self.root + 12 <= style.high else self.root
        fifth = next((step for step in _steps(chord) if step in (6, 7, 8)), 7)
        return self.root + fifth if self.root + fifth <= style.high else self.root + fifth - 12

    def _approach(self, upcoming: Chord) -> int:
        """A note a half or whole step beside the next chord's bass, coming from the side the
        line is on, or that bass's fifth (above when the line comes down to it, else below)."""
        style = self.style
        target = nearest(bass_class(upcoming) or 0, self.root, style.low + 2, style.high - 2)
        if target <= self.root:  # coming down to it
            pitch = target + self.pick((1, 1, 2, 7))
        else:
            pitch = target - self.pick((1, 1, 2, 5))
        return pitch if style.low <= pitch <= style.high else target + (1 if pitch > target else -1)

    def _ending(self, context: BarContext) -> list[Note]:
        """The last bar: each chord's bass note held."""
        notes = []
        for span in context.spans:
            if span.chord.is_chord:
                self._pitch(span.chord, "R", NO_CHORD)
                velocity = self.velocity(self.style.velocity + 6)
                notes.append(
                    Note(self.root, span.start, span.duration, velocity, BASS, span.chord.symbol)
                )
        return notes


def _steps(chord: Chord) -> tuple[int, ...]:
    root = chord.root or 0
    return tuple((tone - root) % 12 for tone in tones(chord))
