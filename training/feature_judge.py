"""A third genre judge, of another family than both the classifier the style search consults and
the n-gram judge: one-vs-rest logistic regressions (training/discriminator.py) over the
discriminator's features of rhythm, intervals and repetition (form measures, interval, duration
and beat-position histograms), fitted on the first 16 bars of training pieces, at most
`per_genre` of each genre (every genre weighing the same). No decoding consults it.
"""

from __future__ import annotations

import numpy as np

from server.generation.melody import GENRES, Melody
from training.classifier import excerpt
from training.discriminator import LogisticRegression, features

PER_GENRE = 400


class OneVsRestGenres:
    """One logistic regression per genre over feature vectors, its probabilities normalized to
    sum 1 across the genres (every genre weighing the same in each fit)."""

    def __init__(self) -> None:
        self.models: dict[str, LogisticRegression] = {}

    def fit(self, x: np.ndarray, genres: list[str]) -> OneVsRestGenres:
        labels = np.array([GENRES.index(genre) for genre in genres])
        for index, genre in enumerate(GENRES):
            self.models[genre] = LogisticRegression().fit(x, (labels == index).astype(int))
        return self

    def classify(self, x: np.ndarray) -> dict[str, float]:
        """Genre -> probability for one feature vector `x`."""
        scores = {
            genre: float(model.probability(x[None])[0]) for genre, model in self.models.items()
        }
        total = sum(scores.values()) or 1.0
        return {genre: score / total for genre, score in scores.items()}


def balanced_accuracy(verdicts: dict[str, list[dict[str, float]]]) -> float:
    """Share of verdicts naming their own genre (the key), every genre weighing the same."""
    shares = [
        np.mean([max(v, key=v.get) == genre for v in mine]) for genre, mine in verdicts.items()
    ]
    return float(np.mean(shares))


class FeatureGenreJudge:
    def __init__(self) -> None:
        self.genres = OneVsRestGenres()

    def fit(self, pieces: list[Melody], per_genre: int = PER_GENRE, seed: int = 0):
        rng = np.random.default_rng(seed)
        chosen: list[Melody] = []
        for genre in GENRES:
            mine = [piece for piece in pieces if piece.genre == genre]
            picks = rng.permutation(len(mine))[:per_genre]
            chosen += [excerpt(mine[i]) for i in sorted(picks)]
        x = np.stack([features(melody) for melody in chosen])
        self.genres.fit(x, [melody.genre for melody in chosen])
        return self

    def classify(self, melody: Melody) -> dict[str, float]:
        """Genre -> the one-vs-rest probabilities, normalized to sum 1."""
        return self.genres.classify(features(melody))

    def accuracy(self, pieces: list[Melody]) -> float:
        """Share of `pieces` (their first 16 bars) judged their own genre, every genre weighing
        the same."""
        return balanced_accuracy(
            {
                genre: [self.classify(excerpt(p)) for p in pieces if p.genre == genre]
                for genre in GENRES
            }
        )
