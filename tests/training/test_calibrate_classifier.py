"""Calibrating the genre classifier: the temperature that makes probabilities honest is found
again, the calibration error is measured as Guo et al. define it, and the label threshold keeps
every genre's label right as often as asked."""

from __future__ import annotations

import numpy as np
import pytest

from server.generation.classifier import softmax
from training.calibrate_classifier import (
    choose_threshold,
    fit_temperature,
    genre_weights,
    reliability,
)


def sampled(temperature: float, size: int = 20_000, seed: int = 0):
    """Logits and labels drawn from softmax(logits / temperature): a network whose
    probabilities are right only after dividing by `temperature`."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 4.0, (size, 5))
    probabilities = softmax(logits / temperature)
    labels = np.array([rng.choice(5, p=row) for row in probabilities])
    return logits, labels


@pytest.mark.parametrize("temperature", [0.7, 1.0, 2.5])
def test_the_fitted_temperature_is_the_one_the_labels_were_drawn_at(temperature):
    logits, labels = sampled(temperature)
    fitted = fit_temperature(logits, labels, np.full(len(labels), 1 / len(labels)))
    assert fitted == pytest.approx(temperature, rel=0.05)


def test_calibration_removes_most_of_the_error_of_an_overconfident_network():
    logits, labels = sampled(2.5)
    before = reliability(softmax(logits), labels)
    after = reliability(softmax(logits / 2.5), labels)
    assert before["ece"] > 0.1 and after["ece"] < 0.02
    assert sum(b["share"] for b in after["bins"]) == pytest.approx(1.0)


def test_the_calibration_error_is_the_weighted_gap_per_bin():
    # Two pieces at 0.9 (one right), two at 0.5 (both right): |0.9 - 0.5| / 2 + |0.5 - 1| / 2.
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.5, 0.5], [0.5, 0.5]])
    labels = np.array([0, 1, 0, 0])
    assert reliability(probabilities, labels)["ece"] == pytest.approx(0.45)


def test_the_threshold_keeps_each_genre_label_right_often_enough():
    # Genre 1's label is wrong on a genre-0 piece at 0.6; everything at 0.8 and above is right.
    probabilities = np.array(
        [[0.95, 0.05], [0.05, 0.95], [0.2, 0.8], [0.8, 0.2], [0.4, 0.6], [0.45, 0.55]]
    )
    labels = np.array([0, 1, 1, 0, 0, 1])
    weights = genre_weights(labels)
    assert choose_threshold(probabilities, labels, weights, precision=0.95) == pytest.approx(0.61)
    assert choose_threshold(probabilities, labels, weights, precision=0.5) == pytest.approx(0.4)


def test_every_genre_weighs_the_same():
    weights = genre_weights(np.array([1, 1, 1, 0]))
    assert weights.sum() == pytest.approx(1.0)
    assert weights[3] == pytest.approx(weights[:3].sum())
