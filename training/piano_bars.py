"""POP909's piano accompaniment cut into bars, each note named relative to its chord.

Bars run between the dataset's annotated downbeats (its beat tracker's bars are not all four
beats: only four-beat bars are kept). Each note of the `PIANO` track (and `BRIDGE` when asked)
becomes (onset, duration) on the sixteenth grid of its bar and (slot, octave) of the chord the
annotations give at its beat (`server.generation.band.chord_slots`); notes under "no chord" are
left out, and a bar with none left is not a pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.generation.band.chord_slots import SLOTS, slot_of
from server.generation.chords import Chord, ChordError, parse_harte
from server.generation.notes import TICKS_PER_BEAT
from training.chord_corpora import AnnotatedSong

SIXTEENTH = TICKS_PER_BEAT // 4
STEPS = 16  # sixteenths in a four-beat bar
BEATS = 4
PHRASE = 4  # bars in a phrase: the pattern model knows where in one a bar falls
OCTAVES = (-3, 3)  # octaves of a slot around the root in C3..B3 (-3: C0.., 2: C5..B5)
PIANO_TRACKS = ("PIANO",)

# One note of a pattern: onset and duration in sixteenths, chord slot, octave.
PatternNote = tuple[int, int, int, int]
Pattern = tuple[PatternNote, ...]


@dataclass(frozen=True)
class PianoBar:
    """One four-beat bar of a song's piano: its pattern, the chord at each of its beats, its
    place in the 4-bar phrase (bar number from the song's first downbeat), whether the bar
    before it was one too, and what the notes were before they were named by slot."""

    pattern: Pattern
    chords: tuple[Chord, ...]  # the chord at each beat
    phrase_position: int
    follows_bar: bool
    onsets_on_grid: int  # notes whose onset lay on the sixteenth grid
    chord_tones: int  # notes that were tones of their chord
    notes: int


def song_bars(song: AnnotatedSong, tracks: Sequence[str] = PIANO_TRACKS) -> list[PianoBar]:
    """The four-beat bars of a POP909 song that have piano notes under a chord, in order."""
    spans = sorted(span for name in tracks for span in song.tracks.get(name, []))
    if not spans:
        return []
    chords = [_chord(label) for label in song.labels]
    starts = np.array([span[0] for span in spans])
    bars: list[PianoBar] = []
    previous = -1
    for number, (first, after) in enumerate(zip(song.downbeats, song.downbeats[1:], strict=False)):
        if after - first != BEATS or after > len(chords):
            continue
        begin = first * TICKS_PER_BEAT
        low, high = np.searchsorted(starts, [begin, begin + BEATS * TICKS_PER_BEAT])
        bar = _bar(spans[low:high], chords[first:after], begin, number, previous == number - 1)
        if bar is not None:
            bars.append(bar)
            previous = number
    return bars


def _bar(
    spans: Sequence[tuple[int, int, int]],
    chords: Sequence[Chord],
    begin: int,
    number: int,
    follows_bar: bool,
) -> PianoBar | None:
    notes: set[PatternNote] = set()
    on_grid = tones = count = 0
    for start, end, pitch in spans:
        offset = start - begin
        chord = chords[offset // TICKS_PER_BEAT]
        if not chord.is_chord:
            continue
        slot, octave, tone = slot_of(pitch, chord)
        if not OCTAVES[0] <= octave < OCTAVES[1]:
            continue
        onset = min(round(offset / SIXTEENTH), STEPS - 1)
        duration = max(1, min(STEPS - onset, round((end - start) / SIXTEENTH)))
        notes.add((onset, duration, slot, octave))
        on_grid += offset % SIXTEENTH == 0
        tones += tone
        count += 1
    if not notes:
        return None
    pattern = tuple(sorted(notes))
    return PianoBar(pattern, tuple(chords), number % PHRASE, follows_bar, on_grid, tones, count)


def _chord(label: str) -> Chord:
    try:
        return parse_harte(label)
    except ChordError:
        return parse_harte("N")


def token_vector(pattern: Pattern) -> np.ndarray:
    """The pattern as a 0/1 vector over (onset, slot, octave), durations left out: what two
    patterns are compared by."""
    vector = np.zeros(token_count(), dtype=np.float32)
    for onset, _, slot, octave in pattern:
        vector[(onset * SLOTS + slot) * (OCTAVES[1] - OCTAVES[0]) + octave - OCTAVES[0]] = 1.0
    return vector


def token_count() -> int:
    return STEPS * SLOTS * (OCTAVES[1] - OCTAVES[0])
