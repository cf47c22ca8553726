"""Measure the shipped melody network against baselines on each genre's test split:
`python -m training.evaluate [--checkpoint checkpoints/melody] [--source SPEC ...] [--json]`.

Bits per event = -log2 P(pitch) - log2 P(duration | pitch); results go to <checkpoint>/metrics.json.
Each genre's "realism" sets generated melodies beside real ones (`training/evaluate_realism.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from server.generation.chord_following import STRONG_BEAT_TICKS
from server.generation.chords import Chord
from server.generation.lstm import INPUT_NAMES, CheckpointError, LstmNetwork
from server.generation.melody import PITCH_NAMES, Melody, normalized_tonic
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import EncodedMelody, Vocabulary
from training import baselines
from training.evaluate_realism import realism
from training.genre_groups import by_genre
from training.windows import encode_pieces, piece_rows

NGRAM_ORDERS = (3, 4, 5)
# A test piece whose 8-event runs mostly occur in the train split is another copy of a train
# tune (Bach set many chorale melodies more than once; folk books hold variants of one tune),
# so it measures memory, not modelling: such pieces are left out of the test set.
DUPLICATE_RUN = 8  # events
DUPLICATE_SHARE = 0.5
INTERVAL_LIMIT = 12  # semitones; larger leaps share the outermost bins


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def padded(pieces: list[EncodedMelody], vocabulary: Vocabulary) -> dict[str, np.ndarray]:
    """(pieces, longest) ids of every input and target, zero after each piece's end."""
    rows = [piece_rows(piece, vocabulary, piece.genre) for piece in pieces]
    longest = max(len(piece) for piece in pieces)
    out = {}
    for key in (*INPUT_NAMES, "pitch", "duration"):
        out[key] = np.zeros((len(pieces), longest), dtype=np.int64)
        for index, row in enumerate(rows):
            out[key][index, : len(row[key])] = row[key]
    return out


