"""Fit each genre's calibration of intervals and rhythm (`server/generation/calibration.py`) for
the shipped network: `python -m training.calibration` takes three histograms of the genre's
training melodies (16-bar excerpts of its 4/4 pieces, as the realism measures cut the test
pieces) as targets: the intervals between successive notes, the events' durations, and where in
the beat the events start. It samples `--count` 16-bar melodies per genre as the studio writes
them (over the chords the progression network writes, seeds from `--seed`, the modes of the
validation excerpts), and moves each bias by a step times the log-ratio of the target's share to
the sampled one, `--iterations` times. It prints, as JSON, per genre: the targets, the L1
distance of each sampled histogram from its target without a calibration, with the shipped one
and with the fitted one, and the fitted biases. Neither the test split nor any judge is consulted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from server.config import REPO_ROOT
from server.generation import calibration
from server.generation.calibration import (
    DURATION_BINS,
    INTERVAL_BINS,
    duration_bins,
    interval_bins,
)
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.notes import TICKS_PER_BEAT
from training.dataset import load_splits
from training.evaluate_form import generated_melodies, real_excerpts
from training.genre_groups import by_genre

BARS = 16
# Of the log-ratio per iteration: intervals settle in two or three; durations and landings,
# which pull on each other (a duration decides where the next event lands), need smaller steps.
INTERVAL_STEP, RHYTHM_STEP = 0.8, 0.3
FLOOR = 1e-3  # a share below this counts as this, so an empty bin moves by a bounded step
SIDES = ("intervals", "durations", "landings")


@dataclass(frozen=True)
class Biases:
    """One genre's calibration: interval, duration and landing biases."""

    intervals: tuple[float, ...] = (0.0,) * len(INTERVAL_BINS)
    durations: tuple[float, ...] = (0.0,) * len(DURATION_BINS)
    landings: tuple[float, ...] = (0.0,) * TICKS_PER_BEAT

    @classmethod
    def shipped(cls, genre: str) -> Biases | None:
        if genre not in calibration.GENRE_INTERVAL_BIAS:
            return None
        return cls(
            calibration.GENRE_INTERVAL_BIAS[genre],
            calibration.GENRE_DURATION_BIAS.get(genre, cls.durations),
            calibration.GENRE_LANDING_BIAS.get(genre, cls.landings),
        )


def histograms(melodies: list[Melody]) -> dict[str, np.ndarray]:
    """The share of the melodies' successive-note intervals (rests skipped) in each interval
    bin, of their events' (notes' and rests') durations in each duration bin, and of their
    events' onsets at each tick of the beat (counted from the pickup)."""
    counts = {
        "intervals": np.zeros(len(INTERVAL_BINS)),
        "durations": np.zeros(len(DURATION_BINS)),
        "landings": np.zeros(TICKS_PER_BEAT),
    }
    for melody in melodies:
        intervals = np.diff([note.pitch for note in melody.notes()])
        counts["intervals"] += np.bincount(interval_bins(intervals), minlength=len(INTERVAL_BINS))
        ticks = np.array([event.duration for event in melody.events])
        counts["durations"] += np.bincount(duration_bins(ticks), minlength=len(DURATION_BINS))
        onsets = (
            np.concatenate([[0], np.cumsum(ticks)[:-1]]) - melody.pickup_ticks
        ) % TICKS_PER_BEAT
        counts["landings"] += np.bincount(onsets, minlength=TICKS_PER_BEAT)
    return {side: values / max(values.sum(), 1.0) for side, values in counts.items()}


def refit(
    bias: tuple[float, ...], target: np.ndarray, sampled: np.ndarray, step: float
) -> tuple[float, ...]:
    """`bias` moved toward the target: each bin by `step` times log(target / sampled). A bin
    never sampled is left as it is: the genre's onset grid rules it out, so no bias moves it."""
    ratio = np.log(target + FLOOR) - np.log(sampled + FLOOR)
    moved = np.asarray(bias) + step * np.where(sampled > 0, ratio, 0.0)
    return tuple(round(float(value), 2) for value in moved)


