"""Fit and measure the chord recognizer: `python -m training.chords --fit` fits each mode's
model (the arrangement's linear scores on the POP909 training songs, the melody's network on
the POP909 and RS200 training songs) and its change costs on the validation songs;
`--evaluate [--json]` scores it per beat on the held-out POP909 and RS200 songs.

Scores follow MIREX (mir_eval.chord): "majmin" compares root and major/minor third, counting
only beats whose reference is a major or minor chord (sevenths and sixths included: only the
tones up to the fifth count) or no chord; "root" compares roots on every labelled beat.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.chord_linear import PROFILE_BLOCKS, RecognizerWeights, chord_logits
from server.generation.chord_network import ChordNetwork
from server.generation.chord_recognizer import (
    ARRANGEMENT,
    CHECKPOINT_DIR,
    MELODY_ONLY,
    MODES,
    Recognizer,
    bar_positions,
    beat_features,
    decode,
    key_of_features,
)
from server.generation.chords import (
    INTERVALS,
    QUALITIES,
    VOCABULARY_SIZE,
    Chord,
    Quality,
)
from training.chord_corpora import (
    AnnotatedSong,
    list_pop909,
    list_rs200,
    read_pop909,
    read_rs200,
    song_split,
)
from training.chord_network import fit_network, network_song
from training.chord_scores import (
    SUMMARY_CLASSES,
    boundary_f1,
    melody_ceiling,
    quality_confusion,
    reference_id,
    score_songs,
)
from training.corpora import shared_data_dir

log = logging.getLogger(__name__)

SEED = 909
MAX_TRAIN_BEATS = 80_000  # beats drawn from the training songs to fit on
STEPS, LEARNING_RATE, L2 = 250, 0.05, 1e-4  # full-batch Adam
COST_GRID = (-3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)  # in log-probability
TRANSITION_PRIOR = 0.5  # pseudo-count of every chord change
TRANSITION_SCALES = (0.5, 0.0)  # weights of the transition scores tried after full weight


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fit", action="store_true", help="fit the weights, write checkpoints")
    parser.add_argument("--evaluate", action="store_true", help="score on held-out songs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--data", type=Path, default=None, help="folder holding pop909/, rs200/")
    parser.add_argument("--out", type=Path, default=CHECKPOINT_DIR)
    parser.add_argument("--mode", choices=MODES, help="fit this mode only (default: both)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = args.data or shared_data_dir()
    if args.fit:
        fit_all(data, args.out, (args.mode,) if args.mode else MODES)
    if args.evaluate or not args.fit:
        weights = {mode: load_model(args.out, mode) for mode in MODES}
        report = evaluate(data, weights)
        print(json.dumps(report, indent=2) if args.json else format_report(report))


def load_model(folder: Path, mode: str) -> Recognizer:
    path = folder / f"{mode}.npz"
    return ChordNetwork.load(path) if mode == MELODY_ONLY else RecognizerWeights.load(path)


# --- the data ------------------------------------------------------------------------------


def pop909_songs(data: Path, split: str) -> Iterator[AnnotatedSong]:
    for path in list_pop909(data / "pop909"):
        if song_split(path) == split:
            yield read_pop909(path)


def rs200_songs(data: Path, split: str) -> Iterator[AnnotatedSong]:
    for path in list_rs200(data / "rs200"):
        if song_split(path) != split:
            continue
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
    bar_ticks: int
    pickup_ticks: int

    def scores(self, model: Recognizer) -> np.ndarray:
        """(beats, VOCABULARY_SIZE) the model's log-probabilities of every chord."""
        return model.scores(self.features, self.loudness, self.bar_ticks, self.pickup_ticks)

    def decode(self, model: Recognizer, scores: np.ndarray) -> np.ndarray:
        """The recognizer's chord ids: the scores smoothed as the model's change costs say."""
        moves = model.moves(key_of_features(self.features))
        return decode(scores, model.change_cost[self.positions], moves)


