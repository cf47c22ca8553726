"""Does the whole arrangement sound more of its genre than the melody alone?
(`python -m training.evaluate_arrangement [--pieces N] [--json]`)

Pieces are written as the studio writes them with the band on: the shipped progression network
chooses each piece's chords and form from its seed, the melody network writes over them (in C
major or A minor, the modes in turn), and the genre's band plays those chords. Two judges that
nothing in the writing consults, each fitted on real pieces of the training split:

- the melody judge (`training/feature_judge.py`: rhythm, interval and repetition features of the
  first 16 bars) hears the melody alone;
- the harmony judge (`training/harmony_judge.py`: chords, qualities, root motions, harmonic
  rhythm) hears the chords the band plays.

The arrangement's verdict is theirs together (the product of their probabilities, normalized):
a piece whose melody is ambiguous but whose harmony is plainly of its genre is heard as that
genre, as a listener hears a band. Bass and drums add no evidence here: the shared corpora hold
no bass or drum parts in every genre to fit a judge on (they are checked against the genres'
patterns by `training.evaluate_band`). Each judge's balanced accuracy on the real test split is
reported beside, as its own reliability.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.lstm import LstmNetwork
from server.generation.melody import GENRES, PITCH_NAMES, Melody, normalized_tonic
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from training.classifier import excerpt
from training.corpora import shared_data_dir
from training.dataset import load_splits
from training.evaluate_band import TEMPO
from training.feature_judge import FeatureGenreJudge, balanced_accuracy
from training.harmony_judge import HarmonyGenreJudge, progression_ids
from training.progression_corpora import load_progressions

MELODY_CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "melody"
MODES = ("major", "minor")
# Melodies parsed per corpus: enough training pieces for the judge (400 a genre) without
# reading all ten thousand folk tunes.
MELODIES_PER_SOURCE = 2000
Verdict = dict[str, float]


def written_pieces(
    genre: str,
    count: int,
    bars: int,
    seed: int,
    melody_network: LstmNetwork,
    progressions: ProgressionNetwork,
) -> list[tuple[Melody, list[int]]]:
    """`count` pieces of `genre` with the band: (melody, chord ids a half-bar, in C or Am)."""
    requests = []
    for index in range(count):
        mode = MODES[index % len(MODES)]
        params = SamplingParams(
            genre=genre,
            key=PITCH_NAMES[normalized_tonic(mode)],
            mode=mode,
            tempo=TEMPO[genre],
            bars=bars,
            seed=seed + index,
            write_chords=True,
            band=True,
        )
        requests.append(with_written_chords(params, progressions))
    melodies = generate(melody_network, requests)
    pieces = []
    for params, melody in zip(requests, melodies, strict=True):
        assert params.chords is not None
        pieces.append((melody, progression_ids(params.chords, melody.tonic, melody.mode)))
    return pieces


def together(melody: Verdict, harmony: Verdict) -> Verdict:
    """Both judges' evidence: the normalized product of their probabilities."""
    product = {genre: melody[genre] * harmony[genre] for genre in GENRES}
    total = sum(product.values()) or 1.0
    return {genre: value / total for genre, value in product.items()}


def judged(
    pieces: dict[str, list[tuple[Melody, list[int]]]],
    melody_judge: FeatureGenreJudge,
    harmony_judge: HarmonyGenreJudge,
) -> dict[str, Any]:
    """Per genre, the share of pieces each way of listening places in their genre."""
    verdicts: dict[str, dict[str, list[Verdict]]] = {"melody": {}, "harmony": {}, "arrangement": {}}
    for genre, written in pieces.items():
        heard = [
            (melody_judge.classify(excerpt(melody)), harmony_judge.classify(chords))
            for melody, chords in written
        ]
        verdicts["melody"][genre] = [m for m, _ in heard]
        verdicts["harmony"][genre] = [h for _, h in heard]
        verdicts["arrangement"][genre] = [together(m, h) for m, h in heard]
    report: dict[str, Any] = {}
    for way, by_genre in verdicts.items():
        report[way] = {
            genre: _share([max(v, key=v.get) == genre for v in mine])
            for genre, mine in by_genre.items()
        } | {"balanced": round(balanced_accuracy(by_genre), 3)}
    return report


def _share(hits: list[bool]) -> float:
    return round(float(np.mean(hits)), 3) if hits else float("nan")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pieces", type=int, default=40, help="pieces per genre")
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    melodies = load_splits(limit_per_source=MELODIES_PER_SOURCE)
    songs = load_progressions(shared_data_dir())
    melody_judge = FeatureGenreJudge().fit(melodies["train"])
    harmony_judge = HarmonyGenreJudge().fit([s for s in songs if s.split == "train"])
    melody_network = LstmNetwork.load(MELODY_CHECKPOINT)
    progressions = ProgressionNetwork.load()
    pieces = {
        genre: written_pieces(
            genre, args.pieces, args.bars, args.seed, melody_network, progressions
        )
        for genre in GENRES
    }
    report = {
        "pieces_per_genre": args.pieces,
        "bars": args.bars,
        "real_test_accuracy": {
            "melody_judge": round(melody_judge.accuracy(melodies["test"]), 3),
            "harmony_judge": round(
                harmony_judge.accuracy([s for s in songs if s.split == "test"]), 3
            ),
        },
        "written": judged(pieces, melody_judge, harmony_judge),
    }
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return report


def format_report(report: dict[str, Any]) -> str:
    real = report["real_test_accuracy"]
    lines = [
        f"{report['pieces_per_genre']} pieces of {report['bars']} bars per genre, with the band",
        f"judges on real test pieces (balanced): melody {real['melody_judge']:.1%}, "
        f"harmony {real['harmony_judge']:.1%}",
        "",
        f"{'heard':<12}" + "".join(f"{genre:>11}" for genre in (*GENRES, "balanced")),
    ]
    for way, shares in report["written"].items():
        cells = "".join(f"{shares[genre]:>11.1%}" for genre in (*GENRES, "balanced"))
        lines.append(f"{way:<12}{cells}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
