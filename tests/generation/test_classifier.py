"""The genre classifier: features that ignore the key and describe rhythm and contour, a folder
that saves and loads exactly, a training run that learns two made-up styles apart, the
calibration its checkpoint carries and the label rule built on it, and the shipped
classifier's measured accuracy and calibration on held-out pieces."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from server.generation.classifier import (
    FEATURE_SIZE,
    Agreement,
    ClassifierConfig,
    ClassifierError,
    GenreClassifier,
    melody_features,
    softmax,
)
from server.generation.melody import Event, Melody
from training.classifier import excerpt, features_and_labels, train

SHIPPED = Path(__file__).resolve().parents[2] / "checkpoints" / "classifier"


def march(seed: int) -> Melody:
    """Quarter notes stepping through C major: a made-up 'folk'."""
    rng = np.random.default_rng(seed)
    pitches = 60 + np.cumsum(rng.choice([-2, -1, 1, 2], 32)) % 12
    return Melody([Event(int(p), 12) for p in pitches], genre="folk")


def bebop(seed: int) -> Melody:
    """Swung eighth-note triplets with chromatic leaps: a made-up 'jazz'."""
    rng = np.random.default_rng(seed)
    pitches = 60 + rng.integers(-9, 10, 48)
    return Melody([Event(int(p), 8 if i % 2 else 4) for i, p in enumerate(pitches)], genre="jazz")


def test_features_are_shares_and_ignore_the_key():
    melody = Melody(
        [Event(62, 6), Event(None, 6), Event(66, 4), Event(69, 8), Event(74, 24)], tonic=2
    )
    features = melody_features(melody)
    assert features.shape == (FEATURE_SIZE,)
    intervals, durations = features[:27], features[27:40]
    assert intervals.sum() == pytest.approx(1.0) and durations.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(melody_features(melody.transposed(1)), features)  # D to Eb
    assert not melody_features(Melody([Event(None, 48)])).any()


def test_rhythm_and_contour_change_the_features():
    assert not np.allclose(melody_features(march(0)), melody_features(bebop(0)))


def test_training_tells_two_styles_apart_and_the_folder_round_trips(tmp_path):
    train_set = features_and_labels([march(i) for i in range(30)] + [bebop(i) for i in range(30)])
    valid_set = features_and_labels([march(100), bebop(100)])
    args = argparse.Namespace(seed=0, hidden=8, epochs=100, learning_rate=0.02, l2=1e-3)
    classifier, valid_accuracy = train(train_set, valid_set, args)
    assert valid_accuracy == 1.0
    assert max(classifier.classify(bebop(7)).items(), key=lambda kv: kv[1])[0] == "jazz"
    classifier.save(tmp_path)
    again = GenreClassifier.load(tmp_path)
    np.testing.assert_allclose(
        again.probabilities(train_set[0]), classifier.probabilities(train_set[0])
    )
    assert again.probabilities(train_set[0]).sum(axis=1) == pytest.approx(1.0)


def test_a_broken_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ClassifierError, match="cannot read"):
        GenreClassifier.load(tmp_path / "missing")
    config = ClassifierConfig(genres=("folk", "jazz"), hidden=0)
    with pytest.raises(ClassifierError, match="lack"):
        GenreClassifier(config, {"mean": np.zeros(FEATURE_SIZE)})


def test_an_excerpt_keeps_the_pickup_and_cuts_at_the_bar_line():
    melody = Melody([Event(60, 12)] + [Event(62, 48)] * 20, pickup_ticks=12)
    part = excerpt(melody, 0, bars=2)
    assert part.total_ticks == 12 + 96 and part.pickup_ticks == 12
    later = excerpt(melody, 3, bars=2)
    assert later.total_ticks == 96 and later.pickup_ticks == 0


@pytest.mark.skipif(not (SHIPPED / "metrics.json").exists(), reason="no shipped classifier")
def test_the_shipped_classifier_is_right_on_most_held_out_pieces():
    metrics = json.loads((SHIPPED / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.85 and metrics["test_balanced_accuracy"] >= 0.85
    classifier = GenreClassifier.load(SHIPPED)
    assert set(classifier.classify(march(1))) == set(classifier.config.genres)


def two_style_classifier() -> GenreClassifier:
    """Logistic regression over five genres that tells marches from bebop."""
    train_set = features_and_labels([march(i) for i in range(30)] + [bebop(i) for i in range(30)])
    args = argparse.Namespace(seed=0, hidden=0, epochs=50, learning_rate=0.02, l2=1e-3)
    return train(train_set, train_set, args)[0]


def test_the_temperature_travels_with_the_checkpoint_and_softens_the_probabilities(tmp_path):
    classifier = two_style_classifier().with_calibration(temperature=3.0, threshold=0.8)
    classifier.save(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["temperature"] == 3.0
    again = GenreClassifier.load(tmp_path)
    assert (again.config.temperature, again.config.threshold) == (3.0, 0.8)
    features = np.stack([melody_features(march(1)), melody_features(bebop(1))])
    raw, calibrated = again.probabilities(features), again.calibrated_probabilities(features)
    np.testing.assert_allclose(calibrated, softmax(again.logits(features) / 3.0))
    np.testing.assert_allclose(raw, classifier.probabilities(features))  # the search's scores
    assert (calibrated.argmax(axis=1) == raw.argmax(axis=1)).all()  # the verdict stays
    assert (calibrated.max(axis=1) < raw.max(axis=1)).all()  # only its confidence drops


def test_a_checkpoint_without_calibration_never_claims_a_genre(tmp_path):
    two_style_classifier().save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    for name in ("temperature", "threshold"):
        del config[name]
    (tmp_path / "config.json").write_text(json.dumps(config))  # as written before calibration
    old = GenreClassifier.load(tmp_path)
    verdict = old.verdict(old.calibrated_classify(bebop(3)), None)
    assert verdict.genre == "jazz" and verdict.agreement is Agreement.UNSURE


@pytest.mark.parametrize(
    ("top", "confidence", "asked", "agreement"),
    [
        ("folk", 0.97, None, Agreement.SOUNDS_LIKE),
        ("folk", 0.97, "folk", Agreement.AS_ASKED),
        ("folk", 0.99, "classical", Agreement.LEANS),  # never "sounds like folk" for classical
        ("folk", 0.62, "classical", Agreement.UNSURE),
        ("folk", 0.62, None, Agreement.UNSURE),
        ("jazz", 0.80, "jazz", Agreement.AS_ASKED),  # the threshold itself is confident
        ("jazz", 0.90, "any", Agreement.SOUNDS_LIKE),  # "any" asks for no genre
    ],
)
def test_the_label_rule(top, confidence, asked, agreement):
    classifier = two_style_classifier().with_calibration(temperature=1.0, threshold=0.8)
    genres = classifier.config.genres
    rest = (1.0 - confidence) / (len(genres) - 1)
    probabilities = {genre: confidence if genre == top else rest for genre in genres}
    verdict = classifier.verdict(probabilities, asked)
    assert (verdict.genre, verdict.confidence, verdict.agreement) == (top, confidence, agreement)
    assert verdict.asked == (None if asked in (None, "any") else asked)


@pytest.mark.parametrize(("temperature", "threshold"), [(0.0, 0.9), (-1.0, 0.9), (1.0, 1.5)])
def test_an_impossible_calibration_is_a_clear_error(temperature, threshold):
    with pytest.raises(ClassifierError, match="calibration"):
        two_style_classifier().with_calibration(temperature, threshold)


@pytest.mark.skipif(not (SHIPPED / "metrics.json").exists(), reason="no shipped classifier")
def test_the_shipped_classifier_is_calibrated_on_held_out_pieces():
    classifier = GenreClassifier.load(SHIPPED)
    calibration = json.loads((SHIPPED / "metrics.json").read_text())["calibration"]
    assert calibration["temperature"] == pytest.approx(classifier.config.temperature)
    assert calibration["threshold"] == pytest.approx(classifier.config.threshold)
    assert 0.5 <= classifier.config.threshold < 1.0
    assert calibration["test"]["after"]["ece"] <= 0.05  # 15 bins, 1,395 held-out test pieces
    assert calibration["test"]["labels"]["precision"] >= 0.9
