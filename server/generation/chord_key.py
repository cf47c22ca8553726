"""The key the chord recognizer reads a piece in, the key's own chords, and whether the notes
are a tune alone.

A tune's pitch set alone often fits several keys ("Mary had a little lamb" sounds only C, D, E
and G, which Krumhansl-Kessler matching hears as E minor), so the recognizer weighs what a
musician hears as tonal evidence beside the pitch profile: where the piece ends (its last note,
the lowest when several start together) and, less, where it begins; and it takes the key
signature written in the file when the notes agree with it. `melody.estimate_key`, which
normalizes the training corpora, is left as it is: this reading is the recognizer's own.

The key's diatonic chords (every tone in the key's scale; in minor the natural or the harmonic
minor) get a prior in the melody-alone scores: a bar of D's in C major is G's, not D major's.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from server.generation.chords import VOCABULARY_SIZE, Chord
from server.generation.melody import MODES, Melody, key_scores

Span = tuple[int, int, int]  # (start tick, end tick, MIDI pitch)
# Added to a key's profile correlation when the piece ends on its tonic, on another tone of its
# tonic triad, and when it begins on a tone of that triad (correlation units).
ENDING_ON_TONIC, ENDING_IN_TRIAD, OPENING_IN_TRIAD = 0.1, 0.03, 0.02
# A written key is kept when this share of the sounding time lies in its scale (its relative
# key's leading tone counted in); its relative key replaces it when SIGNATURE_MARGIN likelier.
SIGNATURE_SCALE_SHARE, SIGNATURE_MARGIN = 0.85, 0.25
# Log-probability added in the melody-alone scores to the key's diatonic chords (tuned on the
# validation songs, `training.chords --tune-prior`) and again to its tonic chords where the tune
# opens and closes: the least that opens "Mary had a little lamb" on C, the validation songs
# scoring 0.25 to 1.0 alike. The checkpoint's own values are used when it has them.
TONIC_AT_ENDS = 1.0
KEY_PRIOR = (0.5, TONIC_AT_ENDS)
LEGATO_TICKS = 3  # a line's notes may overlap by a sixteenth
MAJOR_SCALE = frozenset({0, 2, 4, 5, 7, 9, 11})
MINOR_SCALES = (frozenset({0, 2, 3, 5, 7, 8, 10}), frozenset({0, 2, 3, 5, 7, 8, 11}))


def tune_key(spans: Sequence[Span], *, signature: tuple[int, str] | None = None) -> tuple[int, str]:
    """(tonic pitch class, mode) of the notes: the profile match plus the ending's and the
    opening's evidence, or the written `signature` when the notes agree with it."""
    histogram = pitch_histogram(spans)
    if not histogram.any():
        return signature if signature is not None else (0, "major")
    scores = key_scores(Melody(), histogram) + tonal_evidence(spans)
    best_mode, best_tonic = np.unravel_index(int(np.argmax(scores)), scores.shape)
    if signature is not None and _in_scale_share(histogram, signature) >= SIGNATURE_SCALE_SHARE:
        written = (MODES.index(signature[1]), signature[0] % 12)
        relative = _relative(written)
        kept = relative if scores[relative] > scores[written] + SIGNATURE_MARGIN else written
        return kept[1], MODES[kept[0]]
    return int(best_tonic), MODES[int(best_mode)]


def single_line(spans: Sequence[Span]) -> bool:
    """Whether the notes are one line: no two start together, and none starts more than a
    sixteenth before the one before it ends (a tune alone, not an arrangement)."""
    ordered = sorted(spans)
    return all(
        later[0] > earlier[0] and later[0] >= earlier[1] - LEGATO_TICKS
        for earlier, later in zip(ordered, ordered[1:], strict=False)
    )


def pitch_histogram(spans: Sequence[Span]) -> np.ndarray:
    """(12,) sounding time of each pitch class."""
    histogram = np.zeros(12)
    for start, end, pitch in spans:
        histogram[pitch % 12] += max(end - start, 0)
    return histogram


def tonal_evidence(spans: Sequence[Span]) -> np.ndarray:
    """(2, 12) per mode and tonic: the bonus of the piece's last and first notes (the lowest of
    those starting at the last and first onsets)."""
    evidence = np.zeros((2, 12))
    if not spans:
        return evidence
    last = max(start for start, _, _ in spans)
    first = min(start for start, _, _ in spans)
    ending = min(pitch for start, _, pitch in spans if start == last) % 12
    opening = min(pitch for start, _, pitch in spans if start == first) % 12
    for mode_index, third in enumerate((4, 3)):
        for tonic in range(12):
            triad = {tonic, (tonic + third) % 12, (tonic + 7) % 12}
            if ending == tonic:
                evidence[mode_index, tonic] += ENDING_ON_TONIC
            elif ending in triad:
                evidence[mode_index, tonic] += ENDING_IN_TRIAD
            if opening in triad:
                evidence[mode_index, tonic] += OPENING_IN_TRIAD
    return evidence


def _relative(key: tuple[int, int]) -> tuple[int, int]:
    """(mode index, tonic) of the relative major or minor."""
    mode_index, tonic = key
    return (1, (tonic + 9) % 12) if mode_index == 0 else (0, (tonic + 3) % 12)


def _in_scale_share(histogram: np.ndarray, key: tuple[int, str]) -> float:
    tonic, mode = key
    major = tonic % 12 if mode == "major" else (tonic + 3) % 12
    scale = {(major + step) % 12 for step in MAJOR_SCALE} | {(major + 8) % 12}
    return float(histogram[sorted(scale)].sum() / histogram.sum())


def key_prior(
    key: tuple[int, str], sounding: np.ndarray, bars: np.ndarray, diatonic: float, ends: float
) -> np.ndarray:
    """(beats, VOCABULARY_SIZE) log-probability added to each chord at each beat: `diatonic` to
    the key's diatonic chords, and `ends` more to its tonic chords in the first bar the tune
    sounds in and on its last sounding beat (`sounding` (beats,) bool, `bars` (beats,) the
    bar index of each beat): a tune opens and closes on its tonic."""
    inside = diatonic_chords(key)
    roots = np.array([-1] + [Chord.from_id(i).root for i in range(1, VOCABULARY_SIZE)])
    result = np.tile(diatonic * inside, (len(sounding), 1))
    heard = np.flatnonzero(sounding)
    if len(heard):
        ending = np.zeros(len(sounding), dtype=bool)
        ending[bars == bars[heard[0]]] = True
        ending[heard[-1]] = True
        result[np.ix_(ending, inside & (roots == key[0] % 12))] += ends
    return result


@cache
def diatonic_chords(key: tuple[int, str]) -> np.ndarray:
    """(VOCABULARY_SIZE,) True for the chords whose every tone lies in the key's scale (in
    minor: in the natural or in the harmonic minor)."""
    tonic, mode = key
    scales = (MAJOR_SCALE,) if mode == "major" else MINOR_SCALES
    shifted = [frozenset((tonic + step) % 12 for step in scale) for scale in scales]
    inside = np.zeros(VOCABULARY_SIZE, dtype=bool)
    for chord_id in range(1, VOCABULARY_SIZE):
        tones = Chord.from_id(chord_id).pitch_classes()
        inside[chord_id] = any(tones <= scale for scale in shifted)
    return inside
