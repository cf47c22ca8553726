"""How the chord recognizer's answers are scored against reference labels, per beat: MIREX
"majmin" and "root" (as mir_eval.chord compares them), the confusion by the reference's quality,
chord-change boundaries, and how much of the reference the melody alone can hear at all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from server.generation.chords import INTERVALS, QUALITIES, Chord, ChordError, parse_harte

# Harte shorthands as semitone sets, for the MIREX comparison of the labels as written.
HARTE_TONES = {
    "maj": {0, 4, 7},
    "min": {0, 3, 7},
    "dim": {0, 3, 6},
    "aug": {0, 4, 8},
    "maj7": {0, 4, 7, 11},
    "min7": {0, 3, 7, 10},
    "7": {0, 4, 7, 10},
    "dim7": {0, 3, 6, 9},
    "hdim7": {0, 3, 6, 10},
    "minmaj7": {0, 3, 7, 11},
    "maj6": {0, 4, 7, 9},
    "min6": {0, 3, 7, 9},
    "9": {0, 4, 7, 10, 2},
    "maj9": {0, 4, 7, 11, 2},
    "min9": {0, 3, 7, 10, 2},
    "11": {0, 4, 7, 10, 2, 5},
    "13": {0, 4, 7, 10, 2, 9},
    "sus2": {0, 2, 7},
    "sus4": {0, 5, 7},
    "5": {0, 7},
    "1": {0},
}
# Harte degrees as semitones above the root.
DEGREES = {"1": 0, "b2": 1, "2": 2, "b3": 3, "3": 4, "4": 5, "#4": 6, "b5": 6, "5": 7, "#5": 8}
DEGREES |= {"b6": 8, "6": 9, "bb7": 9, "b7": 10, "7": 11, "b9": 1, "9": 2, "#9": 3, "11": 5}
DEGREES |= {"#11": 6, "b13": 8, "13": 9}
MAJOR_TRIAD, MINOR_TRIAD = frozenset({0, 4, 7}), frozenset({0, 3, 7})
SUMMARY_CLASSES = ("exact", "same maj/min", "root only", "wrong root", "predicted N")


def reference_id(label: str) -> int:
    """The vocabulary id of a reference label (bass left out); -1 for one it cannot read."""
    try:
        return parse_harte(label).id
    except ChordError:
        return -1


def majmin_tones(label: str) -> frozenset[int] | None:
    """The reference's tones below the minor sixth (mir_eval's majmin rule, its bass note
    included) when they make a major or minor triad; empty for no chord; None for a beat the
    comparison leaves out (sus, dim, aug, power chords, "X")."""
    text = label.strip()
    if text == "N":
        return frozenset()
    root, colon, rest = text.partition(":")
    if text == "X" or not root:
        return None
    shorthand, _, bass = (rest if colon else "maj").partition("/")
    base, listed, extra = shorthand.partition("(")
    if base not in HARTE_TONES and (base or not listed):
        return None
    tones = set(HARTE_TONES.get(base or "maj" if not listed else base, set()))
    for degree in extra.rstrip(")").split(",") if listed else []:
        step = DEGREES.get(degree.strip().lstrip("*"))
        if step is not None and degree.strip().startswith("*"):
            tones.discard(step)
        elif step is not None:
            tones.add(step)
    if bass in DEGREES:
        tones.add(DEGREES[bass])
    low = frozenset(tone for tone in tones if tone < 8)
    return low if low in (MAJOR_TRIAD, MINOR_TRIAD) else None


def score_songs(labels: list[list[str]], predicted: list[np.ndarray]) -> dict[str, float]:
    """Share of beats right by "majmin" and by "root", over all songs' beats together."""
    right, counted, roots, labelled = 0, 0, 0, 0
    for song_labels, song_ids in zip(labels, predicted, strict=True):
        for label, chord_id in zip(song_labels, song_ids, strict=True):
            guess = Chord.from_id(int(chord_id))
            reference = reference_chord(label)
            if reference is None:
                continue
            labelled += 1
            roots += reference.root == guess.root
            tones = majmin_tones(label)
            if tones is not None:
                counted += 1
                right += reference.root == guess.root and tones == _low_tones(guess)
    return {
        "majmin": right / max(counted, 1),
        "root": roots / max(labelled, 1),
        "majmin_beats": counted,
        "beats": labelled,
    }


