"""Train the genre classifier: `python -m training.classifier [--hidden 64] [--out DIR]`.

Features from `server.generation.classifier`, a small network trained in NumPy (full-batch
Adam, L2, class-balanced), the epoch with the best validation accuracy kept; held-out test
accuracy (whole pieces and 16-bar excerpts, overall and per genre) printed and written with
the weights to checkpoints/classifier/. The new checkpoint is uncalibrated and claims no "sounds
like" label until `python -m training.calibrate_classifier` has fitted its temperature.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from server.generation.classifier import ClassifierConfig, GenreClassifier, melody_features
from server.generation.melody import GENRES, Event, Melody
from training.dataset import load_splits

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "checkpoints" / "classifier"
EXCERPT_BARS = 16  # conversions are judged on excerpts this long
CROPS_PER_PIECE = 2  # extra random excerpts of each training piece (longer pieces only)
METRICS_FILE = "metrics.json"

log = logging.getLogger(__name__)


def excerpt(melody: Melody, start_bar: int = 0, bars: int = EXCERPT_BARS) -> Melody:
    """`bars` bars of a melody: from its beginning (pickup kept) when `start_bar` is 0, else
    from the bar line `start_bar` full bars after the first one; events cut at the edges."""
    start = 0 if start_bar == 0 else melody.pickup_ticks + start_bar * melody.bar_ticks
    end = (start or melody.pickup_ticks) + bars * melody.bar_ticks
    events, now = [], 0
    for event in melody.events:
        begin, finish = max(now, start), min(now + event.duration, end)
        if finish > begin:
            events.append(Event(event.pitch, finish - begin))
        now += event.duration
    return replace(melody, events=events, pickup_ticks=0 if start else melody.pickup_ticks)


def piece_bars(melody: Melody) -> int:
    return max((melody.total_ticks - melody.pickup_ticks) // melody.bar_ticks, 0)


def training_melodies(pieces: list[Melody], rng: np.random.Generator) -> list[Melody]:
    """Every piece whole, plus random excerpts of the pieces long enough to have them."""
    melodies = list(pieces)
    for piece in pieces:
        spare = piece_bars(piece) - EXCERPT_BARS
        if spare > 0:
            starts = rng.integers(0, spare + 1, size=CROPS_PER_PIECE)
            melodies += [excerpt(piece, int(start)) for start in starts]
    return melodies


def features_and_labels(melodies: list[Melody]) -> tuple[np.ndarray, np.ndarray]:
    features = np.stack([melody_features(melody) for melody in melodies])
    labels = np.array([GENRES.index(melody.genre) for melody in melodies])
    return features, labels


def init_arrays(features: np.ndarray, hidden: int, rng: np.random.Generator) -> dict:
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-3
    width = hidden or len(GENRES)
    arrays = {"mean": mean, "scale": scale}
    arrays["w1"] = rng.normal(0, np.sqrt(2 / features.shape[1]), (features.shape[1], width))
    arrays["b1"] = np.zeros(width)
    if hidden:
        arrays["w2"] = rng.normal(0, np.sqrt(1 / hidden), (hidden, len(GENRES)))
        arrays["b2"] = np.zeros(len(GENRES))
    return arrays


def gradients(
    arrays: dict, z: np.ndarray, targets: np.ndarray, weights: np.ndarray, l2: float
) -> dict:
    """Gradients of the weighted cross-entropy plus L2 for standardized inputs z (n, features)
    and one-hot targets (n, genres); `weights` (n,) sum to 1."""
    hidden = "w2" in arrays
    pre = z @ arrays["w1"] + arrays["b1"]
    activation = np.maximum(pre, 0.0) if hidden else pre
    logits = activation @ arrays["w2"] + arrays["b2"] if hidden else activation
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    delta = (probabilities - targets) * weights[:, None]  # d loss / d logits
    grads = {}
    if hidden:
        grads["w2"], grads["b2"] = activation.T @ delta, delta.sum(axis=0)
        delta = (delta @ arrays["w2"].T) * (pre > 0)
    grads["w1"], grads["b1"] = z.T @ delta, delta.sum(axis=0)
    for name in ("w1", "w2"):
        if name in grads:
            grads[name] += l2 * arrays[name]
    return grads


def accuracy(classifier: GenreClassifier, features: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(classifier.probabilities(features).argmax(axis=1) == labels))


def balanced_accuracy(
    classifier: GenreClassifier, features: np.ndarray, labels: np.ndarray
) -> float:
    """The mean of the per-genre accuracies: folk, most of the corpus, counts as one genre."""
    return float(np.mean(list(per_genre(classifier, features, labels).values())))


def train(train_set, valid_set, args: argparse.Namespace) -> tuple[GenreClassifier, float]:
    """Full-batch Adam; returns the classifier of the best validation epoch (by balanced
    accuracy) and that accuracy."""
    rng = np.random.default_rng(args.seed)
    features, labels = train_set
    arrays = init_arrays(features, args.hidden, rng)
    config = ClassifierConfig(genres=GENRES, hidden=args.hidden)
    z = (features - arrays["mean"]) / arrays["scale"]
    targets = np.eye(len(GENRES))[labels]
    counts = np.bincount(labels, minlength=len(GENRES))
    weights = 1.0 / counts[labels]  # every genre weighs the same in the loss
    weights /= weights.sum()
    moments = {name: (np.zeros_like(a), np.zeros_like(a)) for name, a in arrays.items()}
    best, best_accuracy = None, -1.0
    for epoch in range(1, args.epochs + 1):
        grads = gradients(arrays, z, targets, weights, args.l2)
        for name, grad in grads.items():
            first, second = moments[name]
            first[:] = 0.9 * first + 0.1 * grad
            second[:] = 0.999 * second + 0.001 * grad**2
            corrected = first / (1 - 0.9**epoch), second / (1 - 0.999**epoch)
            arrays[name] -= args.learning_rate * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
        if epoch % 25 == 0:
            candidate = GenreClassifier(config, {k: v.copy() for k, v in arrays.items()})
            valid_accuracy = balanced_accuracy(candidate, *valid_set)
            if valid_accuracy > best_accuracy:
                best, best_accuracy = candidate, valid_accuracy
    return best, best_accuracy


def per_genre(classifier: GenreClassifier, features: np.ndarray, labels: np.ndarray) -> dict:
    predicted = classifier.probabilities(features).argmax(axis=1)
    return {
        genre: float(np.mean(predicted[labels == index] == index))
        for index, genre in enumerate(GENRES)
        if np.any(labels == index)
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.classifier", description=__doc__)
    parser.add_argument("--hidden", type=int, default=64, help="hidden units, 0 = logistic")
    parser.add_argument("--epochs", type=int, default=1500)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    splits = load_splits(args.source)
    rng = np.random.default_rng(args.seed)
    train_set = features_and_labels(training_melodies(splits["train"], rng))
    valid_set = features_and_labels(splits["valid"])
    classifier, valid_accuracy = train(train_set, valid_set, args)
    test_pieces = features_and_labels(splits["test"])
    test_excerpts = features_and_labels([excerpt(piece) for piece in splits["test"]])
    metrics = {
        "train_examples": len(train_set[1]),
        "valid_balanced_accuracy": valid_accuracy,
        "test_pieces": len(test_pieces[1]),
        "test_accuracy": accuracy(classifier, *test_pieces),
        "test_balanced_accuracy": balanced_accuracy(classifier, *test_pieces),
        "test_accuracy_by_genre": per_genre(classifier, *test_pieces),
        "test_excerpt_accuracy": accuracy(classifier, *test_excerpts),
        "test_excerpt_balanced_accuracy": balanced_accuracy(classifier, *test_excerpts),
        "hidden": args.hidden,
    }
    classifier.save(args.out)
    (args.out / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