def score_network(
    network: LstmNetwork, pieces: list[EncodedMelody], batch: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """(bits, correct) for every event, teacher-forced; `correct` means the greedy guess (most
    likely pitch, then its most likely duration) is the event that follows."""
    vocabulary = network.require_vocabulary()
    pieces = sorted(pieces, key=len)  # similar lengths share a batch; means ignore the order
    bits, correct = [], []
    for first in range(0, len(pieces), batch):
        group = pieces[first : first + batch]
        ids = padded(group, vocabulary)
        pitch, duration = ids["pitch"], ids["duration"]
        inputs = np.stack([ids[name] for name in INPUT_NAMES])  # (inputs, rows, steps)
        rows, steps = pitch.shape
        state = network.initial_state(rows)
        step_bits, step_hits = np.zeros((rows, steps)), np.zeros((rows, steps), dtype=bool)
        for t in range(steps):
            logits, state = network.step(inputs[:, :, t], state)
            pitch_log = log_softmax(logits)
            duration_log = log_softmax(network.duration_logits(state, pitch[:, t]))
            guess = pitch_log.argmax(axis=1)
            guess_duration = network.duration_logits(state, guess).argmax(axis=1)
            picked = pitch_log[np.arange(rows), pitch[:, t]]
            picked += duration_log[np.arange(rows), duration[:, t]]
            step_bits[:, t] = -picked / np.log(2)
            step_hits[:, t] = (guess == pitch[:, t]) & (guess_duration == duration[:, t])
        for row, piece in enumerate(group):
            bits.append(step_bits[row, : len(piece)])
            correct.append(step_hits[row, : len(piece)])
    return np.concatenate(bits), np.concatenate(correct)


def chord_bits_by_genre(
    network: LstmNetwork, encoded: dict[str, list[EncodedMelody]]
) -> dict[str, dict[str, float]]:
    """Per genre of the test split (pieces that repeat a train piece left out, as for the other
    figures): bits per event with the pieces' chords and with "no chord" everywhere, the same
    network and events; and the share of events that have a chord. `encoded` is
    `training.encode.load_arrays(...)` (see `encoded_corpora`)."""
    vocabulary = network.require_vocabulary()
    result: dict[str, dict[str, float]] = {}
    for genre_id, genre in enumerate(vocabulary.genres):
        test = [piece for piece in encoded["test"] if piece.genre == genre_id]
        train = [piece for piece in encoded["train"] if piece.genre == genre_id]
        test = drop_duplicates(test, train, vocabulary.n_duration)
        if not test:
            continue
        with_chords, _ = score_network(network, test)
        without, _ = score_network(network, [piece.without_chords() for piece in test])
        chorded = np.concatenate([piece.chord > 0 for piece in test])
        result[genre] = {
            "events": int(len(with_chords)),
            "bits_with_chords": float(with_chords.mean()),
            "bits_without_chords": float(without.mean()),
            "chord_share": float(chorded.mean()),
            # the events that have a chord, where the chords can tell the network anything
            "bits_with_chords_on_chords": float(with_chords[chorded].mean()),
            "bits_without_chords_on_chords": float(without[chorded].mean()),
        }
    return result


def strong_beat_chord_tone_share(
    pieces: list[EncodedMelody], vocabulary: Vocabulary
) -> tuple[float, int]:
    """(share, notes) of the notes starting on beats 1 and 3 (ticks 0 and 24 into the bar) under
    a chord that are tones of that chord: what real melodies of a genre do over their labels."""
    tones = notes = 0
    for piece in pieces:
        strong = np.isin(piece.position, STRONG_BEAT_TICKS) & (piece.pitch > 0) & (piece.chord > 0)
        for pitch_id, chord_id in zip(piece.pitch[strong], piece.chord[strong], strict=True):
            pitch = vocabulary.pitch_of(int(pitch_id))
            assert pitch is not None  # rests are left out above
            notes += 1
            tones += pitch % 12 in Chord.from_id(int(chord_id)).pitch_classes()
    return tones / max(notes, 1), notes


def fill_chord_bits(result: dict, chords: dict[str, dict[str, float]]) -> None:
    """Put the bits with and without chords under `chords` and into each genre's realism row."""
    result["chords"] = chords
    for genre, bits in chords.items():
        row = result["genres"].get(genre, {}).get("realism")
        if row is not None and "skipped" not in row:
            row.pop("bits_note", None)
            row["bits_with_chords"] = bits["bits_with_chords"]
            row["bits_without_chords"] = bits["bits_without_chords"]


def encoded_corpora(args: argparse.Namespace) -> dict[str, list[EncodedMelody]]:
    """The corpora's encoded pieces with their chords (`training.encode`, cached)."""
    from training.encode import encode_corpora, load_arrays

    path = encode_corpora(args.source, cache_dir=args.cache_dir, limit=args.limit_per_source)
    return load_arrays(path)


def histograms(melodies: list[Melody], vocabulary: Vocabulary) -> dict[str, np.ndarray]:
    """Normalized pitch-class (12), interval (25: -12..+12 semitones) and duration-id histograms."""
    counts = {
        "pitch_class": np.zeros(12),
        "interval": np.zeros(2 * INTERVAL_LIMIT + 1),
        "duration": np.zeros(vocabulary.n_duration),
    }
    for melody in melodies:
        pitches = [event.pitch for event in melody.events if event.pitch is not None]
        np.add.at(counts["pitch_class"], np.array(pitches, dtype=int) % 12, 1)
        leaps = np.clip(np.diff(pitches), -INTERVAL_LIMIT, INTERVAL_LIMIT) + INTERVAL_LIMIT
        np.add.at(counts["interval"], leaps.astype(int), 1)
        durations = [vocabulary.duration_id(event.duration) for event in melody.events]
        np.add.at(counts["duration"], durations, 1)
    return {name: values / max(values.sum(), 1) for name, values in counts.items()}


def overlaps(sampled: list[Melody], test: list[Melody], vocabulary: Vocabulary) -> dict:
    """Overlapping area of each histogram pair (1 = identical; Yang and Lerch 2018)."""
    ours, theirs = histograms(sampled, vocabulary), histograms(test, vocabulary)
    result = {name: float(np.minimum(ours[name], theirs[name]).sum()) for name in ours}
    result["mean"] = float(np.mean(list(result.values())))
    return result


def sample_like(network: LstmNetwork, test: dict[str, list[Melody]], count: int, bars: int):
    """`count` melodies per genre, in C major / A minor with the test pieces' modes."""
    requests, genres = [], []
    for genre, melodies in test.items():
        for seed in range(count):
            mode = melodies[seed % len(melodies)].mode
            key = PITCH_NAMES[normalized_tonic(mode)]
            requests.append(SamplingParams(genre, key, mode, bars=bars, seed=seed, top_p=1.0))
            genres.append(genre)
    sampled = defaultdict(list)
    for genre, melody in zip(genres, generate(network, requests), strict=True):
        sampled[genre].append(melody)
    return sampled


def drop_duplicates(
    test: list[EncodedMelody], train: list[EncodedMelody], n_duration: int
) -> list[EncodedMelody]:
    """Test pieces with at most DUPLICATE_SHARE of their 8-event runs found in train."""

    def runs(piece: EncodedMelody) -> list[tuple[int, ...]]:
        tokens = baselines.joint_tokens(piece, n_duration).tolist()
        return [
            tuple(tokens[i : i + DUPLICATE_RUN]) for i in range(len(tokens) - DUPLICATE_RUN + 1)
        ]

    seen = {run for piece in train for run in runs(piece)}
    kept = []
    for piece in test:
        piece_runs = runs(piece)
        if sum(run in seen for run in piece_runs) <= DUPLICATE_SHARE * len(piece_runs):
            kept.append(piece)
    return kept


def best_ngram(train: list[np.ndarray], valid: list[np.ndarray], size: int):
    """The Kneser-Ney order (3..5) with the lowest validation bits per event."""
    models = [baselines.KneserNeyModel(order, size).fit(train) for order in NGRAM_ORDERS]
    if not valid:
        return models[-1]
    costs = [np.concatenate([model.bits(tokens) for tokens in valid]).mean() for model in models]
    return models[int(np.argmin(costs))]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__)
    parser.add_argument("--checkpoint", type=Path, default=Path("checkpoints/melody"))
    parser.add_argument("--source", action="append", help="corpus spec (default: all five)")
    parser.add_argument("--limit-per-source", type=int, help="pieces per source (quick runs)")
    parser.add_argument("--cache-dir", type=Path, help="preprocessing cache folder")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--samples", type=int, default=32, help="sampled melodies per genre")
    parser.add_argument("--bars", type=int, default=16, help="length of each sampled melody")
    parser.add_argument(
        "--form-count", type=int, default=200, help="melodies per genre for the realism report"
    )
    parser.add_argument(
        "--original-events",
        type=int,
        default=500_000,
        help="training budget of the original-app baseline, events",
    )
    parser.add_argument("--no-original", action="store_true", help="skip that baseline")
    parser.add_argument("--runs", type=Path, default=Path("runs"), help="baseline weight cache")
    parser.add_argument("--no-save", action="store_true", help="leave metrics.json alone")
    return parser.parse_args(argv)


