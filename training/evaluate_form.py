"""Measure form and realism: `python -m training.evaluate_form [--json] [--bars 16] [--count N]`.

Per genre, N melodies of `--bars` bars written by the shipped network as the studio writes a
piece asked for without chords (seeded; temperature 1, top-p 0.95, over the chords the
progression network writes; `--chords none`: over none) against real excerpts of the genre's
test split:
each form measure's real median [p10, p90] beside the generated median, and the balanced
accuracy of a real-vs-generated discriminator under piece-grouped cross-validation.

Real excerpts: test pieces in 4/4 (the network writes 4/4 only) of at least MIN_BARS full bars;
the first `--bars` bars of each (the whole piece when shorter), and from longer pieces the
following `--bars`-bar stretches too, up to EXCERPTS_PER_PIECE excerpts a piece.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from server.generation.lstm import CheckpointError, LstmNetwork
from server.generation.melody import GENRES, PITCH_NAMES, Melody, normalized_tonic
from server.generation.melody_stream import BAR_TICKS
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import AUTO_CHORDS, NO_CHORDS, with_written_chords_for
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from training import discriminator
from training.classifier import excerpt, piece_bars
from training.dataset import load_splits
from training.form_metrics import METRICS, SHARES, form_metrics
from training.genre_groups import by_genre

MIN_BARS = 8  # shorter test pieces say little about form
MIN_NOTES = 8  # excerpts with fewer notes are left out
EXCERPTS_PER_PIECE = 4  # so long pop songs and jazz solos do not outweigh the rest
FOLDS = 5


def real_excerpts(pieces: list[Melody], bars: int) -> Iterator[Melody]:
    """Excerpts of the 4/4 pieces, each keeping its piece's name (the cross-validation group)."""
    for piece in pieces:
        length = piece_bars(piece)
        if piece.bar_ticks != BAR_TICKS or length < MIN_BARS:
            continue
        for index in range(min(EXCERPTS_PER_PIECE, max(length // bars, 1))):
            part = excerpt(piece, index * bars, bars)
            if part.note_count >= MIN_NOTES:
                yield part


def generated_melodies(
    network: LstmNetwork,
    real: dict[str, list[Melody]],
    count: int,
    bars: int,
    seed: int,
    chords: str = AUTO_CHORDS,
) -> dict[str, list[Melody]]:
    """`count` melodies per genre, all written in one batch, in C major or A minor with the
    modes of that genre's real excerpts in turn; melody i of a genre has seed `seed + i`. With
    `chords` "auto" each is written over the chords the progression network writes for it, as
    the studio writes a piece asked for without chords; with "none", over no chords."""
    requests = []
    for genre, excerpts in real.items():
        for index in range(count):
            mode = excerpts[index % len(excerpts)].mode
            key = PITCH_NAMES[normalized_tonic(mode)]
            requests.append(
                SamplingParams(
                    genre,
                    key,
                    mode,
                    bars=bars,
                    seed=seed + index,
                    write_chords=chords == AUTO_CHORDS,
                )
            )
    if chords == AUTO_CHORDS:
        requests = with_written_chords_for(requests, ProgressionNetwork.load())
    melodies = generate(network, requests)
    return {genre: melodies[i * count : (i + 1) * count] for i, genre in enumerate(real)}


def spread(values: list[float]) -> dict[str, float]:
    """Median, the 10th and 90th percentiles and the mean."""
    p10, median, p90 = np.percentile(values, [10, 50, 90])
    return {
        "median": float(median),
        "p10": float(p10),
        "p90": float(p90),
        "mean": float(np.mean(values)),
    }


def evaluate_genre(real: list[Melody], generated: list[Melody], seed: int) -> dict:
    """Every measure, real against generated, and the discriminator's accuracy."""
    measures = {
        "real": [form_metrics(melody) for melody in real],
        "generated": [form_metrics(melody) for melody in generated],
    }
    metrics = {}
    for name in METRICS:
        sides = {side: spread([m[name] for m in rows]) for side, rows in measures.items()}
        median = sides["generated"]["median"]
        within = sides["real"]["p10"] <= median <= sides["real"]["p90"]
        metrics[name] = {**sides, "generated_median_within_real_p10_p90": within}
    x = np.stack([discriminator.features(melody) for melody in real + generated])
    labels = np.array([discriminator.REAL] * len(real) + [discriminator.GENERATED] * len(generated))
    groups = np.array([m.name for m in real] + [f"generated #{i}" for i in range(len(generated))])
    judged = discriminator.cross_validate(x, labels, groups, FOLDS, seed)
    judged["telling_features"] = discriminator.telling_features(x, labels)
    return {
        "real_pieces": len(set(m.name for m in real)),
        "real_excerpts": len(real),
        "real_median_bars": float(np.median([m.total_ticks / m.bar_ticks for m in real])),
        "generated": len(generated),
        "metrics": metrics,
        "discriminator": judged,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_form", description=__doc__)
    parser.add_argument("--checkpoint", type=Path, default=Path("checkpoints/melody"))
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--bars", type=int, default=16, help="bars of each melody and excerpt")
    parser.add_argument("--count", type=int, default=200, help="generated melodies per genre")
    parser.add_argument("--seed", type=int, default=0, help="first sampling seed; fold seed")
    parser.add_argument(
        "--chords",
        choices=(AUTO_CHORDS, NO_CHORDS),
        default=AUTO_CHORDS,
        help="write the generated melodies over the model's chords, as the studio does by "
        "default (auto), or over none",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, *, test: list[Melody] | None = None) -> dict:
    """Evaluate and return the results; `test` replaces the corpora's test split (tests)."""
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        network = LstmNetwork.load(args.checkpoint)
    except CheckpointError as error:
        raise SystemExit(f"evaluate_form: error: {error}") from error
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the results
        result = evaluate_test(network, test_split(args.source) if test is None else test, args)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return result


def test_split(sources: list[str] | None) -> list[Melody]:
    """The test pieces of every source (all five genres by default), parsed or from the cache."""
    return load_splits(sources, only=("test",))["test"]


def real_and_generated(
    network: LstmNetwork,
    test: list[Melody],
    bars: int,
    count: int,
    seed: int,
    chords: str = AUTO_CHORDS,
) -> tuple[dict[str, list[Melody]], dict[str, list[Melody]], dict[str, str]]:
    """Per genre, the real excerpts and `count` generated melodies of `bars` bars (over
    `chords`, see `generated_melodies`); and the genres skipped, with the reason."""
    pieces = by_genre(test)
    skipped = {genre: "no test pieces (corpus missing)" for genre in GENRES if genre not in pieces}
    real = {}
    for genre, melodies in pieces.items():
        excerpts = list(real_excerpts(melodies, bars))
        if len({m.name for m in excerpts}) < 2:
            skipped[genre] = f"fewer than 2 test pieces in 4/4 of at least {MIN_BARS} bars"
        else:
            real[genre] = excerpts
    return real, generated_melodies(network, real, count, bars, seed, chords), skipped


def evaluate_test(network: LstmNetwork, test: list[Melody], args: argparse.Namespace) -> dict:
    real, generated, skipped = real_and_generated(
        network, test, args.bars, args.count, args.seed, args.chords
    )
    genres = {}
    for genre in real:
        print(f"measuring {genre} ({len(real[genre])} real excerpts)")
        genres[genre] = evaluate_genre(real[genre], generated[genre], args.seed)
    return {
        "checkpoint": str(args.checkpoint),
        "bars": args.bars,
        "count": args.count,
        "seed": args.seed,
        "chords": args.chords,
        "genres": genres,
        "skipped_genres": skipped,
    }


def spread_cell(values: dict[str, float], form: str) -> str:
    median, p10, p90, mean = (form.format(values[k]) for k in ("median", "p10", "p90", "mean"))
    return f"{median} [{p10}, {p90}] {mean}"


def print_table(result: dict) -> None:
    for genre, report in result["genres"].items():
        accuracy = report["discriminator"]["balanced_accuracy"]
        print(
            f"\n{genre}: {report['real_excerpts']} real excerpts of {report['real_pieces']} "
            f"pieces vs {report['generated']} generated; discriminator {accuracy:.1%} balanced"
        )
        weights = report["discriminator"]["telling_features"]
        telling = ", ".join(f"{t['feature']} {t['weight']:+.2f}" for t in weights)
        print(f"  its largest weights (> 0: looks real): {telling}")
        print(f"  {'measure':<18}{'real median [p10, p90] mean':>36}{'generated':>36}")
        for name, sides in report["metrics"].items():
            form = "{:.1%}" if name in SHARES else "{:.2f}"
            cells = [spread_cell(sides[side], form) for side in ("real", "generated")]
            print(f"  {name:<18}{cells[0]:>36}{cells[1]:>36}")
    for genre, reason in result["skipped_genres"].items():
        print(f"\nskipped {genre}: {reason}")
    print(f"\n{result['seconds']} s")


if __name__ == "__main__":
    main()
