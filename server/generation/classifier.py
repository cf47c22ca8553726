"""The genre classifier at run time, in NumPy: features of a melody's style (intervals, note
lengths, onset positions, density, register, contour) and a small network over them, loaded
from a checkpoint folder (weights.npz + config.json) that `training.classifier` writes, with
the temperature and label threshold that `training.calibrate_classifier` fits on held-out pieces.

What a conversion keeps is left out on purpose: tempo, meter, length and the pitch classes
(the tonal content the transfer evaluation measures as similarity), so the verdict comes from
how the notes are played, not from which tune they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import numpy as np

from server.generation.melody import TICKS_PER_QUARTER, Melody

CLASSIFIER_FORMAT = 1
WEIGHTS_FILE = "weights.npz"
CONFIG_FILE = "config.json"
MAX_INTERVAL = 12  # semitones; larger leaps share the two outer bins
# Note lengths in ticks (12 per quarter): upper edges of the duration histogram's bins.
DURATION_EDGES = (2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 36, 48)
FEATURE_SIZE = (2 * MAX_INTERVAL + 3) + (len(DURATION_EDGES) + 1) + TICKS_PER_QUARTER + 10


class ClassifierError(ValueError):
    """A classifier folder that is missing, incomplete or inconsistent."""


def melody_features(melody: Melody) -> np.ndarray:
    """(FEATURE_SIZE,) float64 description of a melody in its own key; zeros if it has no notes.

    Histograms are shares (each sums to 1): intervals between successive notes (-12..12 and
    the leaps beyond), note lengths, onset positions within the beat; then ten scalars of
    density, register and contour.
    """
    normalized = melody.key_normalized()
    onsets = np.array(normalized.onsets(), dtype=np.int64)
    sounding = np.array([event.pitch is not None for event in normalized.events], dtype=bool)
    if not sounding.any():
        return np.zeros(FEATURE_SIZE)
    notes = [event for event in normalized.events if event.pitch is not None]
    pitches = np.array([event.pitch for event in notes], dtype=np.float64)
    durations = np.array([event.duration for event in notes], dtype=np.float64)
    onsets = onsets[sounding]
    return np.concatenate(
        [
            _intervals(pitches),
            _shares(np.searchsorted(DURATION_EDGES, durations), len(DURATION_EDGES) + 1),
            _shares(onsets % TICKS_PER_QUARTER, TICKS_PER_QUARTER),
            _scalars(normalized, pitches, durations),
        ]
    )


def _shares(bins: np.ndarray, size: int) -> np.ndarray:
    counts = np.bincount(bins.astype(np.int64), minlength=size)[:size]
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def _intervals(pitches: np.ndarray) -> np.ndarray:
    """Shares of each step -12..12 (0 = a repeated note) and of the leaps below and above."""
    steps = np.diff(pitches)
    bins = np.clip(steps, -MAX_INTERVAL - 1, MAX_INTERVAL + 1) + MAX_INTERVAL + 1
    histogram = _shares(bins, 2 * MAX_INTERVAL + 3)
    return histogram if len(steps) else np.zeros(2 * MAX_INTERVAL + 3)


def _scalars(melody: Melody, pitches: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Density and contour, each scaled to about 0..1."""
    beats = max(melody.total_ticks / TICKS_PER_QUARTER, 1.0)
    steps = np.abs(np.diff(pitches)) if len(pitches) > 1 else np.zeros(1)
    turns = np.diff(np.sign(np.diff(pitches))) if len(pitches) > 2 else np.zeros(1)
    in_scale = {0, 2, 4, 5, 7, 9, 11} if melody.mode == "major" else {0, 2, 3, 5, 7, 8, 10, 11}
    outside = np.mean([(pitch - melody.tonic) % 12 not in in_scale for pitch in pitches])
    return np.array(
        [
            min(len(pitches) / beats / 4.0, 1.0),  # notes per beat, 4 = sixteenths throughout
            1.0 - durations.sum() / TICKS_PER_QUARTER / beats,  # share of time resting
            (pitches.max() - pitches.min()) / 36.0,  # range, three octaves = 1
            (pitches.mean() - 48.0) / 36.0,  # register, C3..C6 = 0..1
            pitches.std() / 12.0,
            steps.mean() / 12.0,
            np.mean(steps > 4),  # share of leaps beyond a major third
            np.mean(turns != 0),  # how often the line changes direction
            outside,  # chromatic notes outside the scale of the mode
            float(melody.mode == "minor"),
        ]
    )


@dataclass(frozen=True)
class ClassifierConfig:
    genres: tuple[str, ...]
    hidden: int  # 0 = multinomial logistic regression
    feature_size: int = FEATURE_SIZE
    format: int = CLASSIFIER_FORMAT
    # Calibration (Guo et al. 2017, https://arxiv.org/abs/1706.04599): logits are divided by
    # `temperature` before the softmax; a label is claimed only at a calibrated probability of
    # at least `threshold`. An uncalibrated checkpoint (1.0, 1.0) never claims one.
    temperature: float = 1.0
    threshold: float = 1.0


