"""A second genre judge for the transfer evaluation, independent of the genre classifier that
steers the style search: one interpolated Kneser-Ney n-gram per genre over joint (pitch,
duration) events of the training pieces, key-normalized; the verdict is the genre whose model
finds the melody most likely (equal priors). It shares neither features nor model with the
classifier, so a conversion that only suits the classifier's features does not pass here.

`python -m training.genre_judge [--order 3]` prints its accuracy on the held-out test pieces
(whole, and their first 16 bars as the transfer evaluation cuts them).
"""

from __future__ import annotations

import argparse
import json
import logging

import numpy as np

from server.generation.melody import GENRES, Melody
from server.generation.vocabulary import Vocabulary, default_vocabulary
from training.baselines import KneserNeyModel, joint_tokens
from training.classifier import excerpt
from training.dataset import load_splits

DEFAULT_ORDER = 3  # events of context + 1; measured best of 2..4 on validation pieces

log = logging.getLogger(__name__)


class NgramGenreJudge:
    """Genre -> Kneser-Ney model of its training pieces; `classify` gives posteriors."""

    def __init__(self, vocabulary: Vocabulary, order: int = DEFAULT_ORDER) -> None:
        self.vocabulary, self.order = vocabulary, order
        self.size = vocabulary.n_pitch * vocabulary.n_duration
        self.models: dict[str, KneserNeyModel] = {}

    def tokens(self, melody: Melody) -> np.ndarray:
        piece = self.vocabulary.encode(melody.key_normalized())
        return joint_tokens(piece, self.vocabulary.n_duration)

    def fit(self, pieces: list[Melody]) -> NgramGenreJudge:
        for genre in GENRES:
            sequences = [self.tokens(p) for p in pieces if p.genre == genre]
            self.models[genre] = KneserNeyModel(self.order, self.size).fit(sequences)
            log.info("%s: n-gram of %d pieces", genre, len(sequences))
        return self

    def classify(self, melody: Melody) -> dict[str, float]:
        """Genre -> posterior probability, from each model's total log-likelihood."""
        tokens = self.tokens(melody)
        bits = np.array([self.models[g].bits(tokens).sum() for g in GENRES])
        logits = -(bits - bits.min()) * np.log(2.0)
        posterior = np.exp(logits) / np.exp(logits).sum()
        return {genre: float(p) for genre, p in zip(GENRES, posterior, strict=True)}


def accuracy(judge: NgramGenreJudge, melodies: list[Melody]) -> dict[str, float]:
    """Share of melodies judged their own genre, overall and per genre (balanced: the mean)."""
    verdicts = [max(judge.classify(m).items(), key=lambda kv: kv[1])[0] for m in melodies]
    right = np.array([v == m.genre for v, m in zip(verdicts, melodies, strict=True)])
    genres = np.array([m.genre for m in melodies])
    per_genre = {g: float(right[genres == g].mean()) for g in GENRES if (genres == g).any()}
    return {"all": float(right.mean()), "balanced": float(np.mean(list(per_genre.values())))}


def main(argv: list[str] | None = None) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(prog="python -m training.genre_judge", description=__doc__)
    parser.add_argument("--order", type=int, default=DEFAULT_ORDER)
    args = parser.parse_args(argv)
    splits = load_splits()
    judge = NgramGenreJudge(default_vocabulary(), args.order).fit(splits["train"])
    results = {
        "order": args.order,
        "test_pieces": accuracy(judge, splits["test"]),
        "test_excerpts": accuracy(judge, [excerpt(p) for p in splits["test"]]),
    }
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
