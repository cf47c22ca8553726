"""Measures of form and surface for one melody, computed the same way for real and generated
melodies: bars that come back, recurring interval patterns, note density, repeated notes, leap
size, silence, syncopation and range. Each function's docstring gives its formula.

Times are on the melody's tick grid (`TICKS_PER_BEAT` ticks a quarter-note beat); bar lines
fall at `pickup_ticks + k * bar_ticks`. Rests are skipped wherever notes are paired.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from server.generation.melody import Melody
from server.generation.notes import TICKS_PER_BEAT, Note

MOTIF_INTERVALS = 5  # a motif is 5 successive intervals, i.e. 6 notes
# A bar's content: (onset in the bar, duration cut at the bar line) of each note, the intervals
# between its notes, and the pitch itself when the bar holds one note only.
BarContent = tuple[tuple[tuple[int, int], ...], tuple[int, ...], int | None]

METRICS = (
    "bar_repetition",
    "motif_recurrence",
    "note_density",
    "repeated_notes",
    "mean_interval",
    "silence",
    "offbeat_onsets",
    "syncopation",
    "pitch_range",
)
# The measures that are shares (0..1) rather than counts or rates.
SHARES = frozenset(
    (
        "bar_repetition",
        "motif_recurrence",
        "repeated_notes",
        "silence",
        "offbeat_onsets",
        "syncopation",
    )
)


def form_metrics(melody: Melody) -> dict[str, float]:
    """Every measure of `METRICS` for one melody, in that order."""
    notes = melody.notes()
    intervals = np.diff([note.pitch for note in notes])
    return {
        "bar_repetition": bar_repetition(melody),
        "motif_recurrence": motif_recurrence(intervals),
        "note_density": note_density(melody),
        "repeated_notes": _share(intervals == 0),
        "mean_interval": float(np.abs(intervals).mean()) if len(intervals) else 0.0,
        "silence": silence(melody),
        "offbeat_onsets": _share([not _on_beat(melody, note.start) for note in notes]),
        "syncopation": syncopation(melody, notes),
        "pitch_range": float(np.ptp([note.pitch for note in notes])) if notes else 0.0,
    }


def full_bars(melody: Melody) -> int:
    """Whole bars after the pickup; a partial last bar is not counted."""
    return max((melody.total_ticks - melody.pickup_ticks) // melody.bar_ticks, 0)


def bar_contents(melody: Melody) -> list[BarContent | None]:
    """The content of every full bar (None for a bar where no note starts)."""
    bar, first = melody.bar_ticks, melody.pickup_ticks
    by_bar: list[list[Note]] = [[] for _ in range(full_bars(melody))]
    for note in melody.notes():
        index = (note.start - first) // bar
        if 0 <= index < len(by_bar):
            by_bar[index].append(note)
    contents: list[BarContent | None] = []
    for index, notes in enumerate(by_bar):
        if not notes:
            contents.append(None)
            continue
        start = first + index * bar
        rhythm = tuple((n.start - start, min(n.end, start + bar) - n.start) for n in notes)
        intervals = tuple(int(b.pitch - a.pitch) for a, b in zip(notes, notes[1:], strict=False))
        contents.append((rhythm, intervals, notes[0].pitch if len(notes) == 1 else None))
    return contents


def bar_repetition(melody: Melody) -> float:
    """Share of full bars that repeat an earlier bar up to transposition: the same onsets and
    durations (cut at the bar line) and the same intervals between its notes. A bar of one note
    repeats only the same pitch (one note has no interval to keep); a bar where no note starts
    never counts as a repeat. Bar 1 played four times: 3 of 4 bars repeat, 0.75."""
    contents = bar_contents(melody)
    seen: set[BarContent] = set()
    repeats = 0
    for content in contents:
        if content is None:
            continue
        repeats += content in seen
        seen.add(content)
    return repeats / len(contents) if contents else 0.0


def motif_recurrence(intervals: np.ndarray, length: int = MOTIF_INTERVALS) -> float:
    """Share of the melody's 5-interval patterns (each run of 5 successive pitch intervals,
    overlapping) whose exact pattern occurs more than once in the melody; 0 with none."""
    grams = [tuple(intervals[i : i + length].tolist()) for i in range(len(intervals) - length + 1)]
    counts = Counter(grams)
    return _share([counts[gram] > 1 for gram in grams])


def note_density(melody: Melody) -> float:
    """Notes per beat (quarter note) over the melody's whole length, rests included."""
    return melody.note_count * TICKS_PER_BEAT / melody.total_ticks if melody.events else 0.0


def silence(melody: Melody) -> float:
    """Share of the melody's length (ticks) that is rest."""
    rests = sum(event.duration for event in melody.events if event.pitch is None)
    return rests / melody.total_ticks if melody.events else 0.0


def syncopation(melody: Melody, notes: list[Note]) -> float:
    """Share of notes that start off the beat and still sound at the next beat: the textbook
    syncopation, an accent displaced from the beat by holding through it."""
    held = []
    for note in notes:
        beat_offset = (note.start - melody.pickup_ticks) % TICKS_PER_BEAT
        held.append(beat_offset != 0 and note.end > note.start - beat_offset + TICKS_PER_BEAT)
    return _share(held)


def _on_beat(melody: Melody, tick: int) -> bool:
    return (tick - melody.pickup_ticks) % TICKS_PER_BEAT == 0


def _share(flags: list[bool] | np.ndarray) -> float:
    """Share of true flags; 0 when there are none."""
    return float(np.mean(flags)) if len(flags) else 0.0
