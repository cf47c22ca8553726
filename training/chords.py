"""Fit and measure the chord recognizer: `python -m training.chords --fit` fits each mode's
weights on the POP909 training songs and its change costs on the validation songs;
`--evaluate [--json]` scores it per beat on the held-out POP909 songs and on RS200.

Scores follow MIREX (mir_eval.chord): "majmin" compares root and major/minor third, counting
only beats whose reference is a major or minor chord (sevenths and sixths included: only the
tones up to the fifth count) or no chord; "root" compares roots on every labelled beat.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.chord_recognizer import (
    ARRANGEMENT,
    CHECKPOINT_DIR,
    MELODY_ONLY,
    MODES,
    PROFILE_BLOCKS,
    RecognizerWeights,
    bar_positions,
    beat_features,
    chord_log_probabilities,
    chord_logits,
    key_of_features,
    smooth,
)
from server.generation.chords import (
    INTERVALS,
    QUALITIES,
    VOCABULARY_SIZE,
    Chord,
    ChordError,
    Quality,
    parse_harte,
)
from training.chord_corpora import (
    AnnotatedSong,
    list_pop909,
    list_rs200,
    read_pop909,
    read_rs200,
    song_split,
)
from training.corpora import shared_data_dir

log = logging.getLogger(__name__)

SEED = 909
MAX_TRAIN_BEATS = 80_000  # beats drawn from the training songs to fit on
STEPS, LEARNING_RATE, L2 = 250, 0.05, 1e-4  # full-batch Adam
COST_GRID = (-3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)  # in log-probability
TRANSITION_PRIOR = 0.5  # pseudo-count of every chord change
TRANSITION_SCALES = (0.5, 0.0)  # weights of the transition scores tried after full weight
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fit", action="store_true", help="fit the weights, write checkpoints")
    parser.add_argument("--evaluate", action="store_true", help="score on held-out songs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--data", type=Path, default=None, help="folder holding pop909/, rs200/")
    parser.add_argument("--out", type=Path, default=CHECKPOINT_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = args.data or shared_data_dir()
    if args.fit:
        fit_all(data, args.out)
    if args.evaluate or not args.fit:
        weights = {mode: RecognizerWeights.load(args.out / f"{mode}.npz") for mode in MODES}
        report = evaluate(data, weights)
        print(json.dumps(report, indent=2) if args.json else format_report(report))


# --- the data ------------------------------------------------------------------------------


def pop909_songs(data: Path, split: str) -> Iterator[AnnotatedSong]:
    for path in list_pop909(data / "pop909"):
        if song_split(path) == split:
            yield read_pop909(path)


def rs200_songs(data: Path) -> Iterator[AnnotatedSong]:
    for path in list_rs200(data / "rs200"):
        try:
            yield read_rs200(path)
        except ValueError as error:
            log.warning("skipping %s: %s", path.name, error)


@dataclass
class SongBeats:
    """One song's beats as the recognizer sees them in one mode, with the reference."""

    features: np.ndarray  # (beats, blocks, 12)
    loudness: np.ndarray  # (beats, PROFILE_BLOCKS)
    positions: np.ndarray  # (beats,) bar position kind
    labels: list[str]


def song_beats(song: AnnotatedSong, mode: str) -> SongBeats:
    spans = song.arrangement if mode == ARRANGEMENT else song.melody
    count = len(song.labels)
    features, loudness = beat_features(
        spans, song.bar_ticks, song.pickup_ticks, beats=count, key=song.key
    )
    positions = bar_positions(count, song.bar_ticks, song.pickup_ticks)
    return SongBeats(features, loudness, positions, song.labels)


def reference_id(label: str) -> int:
    """The vocabulary id of a reference label (bass left out); -1 for one it cannot read."""
    try:
        return parse_harte(label).id
    except ChordError:
        return -1


# --- fitting -------------------------------------------------------------------------------


