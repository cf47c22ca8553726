"""Calibrate the genre classifier: `python -m training.calibrate_classifier [--checkpoint DIR]`.

Fits one temperature on the validation pieces (temperature scaling, Guo et al. 2017,
https://arxiv.org/abs/1706.04599), picks the label threshold there, reports the expected
calibration error and a reliability diagram before and after on the held-out test pieces, and
checks the label on the studio's own generations against the genre each was asked for. The
temperature and threshold are written into the checkpoint's config, the figures into its
metrics.json under "calibration".
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from server.generation.classifier import (
    Agreement,
    GenreClassifier,
    Verdict,
    melody_features,
    softmax,
)
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, MODES, PITCH_NAMES, Melody
from server.generation.midi_io import midi_to_melody
from server.generation.midi_writing import melody_to_midi
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary
from training.classifier import excerpt
from training.dataset import SPLITS, load_splits
from training.genre_judge import NgramGenreJudge

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHECKPOINT = REPO_ROOT / "checkpoints" / "classifier"
DEFAULT_MELODY = REPO_ROOT / "checkpoints" / "melody"
DEFAULT_PLOT = REPO_ROOT / "docs" / "images" / "classifier-calibration.png"
METRICS_FILE = "metrics.json"
ECE_BINS = 15  # equal-width confidence bins, as in Guo et al.
TARGET_PRECISION = 0.95  # each genre's label, where shown, is right this often (validation)
THRESHOLD_GRID = np.round(np.arange(0.40, 1.0, 0.01), 2)  # calibrated top probabilities
STUDIO_BARS = 16  # the studio's default length
STUDIO_TOP_P = 0.95  # the studio's default nucleus

log = logging.getLogger(__name__)


def genre_weights(labels: np.ndarray) -> np.ndarray:
    """(n,) weights summing to 1 that give every genre the same total: the held-out pieces are
    mostly folk, while a studio user picks any genre."""
    counts = np.bincount(labels, minlength=len(GENRES)).astype(np.float64)
    weights = 1.0 / counts[labels]
    return weights / weights.sum()


def negative_log_likelihood(
    logits: np.ndarray, labels: np.ndarray, weights: np.ndarray, temperature: float
) -> float:
    probabilities = softmax(logits / temperature)
    return float(-np.sum(weights * np.log(probabilities[np.arange(len(labels)), labels] + 1e-12)))


def fit_temperature(logits: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The temperature in 0.05..20 that minimizes the weighted NLL (convex in 1/T, so a golden
    section search over log T finds it)."""
    low, high = np.log(0.05), np.log(20.0)
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        left, right = high - golden * (high - low), low + golden * (high - low)
        left_loss = negative_log_likelihood(logits, labels, weights, float(np.exp(left)))
        right_loss = negative_log_likelihood(logits, labels, weights, float(np.exp(right)))
        if left_loss <= right_loss:
            high = right
        else:
            low = left
    return float(np.exp((low + high) / 2.0))


