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


class FeatureGenreJudge:
    def __init__(self) -> None:
        self.models: dict[str, LogisticRegression] = {}

    def fit(self, pieces: list[Melody], per_genre: int = PER_GENRE, seed: int = 0):
        rng = np.random.default_rng(seed)
        chosen: list[Melody] = []
        for genre in GENRES:
            mine = [piece for piece in pieces if piece.genre == genre]
            picks = rng.permutation(len(mine))[:per_genre]
            chosen += [excerpt(mine[i]) for i in sorted(picks)]
        x = np.stack([features(melody) for melody in chosen])
        labels = np.array([GENRES.index(melody.genre) for melody in chosen])
        for index, genre in enumerate(GENRES):
            self.models[genre] = LogisticRegression().fit(x, (labels == index).astype(int))
        return self

    def classify(self, melody: Melody) -> dict[str, float]:
        """Genre -> the one-vs-rest probabilities, normalized to sum 1."""
        x = features(melody)[None]
        scores = {genre: float(model.probability(x)[0]) for genre, model in self.models.items()}
        total = sum(scores.values()) or 1.0
        return {genre: score / total for genre, score in scores.items()}

    def accuracy(self, pieces: list[Melody]) -> float:
        """Share of `pieces` (their first 16 bars) judged their own genre, every genre weighing
        the same."""
        per_genre = []
        for genre in GENRES:
            mine = [excerpt(piece) for piece in pieces if piece.genre == genre]
            verdicts = [self.classify(melody) for melody in mine]
            per_genre.append(np.mean([max(v, key=v.get) == genre for v in verdicts]))
        return float(np.mean(per_genre))