def refit_genre(
    biases: Biases, target: dict[str, np.ndarray], sampled: dict[str, np.ndarray]
) -> Biases:
    return Biases(
        refit(biases.intervals, target["intervals"], sampled["intervals"], INTERVAL_STEP),
        refit(biases.durations, target["durations"], sampled["durations"], RHYTHM_STEP),
        refit(biases.landings, target["landings"], sampled["landings"], RHYTHM_STEP),
    )


@contextlib.contextmanager
def calibrated(biases: dict[str, Biases]) -> Iterator[None]:
    """Streams started inside sample with `biases` (genre -> its calibration) instead of
    those that ship."""
    tables = (
        calibration.GENRE_INTERVAL_BIAS,
        calibration.GENRE_DURATION_BIAS,
        calibration.GENRE_LANDING_BIAS,
    )
    given = [{genre: getattr(b, side) for genre, b in biases.items()} for side in SIDES]
    shipped = [dict(table) for table in tables]
    for table, values in zip(tables, given, strict=True):
        table.clear()
        table.update(values)
    try:
        yield
    finally:
        for table, values in zip(tables, shipped, strict=True):
            table.clear()
            table.update(values)


def sampled_histograms(
    network: LstmNetwork,
    modes: dict[str, list[Melody]],
    biases: dict[str, Biases],
    count: int,
    seed: int,
) -> dict[str, dict[str, np.ndarray]]:
    """Each genre's histograms over `count` melodies sampled with `biases`."""
    with calibrated(biases):
        melodies = generated_melodies(network, modes, count, BARS, seed)
    return {genre: histograms(written) for genre, written in melodies.items()}


def fit(
    network: LstmNetwork,
    targets: dict[str, dict[str, np.ndarray]],
    modes: dict[str, list[Melody]],
    count: int,
    iterations: int,
    seed: int,
    bare: dict[str, dict[str, np.ndarray]],
) -> tuple[dict[str, Biases], dict[str, dict[str, np.ndarray]]]:
    """The fitted biases per genre and the histograms sampled with them, from no biases
    (with which the network sampled `bare`)."""
    biases = {genre: Biases() for genre in targets}
    sampled = bare
    for _ in range(iterations):
        biases = {
            genre: refit_genre(biases[genre], targets[genre], sampled[genre]) for genre in targets
        }
        sampled = sampled_histograms(network, modes, biases, count, seed)
    return biases, sampled


def l1(sampled: dict[str, np.ndarray], target: dict[str, np.ndarray]) -> dict[str, float]:
    return {side: round(float(np.abs(sampled[side] - target[side]).sum()), 4) for side in SIDES}


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
    targets = {genre: histograms(list(real_excerpts(train[genre], BARS))) for genre in modes}
    bare = sampled_histograms(network, modes, {}, count, seed)
    shipped_biases = {g: b for g in modes if (b := Biases.shipped(g)) is not None}
    shipped = sampled_histograms(network, modes, shipped_biases, count, seed)
    fitted, with_fitted = fit(network, targets, modes, count, iterations, seed, bare)
    return {
        genre: {
            "target": {side: [round(float(v), 4) for v in targets[genre][side]] for side in SIDES},
            "l1_without": l1(bare[genre], targets[genre]),
            "l1_shipped": l1(shipped[genre], targets[genre]),
            "l1_fitted": l1(with_fitted[genre], targets[genre]),
            "fitted": {side: list(getattr(fitted[genre], side)) for side in SIDES},
        }
        for genre in modes
    }


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="python -m training.calibration", description=__doc__)
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--checkpoint", default=str(REPO_ROOT / "checkpoints" / "melody"))
    parser.add_argument("--count", type=int, default=200, help="melodies per genre and round")
    parser.add_argument("--iterations", type=int, default=8)
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
