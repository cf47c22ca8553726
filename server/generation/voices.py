"""Voice separation: the tune of a part that plays chords or both hands of a piano, as one line
of (start, end, pitch) notes, and the plain skyline it refines.
"""

from __future__ import annotations

import numpy as np

# Voice separation (upper_voice): a part plays chords when a fifth of its onsets sound over
# another note; two voices lie 7+ semitones apart (mean to mean) and explain 60% of the pitch
# variance; the split is looked for within 4 beats either side of each note.
CHORD_SHARE, VOICE_GAP, VOICE_SEPARATION, SPLIT_WINDOW_BEATS = 0.2, 7.0, 0.6, 4.0


def skyline(notes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The highest voice: a note starting while a higher kept note still sounds is dropped."""
    kept: list[tuple[int, int, int]] = []
    for start, end, pitch in sorted(notes, key=lambda note: (note[0], -note[2])):
        if kept and start < kept[-1][1] and pitch <= kept[-1][2]:
            continue
        kept.append((start, end, pitch))
    return kept


def upper_voice(
    notes: list[tuple[int, int, int]], ticks_per_beat: int
) -> list[tuple[int, int, int]]:
    """The tune of a part that plays chords or two hands: the notes are split into an upper and
    a lower voice at the pitch that best separates them around each note (within
    SPLIT_WINDOW_BEATS; the whole part's split where that stretch has one voice only), and the
    skyline of the upper voice is kept. A plain skyline would take the bass notes that sound
    while the tune rests. A part without chords is its own line."""
    if not _plays_chords(notes, ticks_per_beat):
        return skyline(notes)
    pitches = np.array([pitch for _, _, pitch in notes])
    weights = np.array([max(end - start, 1) for start, end, _ in notes], dtype=float)
    beats = np.array([start for start, _, _ in notes]) // ticks_per_beat
    order = np.argsort(beats, kind="stable")
    sorted_beats = beats[order]
    whole = _voice_split(pitches, weights)
    splits = {}  # beat -> the split around it; one per beat, not per note, bounds the work
    for beat in np.unique(beats):
        low, high = np.searchsorted(
            sorted_beats, [beat - SPLIT_WINDOW_BEATS, beat + SPLIT_WINDOW_BEATS + 1]
        )
        near = order[low:high]
        splits[beat] = _voice_split(pitches[near], weights[near])
    kept = []
    for note, beat in zip(notes, beats, strict=True):
        split = whole if splits[beat] is None else splits[beat]
        if split is None or note[2] >= split:
            kept.append(note)
    return skyline(kept)


def _plays_chords(notes: list[tuple[int, int, int]], ticks_per_beat: int) -> bool:
    """True when at least CHORD_SHARE of the onsets fall while another note of the part goes on
    sounding for a sixteenth or more (a legato overlap of a sung line is not a chord)."""
    if len(notes) < 2:
        return False
    ordered = sorted(notes)
    starts = np.array([start for start, _, _ in ordered])
    ends = np.maximum.accumulate(np.array([end for _, end, _ in ordered]))
    overlap = ends[:-1] - starts[1:]  # how long the notes before still sound at each onset
    return bool(np.mean(overlap >= ticks_per_beat / 4) >= CHORD_SHARE)


def _voice_split(pitches: np.ndarray, weights: np.ndarray) -> float | None:
    """The pitch (between two MIDI numbers) that best splits these notes in two voices by
    Otsu's criterion, or None when they do not form two voices VOICE_GAP semitones apart that
    the split explains (between-voice variance at least VOICE_SEPARATION of the total)."""
    if len(pitches) < 2 or pitches.min() == pitches.max():
        return None
    order = np.argsort(pitches)
    pitch, weight = pitches[order].astype(float), weights[order]
    below_weight = np.cumsum(weight)[:-1]
    below_sum = np.cumsum(weight * pitch)[:-1]
    total_weight, total_sum = weight.sum(), (weight * pitch).sum()
    above_weight = total_weight - below_weight
    distinct = pitch[1:] > pitch[:-1]  # a split falls between two different pitches
    low_mean = below_sum / below_weight
    high_mean = (total_sum - below_sum) / np.maximum(above_weight, 1e-9)
    between = below_weight * above_weight * (high_mean - low_mean) ** 2 / total_weight**2
    between = np.where(distinct, between, -1.0)
    best = int(np.argmax(between))
    variance = np.average((pitch - total_sum / total_weight) ** 2, weights=weight)
    if between[best] < VOICE_SEPARATION * variance or high_mean[best] - low_mean[best] < VOICE_GAP:
        return None
    return float((pitch[best] + pitch[best + 1]) / 2)
