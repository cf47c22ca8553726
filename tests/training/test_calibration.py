"""Fitting the calibration: histograms of intervals, durations and onsets in the beat, a step of
the fit toward the target, and the shipped calibration moving the shipped network's melodies the
way it was fitted to (fewer repeated notes in jazz, more steps and fewer thirds in classical,
classical's notes back on the beat, pop's held across it)."""

from __future__ import annotations

import numpy as np
import pytest

from server.config import REPO_ROOT
from server.generation import calibration
from server.generation.calibration import DURATION_BINS, INTERVAL_BINS
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.notes import TICKS_PER_BEAT, Note
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from training.calibration import Biases, calibrated, histograms, refit
from training.form_metrics import form_metrics

UNISON = INTERVAL_BINS.index("unison")
SHIPPED = {genre: Biases.shipped(genre) for genre in calibration.GENRE_INTERVAL_BIAS}


def melody(notes: list[tuple[int, int, int]]) -> Melody:
    return Melody.from_notes([Note(pitch, start, length) for pitch, start, length in notes])


def test_the_histograms_count_intervals_durations_and_onsets_in_the_beat() -> None:
    # a quarter, a rest of an eighth, an eighth, a half; then two quarters an octave apart
    first = melody([(60, 0, 12), (60, 18, 6), (62, 24, 24)])
    shares = histograms([first, melody([(67, 0, 12), (55, 12, 12)])])
    intervals = dict(zip(INTERVAL_BINS, shares["intervals"], strict=True))
    assert {k: v for k, v in intervals.items() if v} == {
        "unison": 1 / 3,
        "up_1-2": 1 / 3,
        "down_8+": 1 / 3,
    }
    durations = dict(zip(DURATION_BINS, shares["durations"], strict=True))
    assert {k: v for k, v in durations.items() if v} == pytest.approx(
        {"8th": 2 / 6, "quarter": 3 / 6, "half": 1 / 6}  # the rest's eighth counts
    )
    assert shares["landings"][0] == pytest.approx(5 / 6)  # onsets 0, 12, 18, 24 and 0, 12
    assert shares["landings"][6] == pytest.approx(1 / 6)


def test_a_step_of_the_fit_raises_the_bins_sampled_too_rarely_and_lowers_the_others() -> None:
    target = np.full(len(INTERVAL_BINS), 1 / len(INTERVAL_BINS))
    sampled = target.copy()
    sampled[UNISON], sampled[0] = target[UNISON] * 2, target[0] / 2
    moved = refit((0.0,) * len(INTERVAL_BINS), target, sampled, 0.5)
    assert moved[UNISON] == pytest.approx(-0.5 * np.log(2), abs=0.01)
    assert moved[0] == pytest.approx(0.5 * np.log(2), abs=0.01)
    assert moved[1:UNISON] == (0.0,) * (UNISON - 1)


def test_sampling_with_given_biases_puts_the_shipped_ones_back_afterwards() -> None:
    shipped = dict(calibration.GENRE_INTERVAL_BIAS), dict(calibration.GENRE_LANDING_BIAS)
    with calibrated({"jazz": Biases(intervals=(1.0,) * len(INTERVAL_BINS))}):
        assert calibration.GENRE_INTERVAL_BIAS == {"jazz": (1.0,) * len(INTERVAL_BINS)}
        assert calibration.GENRE_LANDING_BIAS == {"jazz": (0.0,) * TICKS_PER_BEAT}
    assert (dict(calibration.GENRE_INTERVAL_BIAS), dict(calibration.GENRE_LANDING_BIAS)) == shipped


@pytest.fixture(scope="module")
def shipped_network() -> LstmNetwork:
    return LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")


def written(network: LstmNetwork, genre: str, biases: dict[str, Biases | None]) -> list[Melody]:
    """40 8-bar melodies of `genre` sampled with `biases`."""
    with calibrated({g: b for g, b in biases.items() if b is not None}):
        return generate(network, [SamplingParams(genre, bars=8, seed=s) for s in range(40)])


def share(melodies: list[Melody], side: str, *bins: str) -> float:
    names = INTERVAL_BINS if side == "intervals" else DURATION_BINS
    values = dict(zip(names, histograms(melodies)[side], strict=True))
    return sum(values[name] for name in bins)


def mean_metric(melodies: list[Melody], name: str) -> float:
    return float(np.mean([form_metrics(melody)[name] for melody in melodies]))


def test_the_shipped_calibration_moves_the_melodies_as_it_was_fitted_to(shipped_network) -> None:
    jazz_bare, jazz = (written(shipped_network, "jazz", b) for b in ({}, SHIPPED))
    assert share(jazz, "intervals", "unison") < share(jazz_bare, "intervals", "unison")
    classical_bare, classical = (written(shipped_network, "classical", b) for b in ({}, SHIPPED))
    steps, thirds = ("down_1-2", "up_1-2"), ("down_3-4", "up_3-4")
    assert share(classical, "intervals", *steps) > share(classical_bare, "intervals", *steps)
    assert share(classical, "intervals", *thirds) < share(classical_bare, "intervals", *thirds)
    assert mean_metric(classical, "offbeat_onsets") < mean_metric(classical_bare, "offbeat_onsets")
    pop_bare, pop = (written(shipped_network, "pop", b) for b in ({}, SHIPPED))
    assert mean_metric(pop, "syncopation") > mean_metric(pop_bare, "syncopation")


def test_a_bin_never_sampled_keeps_its_bias() -> None:
    """A position the genre's onset grid rules out is never sampled, whatever its bias: the fit
    leaves it alone instead of raising it every round."""
    target = np.array([0.5, 0.3, 0.2])
    moved = refit((0.0, 0.0, 0.0), target, np.array([0.6, 0.2, 0.0]), 0.5)
    assert moved[2] == 0.0 and moved[0] < 0 < moved[1]
