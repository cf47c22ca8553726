"""Measure style transfer: `python -m training.evaluate_transfer [--json] [--plot PNG]`.

Held-out test excerpts (16 bars) of every genre are converted to every other genre at several
strengths, as the product converts (with the style search) and without the search. Style: the
genre classifier's probability and accuracy for the target genre, and the verdict of a second,
independent judge (training/genre_judge.py), since the search itself consults the classifier.
Content: similarity to the source, the mean of the pitch-contour correlation on a common
eighth-note grid and the per-bar chroma similarity. The original app's method (the first 100
notes as a primer, then 200 arg-max notes, the source itself discarded) is measured in the same
run.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.generation.classifier import GenreClassifier
from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, PITCH_NAMES, Melody
from server.generation.melody_stream import MelodyStream
from server.generation.sampler import run_to_end, step_streams
from server.generation.sampling_params import SamplingParams
from server.generation.similarity import content_similarity
from server.generation.style_search import CANDIDATES, StyleSearch
from server.generation.transfer import TransferStream
from server.generation.transfer_params import TransferParams
from training.classifier import EXCERPT_BARS, excerpt
from training.conversion_songs import evaluate_songs
from training.dataset import load_splits
from training.genre_judge import NgramGenreJudge

REPO_ROOT = Path(__file__).resolve().parent.parent
STRENGTHS = (0.0, 0.25, 0.5, 0.6, 0.7, 0.8, 1.0)
PRIMER_NOTES, CONTINUATION_NOTES = 100, 200  # the original app's conversion
MIN_NOTES = 8  # excerpts with fewer notes are skipped

log = logging.getLogger(__name__)


def original_method(network: LstmNetwork, piece: Melody, targets: list[str]) -> list[Melody]:
    """The original app's conversion of `piece` into each target genre: its first 100 notes
    prime the genre model, which then continues with 200 arg-max events; only those are kept."""
    primer = tuple((n.pitch, n.start_beats, n.duration_beats) for n in piece.notes()[:PRIMER_NOTES])
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


@dataclass(frozen=True)
class Judges:
    classifier: GenreClassifier
    ngram: NgramGenreJudge


def scores(judges: Judges, source: Melody, output: Melody, target: str) -> dict:
    probabilities = judges.classifier.classify(output)
    second = judges.ngram.classify(output)
    return {
        "target_probability": probabilities[target],
        "correct": max(probabilities, key=probabilities.get) == target,
        "judge_correct": max(second, key=second.get) == target,
        **content_similarity(source, output),
    }


def convert_all(network, judges, sources, strengths, seed: int, search=None) -> list[dict]:
    """Every source to every other genre at every strength, all streams stepped together;
    with `search` (a StyleSearch), each bar is the best of its candidates."""
    jobs, streams = [], []
    for genre, pairs in sources.items():
        for index, (_, part) in enumerate(pairs):
            for target in (t for t in GENRES if t != genre):
                for strength in strengths:
                    params = TransferParams(target, strength, seed=seed + index)
                    streams.append(
                        TransferStream(part, params, network.vocabulary, network, search)
                    )
                    jobs.append({"source": genre, "target": target, "strength": strength})
    log.info("converting %d excerpts", len(streams))
    run_to_end(network, streams)
    return [
        job | scores(judges, part, stream.melody(), job["target"])
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


def original_all(network, judges, sources) -> list[dict]:
    results = []
    for genre, pairs in sources.items():
        targets = [t for t in GENRES if t != genre]
        for piece, part in pairs:
            outputs = original_method(network, piece, targets)
            results += [
                {"source": genre, "target": t} | scores(judges, part, output, t)
                for t, output in zip(targets, outputs, strict=True)
            ]
    return results


def summary(rows: list[dict]) -> dict:
    keys = ("target_probability", "correct", "judge_correct", "content", "contour", "chroma")
    return {key: float(np.mean([row[key] for row in rows])) for key in keys} | {"n": len(rows)}


def summarize(conversions: list[dict], strengths) -> dict:
    by_strength = {s: summary([r for r in conversions if r["strength"] == s]) for s in strengths}
    by_target: dict = defaultdict(dict)
    for strength in strengths:
        for target in GENRES:
            rows = [r for r in conversions if r["strength"] == strength and r["target"] == target]
            by_target[str(strength)][target] = summary(rows)
    return {
        "by_strength": {str(s): v for s, v in by_strength.items()},
        "by_strength_and_target": by_target,
    }


def plot_tradeoff(results: dict, image: Path) -> None:
    """Target-genre accuracy against content similarity, one point per strength: by the
    classifier (solid) and by the independent n-gram judge (faint)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.5, 4.8))
    curves = (("search", "o", "C0", "with style search"), ("plain", "^", "C1", "without"))
    for method, marker, colour, label in curves:
        points = results[method]["by_strength"]
        content = [v["content"] for v in points.values()]
        for key, line, alpha, judged_by in (
            ("correct", "-", 1.0, ""),
            ("judge_correct", ":", 0.5, ", n-gram judge"),
        ):
            style = [v[key] for v in points.values()]
            axes.plot(
                content, style, marker + line, color=colour, alpha=alpha, label=label + judged_by
            )
        if method == "search":
            for strength, x, y in zip(
                points, content, [v["correct"] for v in points.values()], strict=True
            ):
                axes.annotate(strength, (x, y), textcoords="offset points", xytext=(5, 5))
    axes.axvline(0.6, color="0.7", linestyle="--", linewidth=1)  # the targets: content >= 0.6
    axes.axhline(0.8, color="0.7", linestyle="--", linewidth=1)  # and target genre >= 80%
    original = results["original_method"]
    axes.plot([original["content"]], [original["correct"]], "s", color="C3", label="original app")
    axes.set(xlabel="content similarity to the source", ylabel="judged the target genre")
    axes.set(xlim=(0, 1.05), ylim=(0, 1.05), title="Style transfer trade-off (labels: strength)")
    axes.legend(loc="lower center", fontsize="small")
    image.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(image, dpi=120)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.evaluate_transfer", description=__doc__
    )
    parser.add_argument("--checkpoint", type=Path, default=REPO_ROOT / "checkpoints" / "melody")
    parser.add_argument("--classifier", type=Path, default=REPO_ROOT / "checkpoints" / "classifier")
    parser.add_argument("--pieces", type=int, default=12, help="test excerpts per genre")
    parser.add_argument("--strengths", type=float, nargs="+", default=list(STRENGTHS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--plot", type=Path, default=REPO_ROOT / "docs" / "images" / "style-transfer.png"
    )
    parser.add_argument("--candidates", type=int, default=CANDIDATES, help="style search width")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--songs", type=int, default=0, help="instead: N whole held-out POP909 files"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    network = LstmNetwork.load(args.checkpoint)
    classifier = GenreClassifier.load(args.classifier)
    if args.songs:
        songs = evaluate_songs(network, classifier, args.songs, args.seed)
        print(json.dumps(songs, indent=2))
        return songs
    judges = Judges(classifier, NgramGenreJudge(network.vocabulary).fit(load_splits()["train"]))
    sources = test_excerpts(args.pieces, args.seed)
    search = StyleSearch(network, classifier, args.candidates)
    results: dict = {"excerpt_bars": EXCERPT_BARS, "pieces_per_genre": args.pieces}
    for method, searching in (("search", search), ("plain", None)):
        began = time.perf_counter()
        rows = convert_all(network, judges, sources, args.strengths, args.seed, searching)
        seconds = time.perf_counter() - began
        results[method] = summarize(rows, args.strengths) | {
            "seconds_per_conversion": seconds / len(rows)
        }
    results["original_method"] = summary(original_all(network, judges, sources))
    results |= {"checkpoint": str(args.checkpoint), "candidates": args.candidates}
    plot_tradeoff(results, args.plot)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return results


def print_table(results: dict) -> None:
    print("method    strength  target-prob  as-target  judge  content  contour  chroma")
    rows = [
        (method, name, row)
        for method in ("search", "plain")
        for name, row in results[method]["by_strength"].items()
    ]
    for method, name, row in [*rows, ("original", "", results["original_method"])]:
        print(
            f"{method:8}  {name:>8}  {row['target_probability']:11.2f}  {row['correct']:9.2f}  "
            f"{row['judge_correct']:5.2f}  {row['content']:7.2f}  {row['contour']:7.2f}  "
            f"{row['chroma']:6.2f}"
        )


if __name__ == "__main__":
    main()
