"""Measure style transfer: `python -m training.evaluate_transfer [--json] [--plot PNG]`.

Held-out test excerpts (16 bars) of every genre are converted to every other genre at several
strengths. Style: the genre classifier's probability and accuracy for the target genre. Content:
similarity to the source, the mean of the pitch-contour correlation on a common eighth-note grid
and the per-bar chroma similarity. The original app's method (the first 100 notes as a primer,
then 200 arg-max notes, the source itself discarded) is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import defaultdict
from pathlib import Path

import numpy as np

from server.generation.classifier import GenreClassifier
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, PITCH_NAMES, TICKS_PER_QUARTER, Melody
from server.generation.sampler import MelodyStream, SamplingParams, run_to_end, step_streams
from server.generation.transfer import TransferParams, TransferStream
from training.classifier import EXCERPT_BARS, excerpt
from training.dataset import load_splits

REPO_ROOT = Path(__file__).resolve().parent.parent
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
GRID_TICKS = TICKS_PER_QUARTER // 2  # the contour is compared at every eighth note
PRIMER_NOTES, CONTINUATION_NOTES = 100, 200  # the original app's conversion
MIN_NOTES = 8  # excerpts with fewer notes are skipped

log = logging.getLogger(__name__)


def sounding_pitches(melody: Melody, ticks: int) -> np.ndarray:
    """(ticks // GRID_TICKS,) pitch sounding at each grid point, NaN in rests, over `ticks`."""
    pitches = np.full(ticks, np.nan)
    for onset, event in zip(melody.onsets(), melody.events, strict=True):
        if event.pitch is not None and onset < ticks:
            pitches[onset : onset + event.duration] = event.pitch
    return pitches[::GRID_TICKS]


def contour_correlation(source: Melody, output: Melody) -> float:
    """Pearson correlation of the two pitch lines where both sound, 0 when undefined or < 0."""
    ticks = min(source.total_ticks, output.total_ticks)
    a, b = sounding_pitches(source, ticks), sounding_pitches(output, ticks)
    both = ~np.isnan(a) & ~np.isnan(b)
    if both.sum() < 3 or np.std(a[both]) == 0 or np.std(b[both]) == 0:
        return 0.0
    return max(float(np.corrcoef(a[both], b[both])[0, 1]), 0.0)


def bar_chroma(melody: Melody, bars: int) -> np.ndarray:
    """(bars, 12) duration-weighted pitch classes per bar of the source's grid."""
    chroma = np.zeros((bars, 12))
    offset = (melody.bar_ticks - melody.pickup_ticks) % melody.bar_ticks
    for onset, event in zip(melody.onsets(), melody.events, strict=True):
        if event.pitch is None:
            continue
        for tick in range(onset, onset + event.duration):
            bar = (tick + offset) // melody.bar_ticks
            if bar < bars:
                chroma[bar, event.pitch % 12] += 1
    return chroma


def chroma_similarity(source: Melody, output: Melody) -> float:
    """Mean cosine similarity of per-bar chroma over the bars where the source sounds."""
    bars = -(-(source.total_ticks + source.bar_ticks) // source.bar_ticks)
    a, b = bar_chroma(source, bars), bar_chroma(_on_grid_of(output, source), bars)
    sounding = a.sum(axis=1) > 0
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosine = np.divide((a * b).sum(axis=1), norms, out=np.zeros(bars), where=norms > 0)
    return float(cosine[sounding].mean()) if sounding.any() else 0.0


def _on_grid_of(output: Melody, source: Melody) -> Melody:
    """`output` read with the source's bar length and pickup (both start at tick 0)."""
    return Melody(output.events, source.bar_ticks, source.pickup_ticks, output.tonic, output.mode)


def content_similarity(source: Melody, output: Melody) -> dict[str, float]:
    contour, chroma = contour_correlation(source, output), chroma_similarity(source, output)
    return {"contour": contour, "chroma": chroma, "content": (contour + chroma) / 2}


def original_method(network: LstmNetwork, piece: Melody, targets: list[str]) -> list[Melody]:
    """The original app's conversion of `piece` into each target genre: its first 100 notes
    prime the genre model, which then continues with 200 arg-max events; only those are kept."""
    primer = tuple(piece.notes()[:PRIMER_NOTES])
    key = PITCH_NAMES[piece.tonic]
    streams = [
        MelodyStream(
            SamplingParams(genre=t, key=key, mode=piece.mode, bars=128, top_p=0.0, primer=primer),
            network.vocabulary,
        )
        for t in targets
    ]
    length = len(streams[0].primer) + CONTINUATION_NOTES  # events, primer included
    state = network.initial_state(len(streams))
    while active := [i for i, s in enumerate(streams) if not s.done and len(s.events) < length]:
        rows = np.array(active)
        _, state[:, :, rows] = step_streams(
            network, [streams[i] for i in active], state[:, :, rows]
        )
    return [continuation(stream) for stream in streams]


def continuation(stream: MelodyStream) -> Melody:
    """What the original app handed back: the events after the primer."""
    melody = stream.melody()
    melody.events = melody.events[len(stream.primer) :]
    return melody


def test_excerpts(per_genre: int, seed: int) -> dict[str, list[tuple[Melody, Melody]]]:
    """Genre -> [(test piece, its first EXCERPT_BARS bars)], `per_genre` drawn at random."""
    test = load_splits()["test"]
    rng = np.random.default_rng(seed)
    chosen = {}
    for genre in GENRES:
        pairs = [(p, excerpt(p)) for p in test if p.genre == genre]
        pairs = [(piece, part) for piece, part in pairs if part.note_count >= MIN_NOTES]
        picks = sorted(rng.permutation(len(pairs))[:per_genre])
        chosen[genre] = [pairs[i] for i in picks]
    return chosen


def scores(classifier: GenreClassifier, source: Melody, output: Melody, target: str) -> dict:
    probabilities = classifier.classify(output)
    verdict = max(probabilities, key=probabilities.get)
    return {
        "target_probability": probabilities[target],
        "correct": verdict == target,
        **content_similarity(source, output),
    }


def convert_all(network, classifier, sources, strengths, seed: int) -> list[dict]:
    """Every source to every other genre at every strength, all streams stepped together."""
    jobs, streams = [], []
    for genre, pairs in sources.items():
        for index, (_, part) in enumerate(pairs):
            for target in (t for t in GENRES if t != genre):
                for strength in strengths:
                    params = TransferParams(target, strength, seed=seed + index)
                    streams.append(TransferStream(part, params, network.vocabulary, network))
                    jobs.append({"source": genre, "target": target, "strength": strength})
    log.info("converting %d excerpts", len(streams))
    run_to_end(network, streams)
    return [
        job | scores(classifier, part, stream.melody(), job["target"])
        for job, stream, part in zip(jobs, streams, _parts(sources, strengths), strict=True)
    ]


def _parts(sources: dict, strengths) -> list[Melody]:
    """The source excerpt of each job, in the order convert_all makes them."""
    return [
        part
        for genre, pairs in sources.items()
        for _, part in pairs
        for _ in range((len(GENRES) - 1) * len(strengths))
    ]


def original_all(network, classifier, sources) -> list[dict]:
    results = []
    for genre, pairs in sources.items():
        targets = [t for t in GENRES if t != genre]
        for piece, part in pairs:
            outputs = original_method(network, piece, targets)
            results += [
                {"source": genre, "target": t} | scores(classifier, part, output, t)
                for t, output in zip(targets, outputs, strict=True)
            ]
    return results


def summary(rows: list[dict]) -> dict:
    keys = ("target_probability", "correct", "content", "contour", "chroma")
    return {key: float(np.mean([row[key] for row in rows])) for key in keys} | {"n": len(rows)}


def summarize(conversions: list[dict], original: list[dict], strengths) -> dict:
    by_strength = {s: summary([r for r in conversions if r["strength"] == s]) for s in strengths}
    by_target: dict = defaultdict(dict)
    for strength in strengths:
        for target in GENRES:
            rows = [r for r in conversions if r["strength"] == strength and r["target"] == target]
            by_target[str(strength)][target] = summary(rows)
    return {
        "by_strength": {str(s): v for s, v in by_strength.items()},
        "by_strength_and_target": by_target,
        "original_method": summary(original),
    }


def plot_tradeoff(results: dict, image: Path) -> None:
    """Target-genre accuracy against content similarity, one point per strength."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    points = results["by_strength"]
    content = [v["content"] for v in points.values()]
    style = [v["correct"] for v in points.values()]
    figure, axes = plt.subplots(figsize=(6, 4.5))
    axes.plot(content, style, "o-", label="guided re-generation (labels: strength)")
    for strength, x, y in zip(points, content, style, strict=True):
        axes.annotate(strength, (x, y), textcoords="offset points", xytext=(5, 5))
    axes.axvline(0.6, color="0.7", linestyle="--", linewidth=1)  # the targets: content >= 0.6
    axes.axhline(0.8, color="0.7", linestyle="--", linewidth=1)  # and target genre >= 80%
    original = results["original_method"]
    axes.plot([original["content"]], [original["correct"]], "s", color="C3", label="original app")
    axes.set(xlabel="content similarity to the source", ylabel="classified as target genre")
    axes.set(xlim=(0, 1.05), ylim=(0, 1.05), title="Style transfer trade-off")
    axes.legend(loc="lower left")
    image.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(image, dpi=120)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.evaluate_transfer", description=__doc__
    )
    parser.add_argument("--checkpoint", type=Path, default=REPO_ROOT / "models" / "melody")
    parser.add_argument("--classifier", type=Path, default=REPO_ROOT / "models" / "classifier")
    parser.add_argument("--pieces", type=int, default=12, help="test excerpts per genre")
    parser.add_argument("--strengths", type=float, nargs="+", default=list(STRENGTHS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--plot", type=Path, default=REPO_ROOT / "docs" / "images" / "style-transfer.png"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    network = LstmNetwork.load(args.checkpoint)
    classifier = GenreClassifier.load(args.classifier)
    sources = test_excerpts(args.pieces, args.seed)
    conversions = convert_all(network, classifier, sources, args.strengths, args.seed)
    original = original_all(network, classifier, sources)
    results = summarize(conversions, original, args.strengths)
    results |= {"excerpt_bars": EXCERPT_BARS, "pieces_per_genre": args.pieces}
    results["checkpoint"] = str(args.checkpoint)
    plot_tradeoff(results, args.plot)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return results


def print_table(results: dict) -> None:
    print("strength  target-prob  classified-as-target  content  contour  chroma")
    rows = list(results["by_strength"].items()) + [("original", results["original_method"])]
    for name, row in rows:
        print(
            f"{name:>8}  {row['target_probability']:11.2f}  {row['correct']:20.2f}  "
            f"{row['content']:7.2f}  {row['contour']:7.2f}  {row['chroma']:6.2f}"
        )


if __name__ == "__main__":
    main()
