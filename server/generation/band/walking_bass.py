"""The jazz bassist's walking line: a quarter note on every beat, the chord's root (a slash
chord's bass) where the chord arrives, chord tones on the strong beats, scale steps between
them, and on the beat before a chord change an approach note, a half or whole step beside the
next root or its fifth, so the line leans into every change. Range E1..G3.
"""

from __future__ import annotations

import numpy as np

from server.generation.band.arrangement import BarContext
from server.generation.band.feel import BEAT, Player, backbeats, group_starts
from server.generation.band.voicing import bass_class, nearest
from server.generation.chords import NO_CHORD, Chord, Quality
from server.generation.notes import BASS, Note

LOW, HIGH = 28, 55  # E1..G3, the upright bass's walking range
VELOCITY = 82
# The scale a bassist walks through under each quality (semitones above the root).
SCALES: dict[Quality, tuple[int, ...]] = {
    Quality.MAJ: (0, 2, 4, 5, 7, 9, 11),
    Quality.MAJ6: (0, 2, 4, 5, 7, 9, 11),
    Quality.MAJ7: (0, 2, 4, 5, 7, 9, 11),
    Quality.DOM7: (0, 2, 4, 5, 7, 9, 10),
    Quality.MIN: (0, 2, 3, 5, 7, 9, 10),
    Quality.MIN7: (0, 2, 3, 5, 7, 9, 10),
    Quality.MIN6: (0, 2, 3, 5, 7, 9, 10),
    Quality.DIM: (0, 2, 3, 5, 6, 8, 9, 11),
    Quality.HDIM7: (0, 1, 3, 5, 6, 8, 10),
    Quality.AUG: (0, 2, 4, 6, 8, 10),
    Quality.SUS4: (0, 2, 5, 7, 9, 10),
    Quality.SUS2: (0, 2, 5, 7, 9, 10),
}


class WalkingBass(Player):
    """Walks a quarter-note line through the chords, bar after bar."""

    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.pitch = 40  # the last note played (E2 before the first)
        self.chord: Chord = NO_CHORD
        self.up = True  # the direction the line walks in while a chord lasts
        self.target: int | None = None  # the pitch an approach note leads to

    def play(self, context: BarContext, section_start: bool) -> list[Note]:
        beats = context.beats_per_bar
        chords = [context.chord_at(beat * BEAT) for beat in range(beats)]
        chords.append(context.next_chord)
        if context.last:
            return self._ending(context)
        strong, weak = group_starts(beats), backbeats(beats)
        notes = []
        for beat in range(beats):
            chord, following = chords[beat], chords[beat + 1]
            if not chord.is_chord:
                self.chord, self.target = NO_CHORD, None
                continue
            if chord is not self.chord and chord != self.chord:
                self.pitch = self._arrive(chord)
            elif following.is_chord and following != chord:
                self.pitch = self._approach(following)
            else:
                self.pitch = self._walk(chord, chord_tone=beat in strong)
            velocity = self.velocity(VELOCITY + (3 if beat in weak else 0))
            notes.append(Note(self.pitch, beat * BEAT, BEAT - 1, velocity, BASS, chord.symbol))
        return notes

    def _arrive(self, chord: Chord) -> int:
        """The chord's bass note, where the approach aimed, else nearest the last note."""
        self.chord = chord
        near = self.target if self.target is not None else self.pitch
        self.target = None
        pitch = nearest(bass_class(chord) or 0, near, LOW, HIGH)
        self.up = pitch < 36 or (pitch < 46 and self.chance(0.6))
        return pitch

    def _walk(self, chord: Chord, *, chord_tone: bool) -> int:
        """The next chord tone in the line's direction, or on a weak beat often a scale step."""
        root = chord.root or 0
        if chord_tone or self.chance(0.4):
            allowed = chord.pitch_classes()
        else:
            allowed = frozenset((root + step) % 12 for step in SCALES[chord.quality or Quality.MAJ])
        if self.pitch + 3 > HIGH:
            self.up = False
        elif self.pitch - 3 < LOW:
            self.up = True
        direction = 1 if self.up else -1
        pitch = self.pitch + direction
        while pitch % 12 not in allowed:
            pitch += direction
        return _in_range(pitch)

    def _approach(self, following: Chord) -> int:
        """A half step beside the next chord's bass (from the side the line comes from, or now
        and then the other), a whole step below it, or its fifth (the nearer one), never the
        note just played nor a leap of more than a fifth."""
        target = nearest(bass_class(following) or 0, self.pitch, LOW + 2, HIGH - 2)
        self.target = target
        side = -1 if self.pitch < target else 1
        choice = self.random.random()
        if choice < 0.5:
            pitch = target + side
        elif choice < 0.65:
            pitch = target - side
        elif choice < 0.8:
            pitch = target - 2
        else:
            pitch = min(target + 7, target - 5, key=lambda fifth: abs(fifth - self.pitch))
        if pitch % 12 == self.pitch % 12 or abs(pitch - self.pitch) > 7:
            pitch = target + side
        return _in_range(pitch)

    def _ending(self, context: BarContext) -> list[Note]:
        """The last bar: each chord's bass note held."""
        notes = []
        for span in context.spans:
            if span.chord.is_chord:
                self.pitch = self._arrive(span.chord)
                velocity = self.velocity(VELOCITY + 4)
                notes.append(
                    Note(self.pitch, span.start, span.duration, velocity, BASS, span.chord.symbol)
                )
        return notes


def _in_range(pitch: int) -> int:
    """The pitch, an octave over or under where it would leave the bass's range."""
    while pitch < LOW:
        pitch += 12
    while pitch > HIGH:
        pitch -= 12
    return pitch
