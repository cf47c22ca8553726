"""Tell real melodies from generated ones: features of rhythm, intervals and repetition (the form
measures plus interval, duration and beat-position histograms), an L2-regularized logistic
regression in NumPy, and piece-grouped k-fold cross-validation (the excerpts of one piece never
stand on both sides of a fold) that reports balanced accuracy: 0.5 means indistinguishable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from server.generation.calibration import DURATION_BINS, INTERVAL_BINS, duration_bins, interval_bins
from server.generation.melody import Melody
from server.generation.notes import TICKS_PER_BEAT
from training.form_metrics import METRICS, form_metrics

REAL, GENERATED = 1, 0  # labels
# Onset position inside its beat (ticks from the beat): eighths, sixteenths, triplets, other.
BEAT_POSITIONS = {
    0: "on_beat",
    6: "eighth",
    3: "sixteenth",
    9: "sixteenth",
    4: "triplet",
    8: "triplet",
}
POSITION_NAMES = ("on_beat", "eighth", "sixteenth", "triplet", "other")
FEATURE_NAMES = (
    *METRICS,
    *(f"interval_{name}" for name in INTERVAL_BINS),
    *(f"duration_{name}" for name in DURATION_BINS),
    *(f"onset_{name}" for name in POSITION_NAMES),
)


def features(melody: Melody) -> np.ndarray:
    """(len(FEATURE_NAMES),) the form measures, then the normalized interval, duration and
    onset-position histograms of the melody's notes."""
    notes = melody.notes()
    intervals = np.diff([note.pitch for note in notes])
    durations = np.array([note.duration for note in notes])
    positions = [
        POSITION_NAMES.index(
            BEAT_POSITIONS.get((note.start - melody.pickup_ticks) % TICKS_PER_BEAT, "other")
        )
        for note in notes
    ]
    measures = form_metrics(melody)
    return np.concatenate(
        [
            [measures[name] for name in METRICS],
            _histogram(interval_bins(intervals), len(INTERVAL_BINS)),
            _histogram(duration_bins(durations), len(DURATION_BINS)),
            _histogram(np.array(positions, dtype=int), len(POSITION_NAMES)),
        ]
    )


def _histogram(bins: np.ndarray, size: int) -> np.ndarray:
    counts = np.bincount(bins.astype(int), minlength=size).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


@dataclass
class LogisticRegression:
    """Logistic regression on standardized features, fitted by Newton's method with an L2
    penalty `l2` on the weights (not the bias); each class weighs the same in the loss."""

    l2: float = 1.0
    iterations: int = 50
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale: np.ndarray = field(default_factory=lambda: np.ones(0))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(1))  # bias first

    def fit(self, x: np.ndarray, y: np.ndarray) -> LogisticRegression:
        """`x` (n, features), `y` (n,) of 0 and 1."""
        self.mean, self.scale = x.mean(axis=0), x.std(axis=0) + 1e-6
        z = self._design(x)
        counts = np.bincount(y, minlength=2).astype(np.float64)
        sample = (len(y) / (2 * np.maximum(counts, 1)))[y]  # (n,) balanced class weights
        penalty = np.full(z.shape[1], self.l2)
        penalty[0] = 1e-8  # the bias is free
        w = np.zeros(z.shape[1])
        for _ in range(self.iterations):
            p = _sigmoid(z @ w)
            gradient = z.T @ (sample * (p - y)) + penalty * w
            hessian = (z * (sample * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        self.weights = w
        return self

    def probability(self, x: np.ndarray) -> np.ndarray:
        """(n,) probability of the label 1."""
        return _sigmoid(self._design(x) @ self.weights)

    def _design(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.scale
        return np.concatenate([np.ones((len(x), 1)), z], axis=1)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -500, 500)))


def grouped_folds(labels: np.ndarray, groups: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """(n,) fold index of every sample: whole groups go to one fold, each class's groups dealt
    round-robin in a seeded random order so both classes spread over all folds."""
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        names = np.unique(groups[labels == label])
        for position, name in enumerate(rng.permutation(names)):
            folds[(groups == name) & (labels == label)] = position % k
    return folds


def balanced_accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Mean over the two classes of the share of that class predicted right."""
    return float(np.mean([np.mean(predicted[labels == c] == c) for c in np.unique(labels)]))


def cross_validate(
    x: np.ndarray, labels: np.ndarray, groups: np.ndarray, k: int = 5, seed: int = 0
) -> dict[str, float | int]:
    """Out-of-fold balanced accuracy of the discriminator over `k` piece-grouped folds (fewer
    when a class has fewer than `k` groups)."""
    k = int(min(k, *(len(np.unique(groups[labels == c])) for c in (REAL, GENERATED))))
    if k < 2:
        raise ValueError("cross-validation needs at least two pieces of each class")
    folds = grouped_folds(labels, groups, k, seed)
    predicted = np.zeros(len(labels), dtype=int)
    for fold in range(k):
        held_out = folds == fold
        model = LogisticRegression().fit(x[~held_out], labels[~held_out])
        predicted[held_out] = model.probability(x[held_out]) >= 0.5
    return {"balanced_accuracy": balanced_accuracy(labels, predicted), "folds": k}


def telling_features(x: np.ndarray, labels: np.ndarray, count: int = 3) -> list[dict]:
    """The `count` features with the largest standardized weights, fitted on every sample; a
    positive weight means a larger value looks real."""
    model = LogisticRegression().fit(x, labels)
    order = np.argsort(-np.abs(model.weights[1:]))[:count]
    return [{"feature": FEATURE_NAMES[i], "weight": float(model.weights[1 + i])} for i in order]
