"""The model accompanying what a room plays (ReaLchords-style): the chord of each bar of the live
piece is committed ahead of time, bar by bar, from the notes the members played in the bars just
before, fitted to the triads of the room's key. `Accompaniment` holds what was heard and what was
committed; `AccompanyingMelody` (accompanying_melody.py) asks it for chords as the model writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from server.generation.chords import Chord, Quality
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import ChordSpan, Progression

BEATS_PER_BAR = 4  # the live piece is in 4/4
RECENT_BEATS = 2.0 * BEATS_PER_BAR  # the played notes a chord is fitted to: the last two bars'
HELD_BEATS = 1.0  # what a note still held (no note-off yet) weighs, in beats
MAX_NOTE_BEATS = float(BEATS_PER_BAR)  # a note held longer weighs no more than a bar
ROOT_WEIGHT = 0.5  # the chord's root played counts half again: A C E fits Am better than C
STAY_BONUS = 0.1  # share of the played weight: a chord that fits as well as the last goes on
TONIC_BONUS = 0.05  # and between two others that fit as well, the key's tonic chord


_MAJ, _MIN = Quality.MAJ, Quality.MIN
# The triads an accompaniment chooses from, as (semitones above the tonic, quality): a major
# key's I ii iii IV V vi; a minor key's i III iv v VI VII and the major V of its harmonic form.
KEY_TRIADS = {
    "major": ((0, _MAJ), (2, _MIN), (4, _MIN), (5, _MAJ), (7, _MAJ), (9, _MIN)),
    "minor": ((0, _MIN), (3, _MAJ), (5, _MIN), (7, _MIN), (7, _MAJ), (8, _MAJ), (10, _MAJ)),
}


@cache
def key_triads(tonic: int, mode: str) -> tuple[Chord, ...]:
    """The key's triads (KEY_TRIADS), the tonic chord first."""
    return tuple(Chord((tonic + step) % 12, quality) for step, quality in KEY_TRIADS[mode])


def fit_chord(
    played: Sequence[tuple[int, float]], tonic: int, mode: str, previous: Chord | None = None
) -> Chord:
    """The key's triad that best fits `played` (MIDI pitch, weight in beats): the share of the
    weight on its tones, its root counted again by ROOT_WEIGHT; the chord before (`previous`),
    then the tonic chord, wins a near tie. Nothing played: the chord before, else the tonic."""
    triads = key_triads(tonic, mode)
    profile = np.zeros(12)
    for pitch, weight in played:
        profile[pitch % 12] += weight
    total = profile.sum()
    if total <= 0:
        return previous or triads[0]

    def score(chord: Chord) -> float:
        tones = sum(profile[tone] for tone in chord.pitch_classes())
        root = profile[chord.root or 0]
        bonus = STAY_BONUS * (chord == previous) + TONIC_BONUS * (chord.root == tonic % 12)
        return float((tones + ROOT_WEIGHT * root) / total) + bonus

    return max(triads, key=score)


@dataclass
class Heard:
    """A note a member played, in beats of the live piece; `end` is None while it is held."""

    user_id: int
    pitch: int
    start: float
    end: float | None = None


@dataclass(frozen=True)
class Commit:
    """A chord committed for a bar: when (Unix ms, the room clock) and how long after the last
    note it was fitted to arrived (ms; None when no note had been played yet)."""

    bar: int
    chord: Chord
    committed_ms: float
    after_last_note_ms: float | None


class Accompaniment:
    """The chords of one live piece of `bars` bars in the key (`tonic`, `mode`), committed bar by
    bar. Members' notes are heard on the event loop and chords committed from the model's step
    thread, so both go through one lock."""

    def __init__(self, tonic: int, mode: str, bars: int) -> None:
        self.tonic, self.mode, self.bars = tonic, mode, bars
        self.chords: list[Chord] = []  # committed, one per bar from bar 0
        self._heard: list[Heard] = []
        self._last_arrival: float | None = None  # monotonic seconds of the latest note heard
        self._untold: list[Commit] = []  # committed, not yet taken to be announced
        self._lock = threading.Lock()

    def hear(self, user_id: int, pitch: int, on: bool, beats: float) -> None:
        """A member's note-on or note-off at `beats` into the piece."""
        with self._lock:
            self._last_arrival = time.monotonic()
            if on:
                # Notes struck long before the recent bars are read no more.
                since = beats - 2 * RECENT_BEATS
                self._heard = [note for note in self._heard if note.start >= since]
                self._heard.append(Heard(user_id, pitch, beats))
                return
            for note in reversed(self._heard):
                if note.user_id == user_id and note.pitch == pitch and note.end is None:
                    note.end = max(beats, note.start)
                    return

    def commit_through(self, bar: int) -> bool:
        """Commit the chord of every bar up to `bar` (within the piece) not committed yet, each
        from what was heard by now; whether any was."""
        with self._lock:
            last = min(bar, self.bars - 1)
            if len(self.chords) > last:
                return False
            played = self._recent()
            now, committed_ms = time.monotonic(), time.time_ns() / 1e6
            waited = None if self._last_arrival is None else (now - self._last_arrival) * 1e3
            while len(self.chords) <= last:
                previous = self.chords[-1] if self.chords else None
                chord = fit_chord(played, self.tonic, self.mode, previous)
                self._untold.append(Commit(len(self.chords), chord, committed_ms, waited))
                self.chords.append(chord)
            return True

    def change_key(self, bar: int, tonic: int, semitones: int) -> None:
        """From `bar` on the piece is in `tonic`: chords committed for it and later move by
        `semitones` (and are announced again), chords to come are fitted in the new key."""
        with self._lock:
            self.tonic = tonic
            committed_ms = time.time_ns() / 1e6
            for index in range(bar, len(self.chords)):
                self.chords[index] = self.chords[index].transposed(semitones)
                self._untold.append(Commit(index, self.chords[index], committed_ms, None))

    def take_commits(self) -> list[Commit]:
        """The commits made since the last call, in bar order (to announce them)."""
        with self._lock:
            taken, self._untold = self._untold, []
            return taken

    def progression(self) -> Progression:
        """The committed chords, a bar each, over the whole piece (no chord after them yet)."""
        bar_ticks = BEATS_PER_BAR * TICKS_PER_BEAT
        spans = tuple(
            ChordSpan(chord, bar * bar_ticks, bar_ticks) for bar, chord in enumerate(self.chords)
        )
        return Progression(spans, self.bars, BEATS_PER_BAR)

    def _recent(self) -> list[tuple[int, float]]:
        """(pitch, weight beats) of the notes that started in the RECENT_BEATS before the last
        note heard."""
        if not self._heard:
            return []
        since = max(note.start for note in self._heard) - RECENT_BEATS
        return [(note.pitch, _weight(note)) for note in self._heard if note.start >= since]


def _weight(note: Heard) -> float:
    if note.end is None:
        return HELD_BEATS
    return min(max(note.end - note.start, 1.0 / BEATS_PER_BAR), MAX_NOTE_BEATS)