def song_beats(song: AnnotatedSong, mode: str) -> SongBeats:
    spans = song.arrangement if mode == ARRANGEMENT else song.melody
    count = len(song.labels)
    features, loudness = beat_features(
        spans, song.bar_ticks, song.pickup_ticks, beats=count, key=song.key
    )
    positions = bar_positions(count, song.bar_ticks, song.pickup_ticks)
    return SongBeats(features, loudness, positions, song.labels, song.bar_ticks, song.pickup_ticks)


# --- fitting -------------------------------------------------------------------------------


def fit_all(data: Path, out: Path, modes: tuple[str, ...] = MODES) -> None:
    out.mkdir(parents=True, exist_ok=True)
    train = list(pop909_songs(data, "train"))
    valid = list(pop909_songs(data, "valid"))
    log.info("POP909: %d training songs, %d validation songs", len(train), len(valid))
    if ARRANGEMENT in modes:
        started = time.perf_counter()
        fit_arrangement(train, valid).save(out / f"{ARRANGEMENT}.npz")
        log.info("%s: fitted in %.0f s", ARRANGEMENT, time.perf_counter() - started)
    if MELODY_ONLY in modes:
        started = time.perf_counter()
        train += list(rs200_songs(data, "train"))
        valid += list(rs200_songs(data, "valid"))
        log.info("with RS200: %d training songs, %d validation songs", len(train), len(valid))
        fit_melody(train, valid).save(out / f"{MELODY_ONLY}.npz")
        log.info("%s: fitted in %.0f s", MELODY_ONLY, time.perf_counter() - started)


def fit_arrangement(train: list[AnnotatedSong], valid: list[AnnotatedSong]) -> RecognizerWeights:
    """The linear scores, their transition table and the change costs."""
    train_beats = [song_beats(song, ARRANGEMENT) for song in train]
    weights = fit_weights(train_beats)
    weights = replace(weights, transitions=fit_transitions(train_beats))
    costs, transitions = tune_change_costs(
        weights, [song_beats(song, ARRANGEMENT) for song in valid]
    )
    assert transitions is not None  # the linear model always has its table
    return replace(weights, change_cost=costs, transitions=transitions)


def fit_melody(train: list[AnnotatedSong], valid: list[AnnotatedSong]) -> ChordNetwork:
    """The melody network (stopped on the validation songs' loss) and its change costs."""
    network = fit_network([network_song(s) for s in train], [network_song(s) for s in valid])
    costs, _ = tune_change_costs(network, [song_beats(song, MELODY_ONLY) for song in valid])
    return network.with_change_cost(costs)


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


def tune_change_costs(
    model: Recognizer, songs: list[SongBeats]
) -> tuple[np.ndarray, np.ndarray | None]:
    """The change cost per bar position (one position at a time, twice over), then for the
    linear model the weight of its transition scores, that score best ("majmin") on the
    validation songs."""
    scored = [(song.scores(model), song) for song in songs]
    keys = [key_of_features(song.features) for song in songs]
    linear = model if isinstance(model, RecognizerWeights) else None

    def accuracy(costs: np.ndarray, transitions: np.ndarray | None) -> float:
        tables = [
            None
            if linear is None or transitions is None
            else replace(linear, transitions=transitions).key_transitions(key)
            for key in keys
        ]
        predicted = [
            decode(scores, costs[song.positions], table)
            for (scores, song), table in zip(scored, tables, strict=True)
        ]
        return score_songs([s.labels for _, s in scored], predicted)["majmin"]

    costs = model.change_cost.copy()
    transitions = None if linear is None else linear.transitions
    best = accuracy(costs, transitions)
    for _ in range(2):
        for position in range(3):
            for value in COST_GRID:
                candidate = costs.copy()
                candidate[position] = value
                if (result := accuracy(candidate, transitions)) > best:
                    best, costs = result, candidate
    for scale in TRANSITION_SCALES if linear is not None else ():
        scaled = linear.transitions * scale  # type: ignore[union-attr]
        if (result := accuracy(costs, scaled)) > best:
            best, transitions = result, scaled
    log.info("change costs %s: validation majmin %.3f", costs.tolist(), best)
    return costs, transitions