def evaluate_genre(network, train, valid, test, original) -> dict:
    """Bits per event and accuracy of the network and each baseline on one genre's test set."""
    vocabulary = network.vocabulary
    size = vocabulary.n_pitch * vocabulary.n_duration
    tokens = {
        name: [baselines.joint_tokens(p, vocabulary.n_duration) for p in pieces]
        for name, pieces in (("train", train), ("valid", valid), ("test", test))
    }
    bits, correct = score_network(network, test)
    unigram = baselines.UnigramModel(size).fit(tokens["train"])
    ngram = best_ngram(tokens["train"], tokens["valid"], size)
    scores = {
        "unigram": [unigram.score(t) for t in tokens["test"]],
        "ngram": [ngram.score(t) for t in tokens["test"]],
    }
    report = {
        "events": int(len(bits)),
        "model_bits": float(bits.mean()),
        "accuracy": float(correct.mean()),
        "ngram_order": ngram.order,
    }
    for name, pairs in scores.items():
        report[f"{name}_bits"] = float(np.concatenate([b for b, _ in pairs]).mean())
        report[f"{name}_accuracy"] = float(np.concatenate([c for _, c in pairs]).mean())
    if original is not None:
        original_bits, original_correct = baselines.score_original(original, tokens["test"], size)
        report["original_bits"] = float(original_bits.mean())
        report["original_accuracy"] = float(original_correct.mean())
    return report


