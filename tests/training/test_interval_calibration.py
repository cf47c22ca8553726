"""Fitting the interval calibration: histograms of successive-note intervals, a step of the fit
toward the target, and the shipped calibration moving the shipped network's melodies the way
it was fitted to (fewer repeated notes in jazz, more steps and fewer thirds in classical)."""

from __future__ import annotations

import numpy as np
import pytest

from server.config import REPO_ROOT
from server.generation.interval_calibration import GENRE_INTERVAL_BIAS, INTERVAL_BINS
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.notes import Note
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from training.interval_calibration import STEP, calibrated, interval_histogram, refit

UNISON = INTERVAL_BINS.index("unison")
SHIPPED = dict(GENRE_INTERVAL_BIAS)


def melody(pitches: list[int]) -> Melody:
    return Melody.from_notes([Note(pitch, 12 * index, 12) for index, pitch in enumerate(pitches)])


def test_the_histogram_counts_each_successive_interval_in_its_bin() -> None:
    shares = interval_histogram([melody([60, 60, 62, 59]), melody([67, 55])])
    expected = dict.fromkeys(INTERVAL_BINS, 0.0)
    expected |= {"unison": 0.25, "up_1-2": 0.25, "down_3-4": 0.25, "down_8+": 0.25}
    assert dict(zip(INTERVAL_BINS, shares, strict=True)) == expected


def test_a_step_of_the_fit_raises_the_bins_sampled_too_rarely_and_lowers_the_others() -> None:
    target = np.full(len(INTERVAL_BINS), 1 / len(INTERVAL_BINS))
    sampled = target.copy()
    sampled[UNISON], sampled[0] = target[UNISON] * 2, target[0] / 2
    moved = refit((0.0,) * len(INTERVAL_BINS), target, sampled)
    assert moved[UNISON] == pytest.approx(-STEP * np.log(2), abs=0.01)
    assert moved[0] == pytest.approx(STEP * np.log(2), abs=0.01)
    assert moved[1:UNISON] == (0.0,) * (UNISON - 1)


@pytest.fixture(scope="module")
def shipped() -> LstmNetwork:
    return LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")


def shares(network: LstmNetwork, genre: str, biases: dict[str, tuple[float, ...]]) -> dict:
    """The share of each interval bin in 40 8-bar melodies of `genre` sampled with `biases`."""
    with calibrated(biases):
        melodies = generate(network, [SamplingParams(genre, bars=8, seed=s) for s in range(40)])
    return dict(zip(INTERVAL_BINS, interval_histogram(melodies), strict=True))


def steps(share: dict[str, float]) -> float:
    return share["down_1-2"] + share["up_1-2"]


def thirds(share: dict[str, float]) -> float:
    return share["down_3-4"] + share["up_3-4"]


def test_the_shipped_calibration_moves_the_melodies_as_it_was_fitted_to(shipped) -> None:
    jazz_bare, jazz = shares(shipped, "jazz", {}), shares(shipped, "jazz", SHIPPED)
    assert jazz["unison"] < jazz_bare["unison"]
    classical_bare, classical = (
        shares(shipped, "classical", {}),
        shares(shipped, "classical", SHIPPED),
    )
    assert steps(classical) > steps(classical_bare)
    assert thirds(classical) < thirds(classical_bare)


def test_sampling_with_given_biases_puts_the_shipped_ones_back_afterwards() -> None:
    with calibrated({"jazz": (1.0,) * len(INTERVAL_BINS)}):
        assert GENRE_INTERVAL_BIAS == {"jazz": (1.0,) * len(INTERVAL_BINS)}
    assert GENRE_INTERVAL_BIAS == SHIPPED
    with calibrated(GENRE_INTERVAL_BIAS):  # the shipped table itself: it stays as it is
        assert GENRE_INTERVAL_BIAS == SHIPPED
    assert GENRE_INTERVAL_BIAS == SHIPPED
