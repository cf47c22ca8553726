"""Phrase returns and the duration draw, before and after, in one run:
`python -m bench.form_returns [--count 200]` prints JSON.

Per genre, `--count` melodies of 16 bars per variant, with the seeds, keys and modes of
`training.evaluate_form`, beside the same real test excerpts. "before" is the sampler without
phrase returns and with durations cut by top-p like pitches (as it was); "after" is the sampler
as it ships. Both write over the chords the model writes, as the studio does by default. For
each: bar repetition, motif recurrence and note density (median and mean); the logistic
discriminator's balanced accuracy (the measure the returns were tuned against); and
two measures never consulted in tuning: a k-nearest-neighbour discriminator on the same features
(another family; piece-grouped folds alike), and the share of the melodies that the n-gram genre
judge (`training.genre_judge`, Kneser-Ney over events) places in their own genre.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator

import numpy as np

from server.config import REPO_ROOT
from server.generation import sampler
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.melody_stream import MelodyStream
from training import discriminator
from training.dataset import load_splits
from training.evaluate_form import FOLDS, evaluate_genre, real_and_generated
from training.genre_judge import NgramGenreJudge

NEIGHBOURS = 15
BARS = 16


@contextlib.contextmanager
def sampler_before() -> Iterator[None]:
    """The sampler as it was: no phrase returns, the durations' nucleus the pitches' top-p."""
    draw = sampler.duration_top_p
    MelodyStream.RETURNS_PHRASES = False
    sampler.duration_top_p = lambda top_p: top_p
    try:
        yield
    finally:
        MelodyStream.RETURNS_PHRASES = True
        sampler.duration_top_p = draw


def knn_accuracy(real: list[Melody], generated: list[Melody], seed: int) -> float:
    """Out-of-fold balanced accuracy of a k-nearest-neighbour discriminator (standardized
    features, each class's votes weighed by its share of the training fold)."""
    x = np.stack([discriminator.features(melody) for melody in real + generated])
    labels = np.array([discriminator.REAL] * len(real) + [discriminator.GENERATED] * len(generated))
    groups = np.array([m.name for m in real] + [f"generated #{i}" for i in range(len(generated))])
    folds = discriminator.grouped_folds(labels, groups, FOLDS, seed)
    predicted = np.zeros(len(labels), dtype=int)
    for fold in range(FOLDS):
        held, kept = folds == fold, folds != fold
        mean, scale = x[kept].mean(axis=0), x[kept].std(axis=0) + 1e-6
        train, test = (x[kept] - mean) / scale, (x[held] - mean) / scale
        distances = ((test[:, None, :] - train[None, :, :]) ** 2).sum(axis=2)
        nearest = np.argsort(distances, axis=1)[:, :NEIGHBOURS]
        votes = labels[kept][nearest]  # (held, k) of 0 and 1
        real_weight = 1 / max((labels[kept] == discriminator.REAL).sum(), 1)
        fake_weight = 1 / max((labels[kept] == discriminator.GENERATED).sum(), 1)
        real_votes = (votes == discriminator.REAL).sum(axis=1) * real_weight
        fake_votes = (votes == discriminator.GENERATED).sum(axis=1) * fake_weight
        predicted[held] = real_votes >= fake_votes
    return discriminator.balanced_accuracy(labels, predicted)


def in_genre(judge: NgramGenreJudge, melodies: list[Melody], genre: str) -> float:
    """Share of `melodies` the n-gram judge places in `genre`."""
    verdicts = [max(judge.classify(m).items(), key=lambda kv: kv[1])[0] for m in melodies]
    return round(float(np.mean([verdict == genre for verdict in verdicts])), 4)


def measure(
    real: list[Melody], generated: list[Melody], judge: NgramGenreJudge, genre: str
) -> dict[str, dict[str, float]]:
    """{"real": ..., "generated": ...}: the form measures of each side, the judge's share of
    each in its genre, and on the generated side the two discriminators' accuracies."""
    form = evaluate_genre(real, generated, seed=0)
    sides: dict[str, dict[str, float]] = {}
    for side, melodies in (("real", real), ("generated", generated)):
        row = {
            f"{name}_{stat}": round(form["metrics"][name][side][stat], 4)
            for name in ("bar_repetition", "motif_recurrence", "note_density")
            for stat in ("median", "mean")
        }
        sides[side] = row | {"ngram_judge_in_genre": in_genre(judge, melodies, genre)}
    sides["generated"]["discriminator"] = round(form["discriminator"]["balanced_accuracy"], 4)
    sides["generated"]["knn_discriminator"] = round(knn_accuracy(real, generated, seed=0), 4)
    return sides


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m bench.form_returns", description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="melodies per genre and variant")
    args = parser.parse_args(argv)
    network = LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")
    with contextlib.redirect_stdout(sys.stderr):
        splits = load_splits(None)
        judge = NgramGenreJudge(network.require_vocabulary()).fit(splits["train"])
        with sampler_before():
            real, before, _ = real_and_generated(network, splits["test"], BARS, args.count, 0)
        _, after, _ = real_and_generated(network, splits["test"], BARS, args.count, 0)
        report: dict[str, object] = {}
        for genre, excerpts in real.items():
            was = measure(excerpts, before[genre], judge, genre)
            report[genre] = {
                "real": was["real"] | {"excerpts": len(excerpts)},
                "before": was["generated"],
                "after": measure(excerpts, after[genre], judge, genre)["generated"],
            }
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