def train_original(network, splits, args) -> object | None:
    """The original-app baseline on the whole train split, cached by sources and budget."""
    if args.no_original:
        return None
    vocabulary = network.vocabulary
    pieces = encode_pieces(splits["train"], vocabulary)
    tokens = [baselines.joint_tokens(piece, vocabulary.n_duration) for piece in pieces]
    key = json.dumps([args.source, args.limit_per_source, args.original_events, len(tokens)])
    folder = args.runs / f"original-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
    size = vocabulary.n_pitch * vocabulary.n_duration
    return baselines.train_original_network(
        tokens, size, events=args.original_events, folder=folder
    )


def summarize(genres: dict[str, dict]) -> dict:
    """Event-weighted means over genres, and whether the targets are met."""
    weights = np.array([report["events"] for report in genres.values()], dtype=np.float64)
    summary = {}
    for key in ("model_bits", "ngram_bits", "unigram_bits", "original_bits", "accuracy"):
        if all(key in report for report in genres.values()):
            values = np.array([report[key] for report in genres.values()])
            summary[key] = float((values * weights).sum() / weights.sum())
    margins = [report["ngram_bits"] - report["model_bits"] for report in genres.values()]
    summary["min_margin_over_ngram"] = float(min(margins))
    summary["mean_overlap"] = float(np.mean([r["overlap"]["mean"] for r in genres.values()]))
    return summary


def print_table(result: dict) -> None:
    columns = ("model_bits", "ngram_bits", "unigram_bits", "original_bits", "accuracy", "events")
    print(f"{'genre':<10}" + "".join(f"{c:>15}" for c in (*columns, "overlap")))
    for genre, report in result["genres"].items():
        cells = [report.get(c, float("nan")) for c in columns] + [report["overlap"]["mean"]]
        print(f"{genre:<10}" + "".join(f"{c:>15.3f}" for c in cells))
    print(json.dumps(result["summary"], indent=2))


def main(argv: list[str] | None = None, *, splits: dict[str, list[Melody]] | None = None) -> dict:
    """Evaluate and return the results; `splits` replaces the corpora (tests)."""
    args = parse_args(argv)
    try:
        network = LstmNetwork.load(args.checkpoint)
    except CheckpointError as error:
        raise SystemExit(f"evaluate: error: {error}") from error
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the results
        if splits is None:
            from training.dataset import load_splits  # corpora readers load only here

            splits = load_splits(
                args.source, cache_dir=args.cache_dir, limit_per_source=args.limit_per_source
            )
            result = evaluate_splits(network, splits, args)
            fill_chord_bits(result, chord_bits_by_genre(network, encoded_corpora(args)))
        else:
            result = evaluate_splits(network, splits, args)
    if not args.no_save:
        (args.checkpoint / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return result


def evaluate_splits(network: LstmNetwork, splits: dict[str, list[Melody]], args) -> dict:
    grouped = {split: by_genre(melodies) for split, melodies in splits.items()}
    original = train_original(network, splits, args)
    vocabulary = network.vocabulary
    genres = {}
    for genre, test in grouped["test"].items():
        print(f"evaluating {genre} ({len(test)} test pieces)")
        encoded = {
            split: encode_pieces(grouped[split].get(genre, []), vocabulary)
            for split in ("train", "valid", "test")
        }
        unique = drop_duplicates(encoded["test"], encoded["train"], vocabulary.n_duration)
        if not unique:
            print(f"skipping {genre}: every test piece repeats a train piece")
            continue
        genres[genre] = evaluate_genre(
            network, encoded["train"], encoded["valid"], unique, original
        )
        genres[genre]["duplicates_dropped"] = len(encoded["test"]) - len(unique)
    tested = {genre: grouped["test"][genre] for genre in genres}
    sampled = sample_like(network, tested, args.samples, args.bars)
    for genre in genres:
        genres[genre]["overlap"] = overlaps(sampled[genre], grouped["test"][genre], vocabulary)
    found = realism(network, splits["test"], bars=args.bars, count=args.form_count)
    for genre in genres:  # chords, form and the discriminator: generated beside real
        genres[genre]["realism"] = found.get(genre, {"skipped": "not a genre of the network"})
    return {
        "checkpoint": str(args.checkpoint),
        "sources": args.source or "default",
        "genres": genres,
        "summary": summarize(genres),
    }


if __name__ == "__main__":
    main()
