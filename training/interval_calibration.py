"""Fit each genre's interval calibration (`server/generation/interval_calibration.py`) for the
shipped network: `python -m training.interval_calibration` takes the interval histogram of the
genre's training melodies (16-bar excerpts of its 4/4 pieces, as the realism measures cut the
test pieces) as the target, samples `--count` 16-bar melodies per genre as the studio writes
them (over the chords the progression network writes, seeds from `--seed`, the modes of the
validation excerpts), and moves each bin's bias by `STEP` times the log-ratio of the target to
the sampled share, `--iterations` times. It prints, as JSON, per genre: the target, the L1
distance of the sampled histogram from it without a calibration, with the shipped one and with
the fitted one, and the fitted biases. Neither the test split nor any judge is consulted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator, Mapping

import numpy as np

from server.config import REPO_ROOT
from server.generation import interval_calibration
from server.generation.interval_calibration import INTERVAL_BINS, interval_bins
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from training.dataset import load_splits
from training.evaluate_form import generated_melodies, real_excerpts
from training.genre_groups import by_genre

BARS = 16
STEP = 0.8  # of the log-ratio per iteration: the fit settles in two or three
FLOOR = 1e-4  # a share below this counts as this, so an empty bin moves by a bounded step
Biases = dict[str, tuple[float, ...]]


def interval_histogram(melodies: list[Melody]) -> np.ndarray:
    """(len(INTERVAL_BINS),) the share of the melodies' successive-note intervals (rests
    skipped) in each bin."""
    counts = np.zeros(len(INTERVAL_BINS))
    for melody in melodies:
        intervals = np.diff([note.pitch for note in melody.notes()])
        counts += np.bincount(interval_bins(intervals), minlength=len(INTERVAL_BINS))
    shares: np.ndarray = counts / max(counts.sum(), 1.0)
    return shares


def refit(bias: tuple[float, ...], target: np.ndarray, sampled: np.ndarray) -> tuple[float, ...]:
    """`bias` moved toward the target: each bin by STEP times log(target / sampled)."""
    step = STEP * (np.log(target + FLOOR) - np.log(sampled + FLOOR))
    return tuple(round(float(value), 2) for value in np.asarray(bias) + step)


@contextlib.contextmanager
def calibrated(biases: Mapping[str, tuple[float, ...]]) -> Iterator[None]:
    """Streams started inside sample with `biases` (genre -> bin biases) instead of those
    that ship."""
    biases, shipped = dict(biases), dict(interval_calibration.GENRE_INTERVAL_BIAS)
    interval_calibration.GENRE_INTERVAL_BIAS.clear()
    interval_calibration.GENRE_INTERVAL_BIAS.update(biases)
    try:
        yield
    finally:
        interval_calibration.GENRE_INTERVAL_BIAS.clear()
        interval_calibration.GENRE_INTERVAL_BIAS.update(shipped)


def sampled_histograms(
    network: LstmNetwork,
    modes: dict[str, list[Melody]],
    biases: Mapping[str, tuple[float, ...]],
    count: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Each genre's interval histogram over `count` melodies sampled with `biases`."""
    with calibrated(biases):
        melodies = generated_melodies(network, modes, count, BARS, seed)
    return {genre: interval_histogram(written) for genre, written in melodies.items()}


def fit(
    network: LstmNetwork,
    targets: dict[str, np.ndarray],
    modes: dict[str, list[Melody]],
    count: int,
    iterations: int,
    seed: int,
    bare: dict[str, np.ndarray],
) -> tuple[Biases, dict[str, np.ndarray]]:
    """The fitted biases per genre and the histograms sampled with them, from no biases
    (with which the network sampled `bare`)."""
    biases: Biases = {genre: (0.0,) * len(INTERVAL_BINS) for genre in targets}
    sampled = bare
    for _ in range(iterations):
        biases = {genre: refit(biases[genre], targets[genre], sampled[genre]) for genre in targets}
        sampled = sampled_histograms(network, modes, biases, count, seed)
    return biases, sampled


def l1(first: np.ndarray, second: np.ndarray) -> float:
    return round(float(np.abs(first - second).sum()), 4)


def report(
    network: LstmNetwork,
    splits: dict[str, list[Melody]],
    count: int,
    iterations: int,
    seed: int,
) -> dict[str, dict[str, object]]:
    train, valid = by_genre(splits["train"]), by_genre(splits["valid"])
    modes = {genre: list(real_excerpts(valid[genre], BARS)) for genre in sorted(valid)}
    modes = {genre: excerpts for genre, excerpts in modes.items() if excerpts and genre in train}
    targets = {
        genre: interval_histogram(list(real_excerpts(train[genre], BARS))) for genre in modes
    }
    bare = sampled_histograms(network, modes, {}, count, seed)
    shipped = sampled_histograms(
        network, modes, interval_calibration.GENRE_INTERVAL_BIAS, count, seed
    )
    fitted, with_fitted = fit(network, targets, modes, count, iterations, seed, bare)
    return {
        genre: {
            "target": [round(float(share), 4) for share in targets[genre]],
            "l1_without": l1(bare[genre], targets[genre]),
            "l1_shipped": l1(shipped[genre], targets[genre]),
            "l1_fitted": l1(with_fitted[genre], targets[genre]),
            "fitted": list(fitted[genre]),
            "shipped": list(interval_calibration.GENRE_INTERVAL_BIAS.get(genre, ())),
        }
        for genre in modes
    }


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(
        prog="python -m training.interval_calibration", description=__doc__
    )
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--checkpoint", default=str(REPO_ROOT / "checkpoints" / "melody"))
    parser.add_argument("--count", type=int, default=200, help="melodies per genre and round")
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1000, help="first sampling seed")
    args = parser.parse_args(argv)
    network = LstmNetwork.load(args.checkpoint)
    with contextlib.redirect_stdout(sys.stderr):
        splits = load_splits(args.source, only=("train", "valid"))
    result = report(network, splits, args.count, args.iterations, args.seed)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