class Agreement(StrEnum):
    """How the classifier's view relates to the genre a song was asked for."""

    SOUNDS_LIKE = "sounds_like"  # nothing was asked; the classifier is confident
    AS_ASKED = "as_asked"  # confident, and the genre asked for
    LEANS = "leans"  # confident in another genre than the one asked for: only a leaning
    UNSURE = "unsure"  # below the threshold: no claim at all


@dataclass(frozen=True)
class Verdict:
    """The classifier's most likely genre, its calibrated probability, and what may be said."""

    genre: str
    confidence: float  # calibrated probability of `genre`, 0..1
    agreement: Agreement
    asked: str | None  # the genre asked for, None when none (or one the classifier lacks)


class GenreClassifier:
    """softmax(W2 relu(W1 z + b1) + b2) over standardized features z (or softmax(W z + b))."""

    def __init__(self, config: ClassifierConfig, arrays: dict[str, np.ndarray]) -> None:
        self.config = config
        self.arrays = {name: np.asarray(array, dtype=np.float64) for name, array in arrays.items()}
        self._check()

    def _check(self) -> None:
        layers = ["w1", "b1", "w2", "b2"] if self.config.hidden else ["w1", "b1"]
        missing = [name for name in ("mean", "scale", *layers) if name not in self.arrays]
        if missing:
            raise ClassifierError(f"classifier weights lack {', '.join(missing)}")
        outputs = self.arrays[layers[-1]].shape[-1]
        if self.arrays["mean"].shape != (self.config.feature_size,) or outputs != len(
            self.config.genres
        ):
            raise ClassifierError("classifier weights do not match its config")
        if self.config.feature_size != FEATURE_SIZE:
            raise ClassifierError("classifier was trained on other features; retrain it")
        if not self.config.temperature > 0 or not 0 <= self.config.threshold <= 1:
            raise ClassifierError("classifier calibration needs temperature > 0, threshold 0..1")

    def with_calibration(self, temperature: float, threshold: float) -> GenreClassifier:
        """The same network with this calibration."""
        config = replace(self.config, temperature=temperature, threshold=threshold)
        return GenreClassifier(config, self.arrays)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """(batch, genres) logits for (batch, FEATURE_SIZE) features."""
        z = (np.atleast_2d(features) - self.arrays["mean"]) / self.arrays["scale"]
        logits = z @ self.arrays["w1"] + self.arrays["b1"]
        if self.config.hidden:
            logits = np.maximum(logits, 0.0) @ self.arrays["w2"] + self.arrays["b2"]
        return logits

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(batch, genres) probabilities as the network was trained, which the style search
        and training score with (the temperature changes no verdict, only its confidence)."""
        return softmax(self.logits(features))

    def calibrated_probabilities(self, features: np.ndarray) -> np.ndarray:
        """(batch, genres) probabilities at the checkpoint's temperature: of the melodies
        given 0.9, about 90% are of that genre on held-out pieces."""
        return softmax(self.logits(features) / self.config.temperature)

    def classify(self, melody: Melody) -> dict[str, float]:
        """Genre -> probability (uncalibrated) for one melody."""
        return self._by_genre(self.probabilities(melody_features(melody))[0])

    def calibrated_classify(self, melody: Melody) -> dict[str, float]:
        """Genre -> calibrated probability for one melody."""
        return self._by_genre(self.calibrated_probabilities(melody_features(melody))[0])

    def verdict(self, probabilities: dict[str, float], asked: str | None) -> Verdict:
        """What may be said of a melody with these calibrated probabilities, asked for in genre
        `asked` (None, or a genre this classifier does not know: nothing was asked). Below the
        threshold nothing is claimed. Above it, a melody asked for in one genre is never said
        to be another: the calibration is measured on real pieces, and on the studio's own
        writing a contradiction is the classifier's leaning, not a fact."""
        genre = max(probabilities, key=probabilities.__getitem__)
        confidence = probabilities[genre]
        requested = asked if asked in self.config.genres else None
        if confidence < self.config.threshold:
            agreement = Agreement.UNSURE
        elif requested is None:
            agreement = Agreement.SOUNDS_LIKE
        else:
            agreement = Agreement.AS_ASKED if genre == requested else Agreement.LEANS
        return Verdict(genre, confidence, agreement, requested)

    def _by_genre(self, row: np.ndarray) -> dict[str, float]:
        return {genre: float(p) for genre, p in zip(self.config.genres, row, strict=True)}

    def save(self, path: str | Path) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / WEIGHTS_FILE, allow_pickle=False, **self.arrays)
        config = {**self.config.__dict__, "genres": list(self.config.genres)}
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> GenreClassifier:
        folder = Path(path)
        try:
            data = json.loads((folder / CONFIG_FILE).read_text())
            if data.get("format") != CLASSIFIER_FORMAT:
                raise ClassifierError(f"unsupported classifier format {data.get('format')!r}")
            config = ClassifierConfig(**{**data, "genres": tuple(data["genres"])})
            with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except ClassifierError:
            raise
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise ClassifierError(f"cannot read classifier {folder}: {error}") from error
        return cls(config, arrays)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (batch, classes) logits."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return probabilities