def reliability(
    probabilities: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> dict:
    """Expected calibration error over ECE_BINS equal-width bins of the top probability, and
    per bin its mean confidence, accuracy and share of the pieces (empty bins left out)."""
    weights = np.full(len(labels), 1.0 / len(labels)) if weights is None else weights
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    bins = np.minimum((confidence * ECE_BINS).astype(np.int64), ECE_BINS - 1)
    table, error = [], 0.0
    for index in range(ECE_BINS):
        inside = bins == index
        share = float(weights[inside].sum())
        if share == 0:
            continue
        mean_confidence = float(np.average(confidence[inside], weights=weights[inside]))
        accuracy = float(np.average(correct[inside], weights=weights[inside]))
        error += share * abs(mean_confidence - accuracy)
        table.append({"confidence": mean_confidence, "accuracy": accuracy, "share": share})
    return {"ece": error, "bins": table}


def choose_threshold(
    probabilities: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    precision: float = TARGET_PRECISION,
) -> float:
    """The lowest threshold on THRESHOLD_GRID from which on (it and every higher one) each
    genre's label, where shown, is right for at least `precision` of the (weighted) melodies
    it is shown on: the folk label must be right on classical pieces too, not only on folk."""
    confidence, predicted = probabilities.max(axis=1), probabilities.argmax(axis=1)
    chosen = 1.0
    for threshold in THRESHOLD_GRID[::-1]:
        shown = confidence >= threshold
        for genre in range(probabilities.shape[1]):
            named = shown & (predicted == genre)
            if named.any() and weights[named & (labels == genre)].sum() < (
                precision * weights[named].sum()
            ):
                return chosen
        chosen = float(threshold)
    return chosen


def shown_labels(
    probabilities: np.ndarray, labels: np.ndarray, threshold: float, weights: np.ndarray
) -> dict:
    """Of the melodies whose label is shown: their share, and the share of labels that are
    right, overall and by the genre the label names (weighted)."""
    confidence, predicted = probabilities.max(axis=1), probabilities.argmax(axis=1)
    shown, right = confidence >= threshold, predicted == labels
    by_label = {}
    for index, genre in enumerate(GENRES):
        named = shown & (predicted == index)
        if named.any():
            by_label[genre] = float(weights[named & right].sum() / weights[named].sum())
    return {
        "shown": float(weights[shown].sum()),
        "precision": float(weights[shown & right].sum() / weights[shown].sum()),
        "precision_by_label": by_label,
    }


def held_out_report(classifier: GenreClassifier, splits: dict[str, list[Melody]]) -> tuple:
    """The calibrated classifier (temperature and threshold fitted on the validation pieces
    and their first 16 bars, the length of a studio song, every genre weighing the same) and
    its figures on the test pieces and on their first 16 bars."""
    valid = splits["valid"] + [excerpt(piece) for piece in splits["valid"]]
    valid_logits, valid_labels = logits_and_labels(classifier, valid)
    valid_weights = genre_weights(valid_labels)
    temperature = fit_temperature(valid_logits, valid_labels, valid_weights)
    calibrated_valid = softmax(valid_logits / temperature)
    threshold = choose_threshold(calibrated_valid, valid_labels, valid_weights)
    calibrated = classifier.with_calibration(temperature, threshold)
    report = {
        "temperature": temperature,
        "threshold": threshold,
        "target_precision_per_label": TARGET_PRECISION,
        "valid_melodies": len(valid),
    }
    test = splits["test"]
    for name, melodies in (("test", test), ("test_excerpts", [excerpt(p) for p in test])):
        logits, labels = logits_and_labels(classifier, melodies)
        before, after = softmax(logits), softmax(logits / temperature)
        balanced = genre_weights(labels)
        report[name] = {
            "pieces": len(melodies),
            "before": reliability(before, labels),
            "after": reliability(after, labels),
            "balanced_ece_before": reliability(before, labels, balanced)["ece"],
            "balanced_ece_after": reliability(after, labels, balanced)["ece"],
            "labels": shown_labels(after, labels, threshold, np.full(len(labels), 1 / len(labels))),
            "labels_balanced": shown_labels(after, labels, threshold, balanced),
        }
    return calibrated, report


def logits_and_labels(
    classifier: GenreClassifier, melodies: list[Melody]
) -> tuple[np.ndarray, np.ndarray]:
    features = np.stack([melody_features(melody) for melody in melodies])
    labels = np.array([GENRES.index(melody.genre) for melody in melodies])
    return classifier.logits(features), labels


def studio_generations(
    network: LstmNetwork, per_genre: int, seed: int
) -> tuple[list[Melody], list[str]]:
    """`per_genre` melodies per genre as the studio writes them by default (16 bars,
    temperature 1, top-p 0.95), keys and modes varied, each read back from its MIDI as the
    dashboard reads a saved song; and the genre each was asked for."""
    rng = np.random.default_rng(seed)
    params = [
        SamplingParams(
            genre=genre,
            key=PITCH_NAMES[int(rng.integers(12))],
            mode=MODES[int(rng.integers(len(MODES)))],
            bars=STUDIO_BARS,
            top_p=STUDIO_TOP_P,
            seed=int(rng.integers(2**31)),
        )
        for genre in GENRES
        for _ in range(per_genre)
    ]
    melodies = [midi_to_melody(melody_to_midi(melody)) for melody in generate(network, params)]
    return melodies, [params.genre for params in params]


def studio_report(
    classifier: GenreClassifier,
    melodies: list[Melody],
    asked: list[str],
    judge: NgramGenreJudge | None = None,
) -> dict:
    """What the label says on the studio's generations: before (the most likely genre at its
    raw probability, always shown) and with calibration and the label rule, overall and by
    the genre asked for; with a `judge`, how often that independent judge hears the genre
    asked for, and the genre the classifier leans to where it contradicts the request."""
    raw = [classifier.classify(melody) for melody in melodies]
    before = [top_genre(p) != genre for p, genre in zip(raw, asked, strict=True)]
    calibrated = [classifier.calibrated_classify(melody) for melody in melodies]
    verdicts = [classifier.verdict(p, genre) for p, genre in zip(calibrated, asked, strict=True)]
    genres = classifier.config.genres
    table = np.array([[probabilities[genre] for genre in genres] for probabilities in calibrated])
    report = {
        "melodies": len(melodies),
        "before_contradicting": float(np.mean(before)),
        # taking the genre asked for as the truth, which the melody model may not have met
        "against_asked": reliability(table, np.array([genres.index(g) for g in asked])),
        **agreement_shares(verdicts),
        "by_genre": {
            genre: agreement_shares([v for v, g in zip(verdicts, asked, strict=True) if g == genre])
            for genre in GENRES
        },
    }
    # The same melodies as if no genre had been asked (a room's song): confident, and right?
    unasked = [classifier.verdict(probabilities, None) for probabilities in calibrated]
    shown = [v.genre == genre for v, genre in zip(unasked, asked, strict=True) if claims(v)]
    report["if_not_asked"] = {
        "confident": len(shown) / len(unasked),
        "precision": float(np.mean(shown)) if shown else None,
    }
    if judge is not None:
        heard = [top_genre(judge.classify(melody)) for melody in melodies]
        leaning = [
            (v.genre, h)
            for v, h in zip(verdicts, heard, strict=True)
            if v.agreement is Agreement.LEANS
        ]
        report["judge"] = {
            "hears_asked": float(np.mean([h == g for h, g in zip(heard, asked, strict=True)])),
            "hears_the_leaning": float(np.mean([g == h for g, h in leaning])) if leaning else None,
        }
    return report


def top_genre(probabilities: dict[str, float]) -> str:
    return max(probabilities, key=probabilities.__getitem__)


def claims(verdict: Verdict) -> bool:
    return verdict.agreement is not Agreement.UNSURE


def agreement_shares(verdicts: list[Verdict]) -> dict:
    """Shares of each agreement, and how often a confident label names the genre asked for."""
    counts = {kind.value: sum(v.agreement is kind for v in verdicts) for kind in Agreement}
    confident = sum(claims(v) for v in verdicts)
    return {
        "shares": {kind: count / len(verdicts) for kind, count in counts.items()},
        "confident": confident / len(verdicts),
        "precision_where_confident": counts[Agreement.AS_ASKED] / confident if confident else None,
    }


def plot_reliability(report: dict, image: Path) -> None:
    """Share right against confidence per bin (marker area: share of the melodies): the test
    pieces before and after calibration, and the studio's generations against the genre
    each was asked for."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    test, studio = report["test"], report["studio"]
    figure, axes = plt.subplots(figsize=(6.5, 5.2))
    axes.plot([0, 1], [0, 1], "--", color="0.6", linewidth=1, label="perfectly calibrated")
    curves = (
        (test["before"], "o", "C3", f"{test['pieces']} test pieces, before"),
        (test["after"], "s", "C0", f"test pieces, temperature {report['temperature']:.2f}"),
        (studio["against_asked"], "^", "C2", f"{studio['melodies']} studio generations vs asked"),
    )
    for curve, marker, colour, name in curves:
        bins = curve["bins"]
        x, y = [b["confidence"] for b in bins], [b["accuracy"] for b in bins]
        axes.plot(x, y, "-", color=colour, linewidth=1, label=f"{name} (ECE {curve['ece']:.3f})")
        axes.scatter(x, y, s=[12 + 300 * b["share"] for b in bins], marker=marker, color=colour)
    axes.axvline(report["threshold"], color="0.4", linestyle=":", linewidth=1)
    axes.annotate(
        f"label shown from {report['threshold']:.2f}",
        (report["threshold"], 0.03),
        textcoords="offset points",
        xytext=(4, 0),
    )
    axes.set(xlabel="confidence (top probability)", ylabel="share right")
    axes.set(
        xlim=(0, 1.02), ylim=(0, 1.02), title=f"Genre classifier reliability ({ECE_BINS} bins)"
    )
    axes.legend(loc="lower left", fontsize="small")
    image.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(image, dpi=120)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.calibrate_classifier", description=__doc__
    )
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--melody", type=Path, default=DEFAULT_MELODY, help="melody network")
    parser.add_argument("--generations", type=int, default=20, help="per genre")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    parser.add_argument(
        "--judge",
        action="store_true",
        help="also ask the n-gram genre judge about the generations (parses every piece)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    classifier = GenreClassifier.load(args.checkpoint)
    # The held-out fifth is all calibration needs; the judge learns from the training pieces.
    splits = load_splits(args.source, only=SPLITS if args.judge else ("valid", "test"))
    calibrated, report = held_out_report(classifier, splits)
    melodies, asked = studio_generations(LstmNetwork.load(args.melody), args.generations, args.seed)
    judge = NgramGenreJudge(default_vocabulary()).fit(splits["train"]) if args.judge else None
    report["studio"] = studio_report(calibrated, melodies, asked, judge)
    calibrated.save(args.checkpoint)
    metrics_path = args.checkpoint / METRICS_FILE
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics["calibration"] = report
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    plot_reliability(report, args.plot)
    print(json.dumps(summary(report), indent=2))
    return report


def summary(report: dict) -> dict:
    """The headline figures, without the per-bin tables."""
    test, excerpts, studio = report["test"], report["test_excerpts"], report["studio"]
    return {
        "temperature": report["temperature"],
        "threshold": report["threshold"],
        "test_ece": [test["before"]["ece"], test["after"]["ece"]],
        "test_balanced_ece": [test["balanced_ece_before"], test["balanced_ece_after"]],
        "test_labels": test["labels"],
        "test_labels_balanced": test["labels_balanced"],
        "excerpt_ece": [excerpts["before"]["ece"], excerpts["after"]["ece"]],
        "excerpt_labels": excerpts["labels"],
        "studio": {
            **{
                key: value
                for key, value in studio.items()
                if key not in ("by_genre", "against_asked")
            },
            "ece_against_asked": studio["against_asked"]["ece"],
        },
    }


if __name__ == "__main__":
    main()