def reference_chord(label: str) -> Chord | None:
    try:
        return parse_harte(label)
    except ChordError:
        return None


def _low_tones(chord: Chord) -> frozenset[int]:
    if chord.quality is None:
        return frozenset()
    return frozenset(tone for tone in INTERVALS[chord.quality] if tone < 8)


def quality_confusion(labels: list[list[str]], predicted: list[np.ndarray]) -> dict[str, Any]:
    """Per reference quality (as the vocabulary reads it; "N" for no chord): its beats and the
    share of them predicted with the exact quality, the same major/minor third, the right
    root only, a wrong root, or no chord."""
    counts: dict[str, Counter[str]] = {}
    for song_labels, song_ids in zip(labels, predicted, strict=True):
        for label, chord_id in zip(song_labels, song_ids, strict=True):
            reference = reference_chord(label)
            if reference is None:
                continue
            name = "N" if reference.quality is None else reference.quality.value
            counts.setdefault(name, Counter())[
                _outcome(reference, Chord.from_id(int(chord_id)))
            ] += 1
    order = ["N", *(q.value for q in QUALITIES)]
    return {
        name: {"beats": sum(counts[name].values())}
        | {
            kind: round(counts[name][kind] / sum(counts[name].values()), 3)
            for kind in SUMMARY_CLASSES
        }
        for name in order
        if name in counts
    }


def _outcome(reference: Chord, guess: Chord) -> str:
    if guess == reference or (guess.id == reference.id):
        return "exact"
    if guess.root is None:
        return "predicted N"
    if guess.root != reference.root:
        return "wrong root"
    if _low_tones(guess) == _low_tones(reference):
        return "same maj/min"
    return "root only"


def boundary_f1(labels: list[list[str]], predicted: list[np.ndarray]) -> dict[str, float]:
    """Chord-change boundaries against the reference's: a predicted change counts as found when
    a reference change falls within one beat of it (each matched once); precision, recall and
    F1 over all songs. A measure of harmonic rhythm, apart from the chords' names."""
    found, guessed, reference = 0, 0, 0
    for song_labels, song_ids in zip(labels, predicted, strict=True):
        ids = [reference_id(label) for label in song_labels]
        truth = [beat for beat in range(1, len(ids)) if ids[beat] != ids[beat - 1]]
        guesses = np.flatnonzero(np.diff(np.asarray(song_ids)) != 0) + 1
        unmatched = set(truth)
        for beat in guesses.tolist():
            near = min(unmatched, key=lambda t: abs(t - beat), default=None)
            if near is not None and abs(near - beat) <= 1:
                unmatched.discard(near)
                found += 1
        guessed += len(guesses)
        reference += len(truth)
    precision, recall = found / max(guessed, 1), found / max(reference, 1)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-12), 4),
    }


def melody_ceiling(
    labels: list[list[str]], beat_profiles: list[np.ndarray], bar_profiles: list[np.ndarray]
) -> dict[str, float]:
    """How much of the reference a melody alone can hear, over the beats "majmin" counts: the
    share in a bar where the melody is silent, in a beat where it is silent, and in a beat where
    it sounds at least one tone of the reference chord (no-chord beats count as silent)."""
    counted, silent_bar, silent_beat, chord_tone = 0, 0, 0, 0
    for song_labels, beats, bars in zip(labels, beat_profiles, bar_profiles, strict=True):
        for label, beat, bar in zip(song_labels, beats, bars, strict=True):
            tones, chord = majmin_tones(label), reference_chord(label)
            if tones is None or chord is None:
                continue
            counted += 1
            silent_bar += not bar.any()
            silent_beat += not beat.any()
            if chord.root is not None:
                chord_tone += bool(beat[[(chord.root + tone) % 12 for tone in tones]].any())
    return {
        name: round(value / max(counted, 1), 4)
        for name, value in (
            ("silent_bar", silent_bar),
            ("silent_beat", silent_beat),
            ("beat_sounds_a_chord_tone", chord_tone),
        )
    }