# --- evaluation ----------------------------------------------------------------------------


def evaluate(data: Path, models: dict[str, Recognizer]) -> dict[str, Any]:
    """Per corpus and mode: majmin and root accuracy of the recognizer and of its baselines,
    the recognizer's confusion by quality and its chord-change boundaries, and (melody mode)
    how much of the reference the melody sounds. RS200 has the tune only: melody mode alone."""
    started = time.perf_counter()
    report: dict[str, Any] = {
        "split": "held-out test songs, split 80/10/10 as the melody network splits them"
    }
    if (data / "pop909").is_dir():
        songs = list(pop909_songs(data, "test"))
        report["pop909_test"] = {
            mode: evaluate_mode(songs, mode, models[mode]) for mode in MODES
        } | {"songs": len(songs)}
    if (data / "rs200").is_dir():
        songs = list(rs200_songs(data, "test"))
        report["rs200_test"] = {
            MELODY_ONLY: evaluate_mode(songs, MELODY_ONLY, models[MELODY_ONLY]),
            "songs": len(songs),
        }
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def evaluate_mode(songs: list[AnnotatedSong], mode: str, model: Recognizer) -> dict[str, Any]:
    beats = [song_beats(song, mode) for song in songs]
    labels = [song.labels for song in beats]
    scores = [song.scores(model) for song in beats]
    methods: dict[str, Callable[[SongBeats, np.ndarray], np.ndarray]] = {
        "tonic triad of the key": lambda song, _: tonic_triads(song),
        "triad templates, no smoothing": lambda song, _: triad_templates(song),
        "model, no smoothing": lambda _, log_probs: np.argmax(log_probs, axis=1),
        "recognizer": lambda song, log_probs: song.decode(model, log_probs),
    }
    results: dict[str, Any] = {}
    for name, method in methods.items():
        predicted = [method(song, log_probs) for song, log_probs in zip(beats, scores, strict=True)]
        results[name] = {
            key: _rounded(value) for key, value in score_songs(labels, predicted).items()
        }
    report = {
        "methods": results,
        "confusion": quality_confusion(labels, predicted),
        "boundaries": boundary_f1(labels, predicted),
    }
    if mode == MELODY_ONLY:
        report["melody"] = melody_ceiling(
            labels, [s.features[:, 0] for s in beats], [s.features[:, 4] for s in beats]
        )
        sounding = [  # the beats of bars where the melody sounds; an unreadable label elsewhere
            [
                label if bar.any() else "?"
                for label, bar in zip(s.labels, s.features[:, 4], strict=True)
            ]
            for s in beats
        ]
        report["melody"]["recognizer_where_the_bar_has_melody"] = {
            key: _rounded(value) for key, value in score_songs(sounding, predicted).items()
        }
    return report


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
    for corpus in ("pop909_test", "rs200_test"):
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
            bounds = report[corpus][mode]["boundaries"]
            lines.append(
                f"  chord changes within a beat: precision {bounds['precision']:.3f}"
                f"  recall {bounds['recall']:.3f}  F1 {bounds['f1']:.3f}"
            )
            if "melody" in report[corpus][mode]:
                heard = report[corpus][mode]["melody"]
                lines.append(
                    f"  melody silent in the bar {heard['silent_bar']:.3f}, in the beat "
                    f"{heard['silent_beat']:.3f}; sounds a chord tone in the beat "
                    f"{heard['beat_sounds_a_chord_tone']:.3f}"
                )
                where = heard["recognizer_where_the_bar_has_melody"]
                lines.append(
                    f"  recognizer where the bar has melody: majmin {where['majmin']:.3f}"
                    f"  root {where['root']:.3f}  ({where['majmin_beats']} beats)"
                )
            lines.append("")
    lines.append(f"evaluated in {report['seconds']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
