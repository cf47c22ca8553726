"""Learn the pop band's piano from POP909: `python -m training.band_piano [--songs N]`.

Reads each song's PIANO track (and BRIDGE with `--tracks PIANO,BRIDGE`) on its annotated beats,
cuts it into bars at the annotated downbeats, names each note by its chord slot
(`training.piano_bars`), chooses a vocabulary of bar patterns and fits the Markov model over them
on the training songs (`training.piano_patterns`), and writes checkpoints/band/pop_piano.json
with its held-out figures: bits per bar against the unigram baselines, and what the server's
writer plays over the held-out songs' chords against what their piano played
(`training.evaluate_band_piano`). Songs are split as the other models split them (by a hash of
the song, 80/10/10), so no held-out song was learned from.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.band.piano_model import CHECKPOINT, FORMAT, PianoModel
from training.chord_corpora import list_pop909, read_pop909, song_split
from training.corpora import shared_data_dir
from training.evaluate_band_piano import compare_bars
from training.piano_bars import PIANO_TRACKS, Pattern, PianoBar, song_bars
from training.piano_patterns import PatternModel, choose_vocabulary, nearest

log = logging.getLogger(__name__)

VOCABULARY = 300
SEED = 909
PLACE_PRIORS = (3.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="folder holding pop909/")
    parser.add_argument("--out", type=Path, default=CHECKPOINT)
    parser.add_argument("--songs", type=int, default=0, help="read only the first N songs")
    parser.add_argument("--size", type=int, default=VOCABULARY, help="patterns to keep")
    parser.add_argument("--tracks", default=",".join(PIANO_TRACKS), help="tracks to learn from")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    tracks = tuple(name.strip().upper() for name in args.tracks.split(",") if name.strip())
    songs = read_songs((args.data or shared_data_dir()) / "pop909", tracks, args.songs)
    report = fit(songs, args.size, args.seed, args.out, tracks)
    print(json.dumps(report["metrics"], indent=1))


def read_songs(
    folder: Path, tracks: tuple[str, ...], limit: int = 0
) -> dict[str, list[list[PianoBar]]]:
    """Each split's songs as their piano bars (songs without four-beat bars left out)."""
    paths = list_pop909(folder)
    if not paths:
        raise SystemExit(f"no annotated POP909 songs under {folder}")
    songs: dict[str, list[list[PianoBar]]] = {"train": [], "valid": [], "test": []}
    for path in paths[:limit] if limit else paths:
        bars = song_bars(read_pop909(path), tracks)
        if bars:
            songs[song_split(path)].append(bars)
    log.info("songs read: %s", {split: len(found) for split, found in songs.items()})
    return songs


def fit(
    songs: dict[str, list[list[PianoBar]]],
    size: int,
    seed: int,
    out: Path,
    tracks: tuple[str, ...] = PIANO_TRACKS,
) -> dict[str, Any]:
    """Choose the vocabulary, fit the model, write it to `out` with its held-out figures."""
    train = [bar for song in songs["train"] for bar in song]
    vocabulary = choose_vocabulary(train, size, seed)
    runs = {split: [_run(song, vocabulary) for song in found] for split, found in songs.items()}
    fitted = PatternModel.fit([run[:3] for run in runs["train"]], len(vocabulary))
    candidates = [replace(fitted, place_prior=prior) for prior in PLACE_PRIORS]
    checkpoints = [_checkpoint(model, vocabulary, tracks) for model in candidates]
    scores = [
        _bits(model, PianoModel.from_json(checkpoint), runs["valid"])["model"]
        for model, checkpoint in zip(candidates, checkpoints, strict=True)
    ]
    best = int(np.argmin(scores))  # the smoothing that predicts the validation songs best
    model, checkpoint = candidates[best], checkpoints[best]
    shipped = PianoModel.from_json(checkpoint)
    held_out = [bar for song in songs["test"] for bar in song]
    metrics = {
        "songs": {split: len(found) for split, found in songs.items()},
        "bars": {split: sum(len(song) for song in found) for split, found in songs.items()},
        "vocabulary": len(vocabulary),
        "place_prior_valid_bits": dict(zip(map(str, PLACE_PRIORS), scores, strict=True)),
        "train_bars_similarity_to_pattern": _similarity(runs["train"]),
        "test_bars_similarity_to_pattern": _similarity(runs["test"]),
        "bits_per_bar_test": _bits(model, shipped, runs["test"]),
        "bits_per_bar_valid": _bits(model, shipped, runs["valid"]),
        "onsets_on_sixteenth_grid": _share(held_out, "onsets_on_grid"),
        "generated_vs_real_test": compare_bars(songs["test"], shipped, seed),
    }
    checkpoint["metrics"] = metrics
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(checkpoint, separators=(",", ":")) + "\n")
    log.info("wrote %s (%d bytes)", out, out.stat().st_size)
    return checkpoint


def _checkpoint(
    model: PatternModel, vocabulary: list[Pattern], tracks: tuple[str, ...]
) -> dict[str, Any]:
    """The checkpoint as it is written and read back (JSON types only)."""
    checkpoint: dict[str, Any] = json.loads(
        json.dumps(
            {
                "format": FORMAT,
                "tracks": list(tracks),
                "patterns": [[list(note) for note in pattern] for pattern in vocabulary],
                **model.to_json(),
            }
        )
    )
    return checkpoint


def _run(
    song: list[PianoBar], vocabulary: list[Pattern]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(pattern ids, phrase places, follows-bar flags, summed similarity) of one song."""
    ids, similarity = nearest(song, vocabulary)
    positions = np.array([bar.phrase_position for bar in song])
    follows = np.array([bar.follows_bar for bar in song])
    return ids, positions, follows, similarity * len(song)


def _similarity(runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]) -> float:
    bars = sum(len(run[0]) for run in runs)
    return round(sum(run[3] for run in runs) / max(bars, 1), 4)


def _bits(
    model: PatternModel,
    shipped: PianoModel,
    runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]],
) -> dict[str, float]:
    """Mean bits per held-out bar: the unigram, the unigram by phrase place, the model."""
    sums = {"unigram": 0.0, "unigram_by_place": 0.0, "model": 0.0}
    bars = 0
    for ids, positions, follows, _ in runs:
        for name, value in model.baseline_bits(ids, positions).items():
            sums[name] += value
        before = shipped.start
        for pattern, place, after in zip(ids, positions, follows, strict=True):
            before = before if after else shipped.start
            sums["model"] -= float(np.log2(shipped.probability(int(pattern), before, int(place))))
            before = int(pattern)
        bars += len(ids)
    return {name: round(value / max(bars, 1), 3) for name, value in sums.items()}


def _share(bars: list[PianoBar], field: str) -> float:
    notes = sum(bar.notes for bar in bars)
    return round(float(sum(getattr(bar, field) for bar in bars)) / max(notes, 1), 4)


if __name__ == "__main__":
    main()