def fit_all(data: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    train = list(pop909_songs(data, "train"))
    valid = list(pop909_songs(data, "valid"))
    log.info("POP909: %d training songs, %d validation songs", len(train), len(valid))
    for mode in MODES:
        started = time.perf_counter()
        train_beats = [song_beats(song, mode) for song in train]
        weights = fit_weights(train_beats)
        weights = replace(weights, transitions=fit_transitions(train_beats))
        valid_beats = [song_beats(song, mode) for song in valid]
        weights = tune_change_costs(weights, valid_beats)
        weights.save(out / f"{mode}.npz")
        log.info("%s: fitted in %.0f s", mode, time.perf_counter() - started)


def fit_weights(songs: list[SongBeats]) -> RecognizerWeights:
    """Multinomial logistic regression over the vocabulary, weights shared by all roots."""
    features = np.concatenate([song.features for song in songs])
    loudness = np.concatenate([song.loudness for song in songs])
    targets = np.array([reference_id(label) for song in songs for label in song.labels])
    keep = np.flatnonzero(targets >= 0)
    rng = np.random.default_rng(SEED)
    if len(keep) > MAX_TRAIN_BEATS:
        keep = np.sort(rng.choice(keep, MAX_TRAIN_BEATS, replace=False))
    features, loudness, targets = features[keep], loudness[keep], targets[keep]
    log.info("fitting on %d beats", len(targets))
    params = {
        "weights": np.zeros((len(QUALITIES), features.shape[1], 12)),
        "bias": np.zeros(len(QUALITIES)),
        "no_chord": np.zeros(PROFILE_BLOCKS + 1),
    }
    moments = {name: (np.zeros_like(value), np.zeros_like(value)) for name, value in params.items()}
    for step in range(1, STEPS + 1):
        loss, grads = _loss_and_gradients(params, features, loudness, targets)
        for name, grad in grads.items():
            first, second = moments[name]
            first[:] = 0.9 * first + 0.1 * grad
            second[:] = 0.999 * second + 0.001 * grad**2
            corrected = first / (1 - 0.9**step), second / (1 - 0.999**step)
            params[name] -= LEARNING_RATE * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
        if step % 50 == 0:
            log.info("step %d: cross-entropy %.4f", step, loss)
    transitions = np.zeros((2, VOCABULARY_SIZE, VOCABULARY_SIZE))
    return RecognizerWeights(**params, change_cost=np.full(3, 1.0), transitions=transitions)


def _loss_and_gradients(
    params: dict[str, np.ndarray], features: np.ndarray, loudness: np.ndarray, targets: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    count = len(targets)
    logits = chord_logits(features, loudness, params["weights"], params["bias"], params["no_chord"])
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    loss = -float(np.mean(np.log(probabilities[np.arange(count), targets] + 1e-12)))
    error = probabilities
    error[np.arange(count), targets] -= 1.0
    error /= count
    by_root = error[:, 1:]  # (beats, 12 roots * qualities)
    rotated = (features.reshape(count, -1).T @ by_root).reshape(features.shape[1], 12, 12, -1)
    weight_grad = sum(np.roll(rotated[:, :, root, :], -root, axis=1) for root in range(12))
    grads = {
        "weights": np.asarray(weight_grad).transpose(2, 0, 1) + L2 * params["weights"],
        "bias": by_root.reshape(count, 12, -1).sum(axis=(0, 1)),
        "no_chord": np.append(loudness.T @ error[:, 0], error[:, 0].sum()),
    }
    return loss, grads


def fit_transitions(songs: list[SongBeats]) -> np.ndarray:
    """(2 modes, chords, chords) log-probability of the next chord given the last at a change,
    counted on the reference labels moved to a C tonic (the key as the recognizer hears it)."""
    counts = np.full((2, VOCABULARY_SIZE, VOCABULARY_SIZE), TRANSITION_PRIOR)
    for song in songs:
        tonic, mode = key_of_features(song.features)
        moved = [reference_id(label) for label in song.labels]
        moved = [-1 if c < 0 else Chord.from_id(c).transposed(-tonic).id for c in moved]
        for before, after in zip(moved, moved[1:], strict=False):
            if before >= 0 and after >= 0 and before != after:
                counts[0 if mode == "major" else 1, before, after] += 1
    for table in counts:
        np.fill_diagonal(table, 0.0)
    result: np.ndarray = np.log(counts / counts.sum(axis=2, keepdims=True) + 1e-12)
    return result


def tune_change_costs(weights: RecognizerWeights, songs: list[SongBeats]) -> RecognizerWeights:
    """The change cost per bar position (one position at a time, twice over), then the weight
    of the transition scores, that score best ("majmin") on the validation songs."""
    scored = [(chord_log_probabilities(s.features, s.loudness, weights), s) for s in songs]
    keys = [key_of_features(song.features) for song in songs]

    def accuracy(costs: np.ndarray, transitions: np.ndarray) -> float:
        tuned = replace(weights, change_cost=costs, transitions=transitions)
        predicted = [
            smooth(scores, costs[song.positions], tuned.key_transitions(key))
            for (scores, song), key in zip(scored, keys, strict=True)
        ]
        return score_songs([s.labels for _, s in scored], predicted)["majmin"]

    costs, transitions = weights.change_cost.copy(), weights.transitions
    best = accuracy(costs, transitions)
    for _ in range(2):
        for position in range(3):
            for value in COST_GRID:
                candidate = costs.copy()
                candidate[position] = value
                if (result := accuracy(candidate, transitions)) > best:
                    best, costs = result, candidate
    for scale in TRANSITION_SCALES:
        if (result := accuracy(costs, transitions * scale)) > best:
            best, transitions = result, weights.transitions * scale
    log.info("change costs %s: validation majmin %.3f", costs.tolist(), best)
    return replace(weights, change_cost=costs, transitions=transitions)


# --- scoring -------------------------------------------------------------------------------


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
            reference = _reference_chord(label)
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


def _reference_chord(label: str) -> Chord | None:
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
            reference = _reference_chord(label)
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


# --- evaluation ----------------------------------------------------------------------------


def evaluate(data: Path, weights: dict[str, RecognizerWeights]) -> dict[str, Any]:
    """Per corpus and mode: majmin and root accuracy of the recognizer and of its baselines,
    and the recognizer's confusion by quality. RS200 has the tune only: melody mode alone."""
    started = time.perf_counter()
    report: dict[str, Any] = {
        "split": "POP909 songs split as the melody network splits them (80/10/10)"
    }
    if (data / "pop909").is_dir():
        songs = list(pop909_songs(data, "test"))
        report["pop909_test"] = {
            mode: evaluate_mode(songs, mode, weights[mode]) for mode in MODES
        } | {"songs": len(songs)}
    if (data / "rs200").is_dir():
        songs = list(rs200_songs(data))
        report["rs200"] = {MELODY_ONLY: evaluate_mode(songs, MELODY_ONLY, weights[MELODY_ONLY])}
        report["rs200"]["songs"] = len(songs)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def evaluate_mode(
    songs: list[AnnotatedSong], mode: str, weights: RecognizerWeights
) -> dict[str, Any]:
    beats = [song_beats(song, mode) for song in songs]
    labels = [song.labels for song in beats]
    scores = [chord_log_probabilities(s.features, s.loudness, weights) for s in beats]
    methods: dict[str, Callable[[SongBeats, np.ndarray], np.ndarray]] = {
        "tonic triad of the key": lambda song, _: tonic_triads(song),
        "triad templates, no smoothing": lambda song, _: triad_templates(song),
        "model, no smoothing": lambda _, log_probs: np.argmax(log_probs, axis=1),
        "recognizer": lambda song, log_probs: smooth(
            log_probs,
            weights.change_cost[song.positions],
            weights.key_transitions(key_of_features(song.features)),
        ),
    }
    results: dict[str, Any] = {}
    for name, method in methods.items():
        predicted = [method(song, log_probs) for song, log_probs in zip(beats, scores, strict=True)]
        results[name] = {
            key: _rounded(value) for key, value in score_songs(labels, predicted).items()
        }
    return {"methods": results, "confusion": quality_confusion(labels, predicted)}


def tonic_triads(song: SongBeats) -> np.ndarray:
    """The baseline that always answers the key's tonic triad (the key as the recognizer
    estimated it)."""
    key_blocks = song.features[:, -2:, :].reshape(len(song.features), -1)
    mode, tonic = np.divmod(np.argmax(key_blocks, axis=1), 12)
    quality = np.where(mode == 0, QUALITIES.index(Quality.MAJ), QUALITIES.index(Quality.MIN))
    return 1 + tonic * len(QUALITIES) + quality


def triad_templates(song: SongBeats) -> np.ndarray:
    """The baseline of binary major and minor triad templates matched against each beat's own
    pitch classes, no chord where the beat is silent, no smoothing."""
    profile = song.features[:, 0, :]
    ids = np.zeros(len(profile), dtype=np.int64)
    best = np.full(len(profile), 0.0)
    for quality in (Quality.MAJ, Quality.MIN):
        for root in range(12):
            tones = [(root + step) % 12 for step in INTERVALS[quality]]
            fit = profile[:, tones].sum(axis=1)
            better = fit > best
            ids[better] = Chord(root, quality).id
            best[better] = fit[better]
    return ids


def _rounded(value: float) -> float:
    return round(value, 4) if isinstance(value, float) else value


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Chord recognizer, per beat ({report['split']})", ""]
    for corpus in ("pop909_test", "rs200"):
        if corpus not in report:
            continue
        for mode in MODES:
            if mode not in report[corpus]:
                continue
            lines.append(f"{corpus} ({report[corpus]['songs']} songs), from the {mode}:")
            for name, result in report[corpus][mode]["methods"].items():
                lines.append(
                    f"  {name:32} majmin {result['majmin']:.3f}  root {result['root']:.3f}"
                    f"  ({result['majmin_beats']} / {result['beats']} beats)"
                )
            lines.append("  confusion by reference quality (share of its beats):")
            lines.append(
                "    " + f"{'quality':8}{'beats':>7}" + "".join(f"{k:>14}" for k in SUMMARY_CLASSES)
            )
            for quality, row in report[corpus][mode]["confusion"].items():
                shares = "".join(f"{row[k]:>14.3f}" for k in SUMMARY_CLASSES)
                lines.append(f"    {quality:8}{row['beats']:>7}{shares}")
            lines.append("")
    lines.append(f"evaluated in {report['seconds']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
