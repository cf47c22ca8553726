"""Training data: every source parsed in a process pool, key-normalized, split by piece into
train / valid / test (80/10/10, stable across runs) and cached outside the repository.

`python -m training.dataset [--source SPEC ...]` prints pieces and events per genre and split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from tqdm import tqdm

from server.generation.melody import Event, Melody
from training.corpora import Piece, default_specs, list_pieces, read_piece

log = logging.getLogger(__name__)

DATASET_VERSION = 1  # bump when preprocessing here changes, so every cache is rebuilt
# bump one when that reader (or midi_io, for pop and midi) changes: only its sources re-parse
READER_VERSIONS = {"music21": 1, "pop": 3, "midi": 3, "jazz": 1, "rock": 1}
SPLITS = ("train", "valid", "test")
MIN_NOTES = 8
WORKERS = 2
POOL_MIN_PIECES = 64  # starting workers (music21 import) costs more than parsing fewer pieces
CACHE_ENV = "CADENZA_CACHE"

# A melody as the cache and the worker processes pass it: fields plus two arrays
# (pitch per event, -1 for a rest; duration per event in ticks).
Compact = tuple[str, str, int, int, int, str, float, np.ndarray, np.ndarray]


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cadenza")


def split_of(piece: Piece) -> str:
    """train / valid / test from a hash of the source and the piece name (80/10/10)."""
    digest = hashlib.sha1(f"{piece.source}/{piece.name}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % 10
    return "train" if bucket < 8 else "valid" if bucket == 8 else "test"


def load_splits(
    specs: list[str] | None = None,
    *,
    cache_dir: Path | None = None,
    limit_per_source: int | None = None,
    only: tuple[str, ...] = SPLITS,
) -> dict[str, list[Melody]]:
    """Key-normalized melodies (genre set, at least MIN_NOTES notes) by split; `only` parses
    just those splits (calibrating a classifier needs the held-out fifth, not the rest)."""
    specs = list(specs) if specs is not None else default_specs()
    splits: dict[str, list[Melody]] = {split: [] for split in SPLITS}
    for spec in specs:
        compact = _load_source(spec, cache_dir or default_cache_dir(), limit_per_source, only)
        for split in SPLITS:
            splits[split] += [compact_to_melody(item) for item in compact[split]]
    return splits


def _load_source(
    spec: str, cache_dir: Path, limit: int | None, only: tuple[str, ...] = SPLITS
) -> dict[str, list[Compact]]:
    """One source's compact melodies by split, from its own cache file when it is current
    (one file per source, so a change to one reader re-parses only that source)."""
    pieces = [piece for piece in list_pieces(spec)[:limit] if split_of(piece) in only]
    cache_path = cache_dir / f"dataset-{spec.partition(':')[0]}-{_cache_key(spec, pieces)}.pkl"
    if cache_path.is_file():
        log.info("%s: reading parsed melodies from %s", spec, cache_path)
        return pickle.loads(cache_path.read_bytes())
    compact = _parse_all(pieces)
    _write_atomically(cache_path, pickle.dumps(compact, protocol=pickle.HIGHEST_PROTOCOL))
    return compact


def _cache_key(spec: str, pieces: list[Piece]) -> str:
    """Changes with the spec, the versions and any file's size or modification time."""
    versions = sorted({(piece.kind, READER_VERSIONS[piece.kind]) for piece in pieces})
    stats = {}
    for path in sorted({piece.path for piece in pieces}):
        stat = Path(path).stat()
        stats[path] = (stat.st_size, stat.st_mtime_ns)
    blob = json.dumps([DATASET_VERSION, versions, spec, len(pieces), stats], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _parse_all(pieces: list[Piece]) -> dict[str, list[Compact]]:
    splits: dict[str, list[Compact]] = {split: [] for split in SPLITS}
    skipped = Counter()
    for piece, (item, error) in tqdm(
        zip(pieces, _read_all(pieces), strict=True),
        total=len(pieces),
        desc="parsing",
        unit="piece",
    ):
        if error is not None:
            log.warning("skipping %s (%s): %s", piece.name, piece.source, error)
            skipped[piece.source] += 1
        elif item is not None:
            splits[split_of(piece)].append(item)
    for source, count in sorted(skipped.items()):
        log.warning("%s: skipped %d pieces that could not be read", source, count)
    return splits


def _read_all(pieces: list[Piece]) -> Iterator[tuple[Compact | None, str | None]]:
    """Results in the order of `pieces`; a process pool unless there are only a few."""
    if len(pieces) < POOL_MIN_PIECES:
        yield from map(_read_compact, pieces)
        return
    # spawn, not fork: the caller may already have TensorFlow's threads running.
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS, initializer=_quiet_worker) as pool:
        yield from pool.imap(_read_compact, pieces, chunksize=8)


def _quiet_worker() -> None:
    # music21 warns about every odd ABC header; the counts at the end are what matter.
    warnings.filterwarnings("ignore", module=r"music21\..*")


def _read_compact(piece: Piece) -> tuple[Compact | None, str | None]:
    """(compact melody or None when too short, error message or None); runs in a worker."""
    try:
        melody = read_piece(piece)
    except Exception as error:  # any unreadable file is reported and skipped, never fatal
        return None, f"{type(error).__name__}: {error}"
    melody.genre = piece.genre
    if melody.note_count < MIN_NOTES:
        return None, None
    return melody_to_compact(melody.key_normalized()), None


def melody_to_compact(melody: Melody) -> Compact:
    pitches = np.array([-1 if e.pitch is None else e.pitch for e in melody.events], np.int16)
    durations = np.array([e.duration for e in melody.events], np.int32)
    return (
        melody.name,
        melody.genre or "",
        melody.bar_ticks,
        melody.pickup_ticks,
        melody.tonic,
        melody.mode,
        melody.tempo,
        pitches,
        durations,
    )


def compact_to_melody(item: Compact) -> Melody:
    name, genre, bar_ticks, pickup_ticks, tonic, mode, tempo, pitches, durations = item
    events = [
        Event(None if pitch < 0 else pitch, duration)
        for pitch, duration in zip(pitches.tolist(), durations.tolist(), strict=True)
    ]
    return Melody(events, bar_ticks, pickup_ticks, tonic, mode, tempo, genre or None, name)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(path)


def split_counts(splits: dict[str, list[Melody]]) -> dict[str, dict[str, tuple[int, int]]]:
    """genre -> split -> (pieces, events)."""
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for split, melodies in splits.items():
        for melody in melodies:
            by_split = counts.setdefault(melody.genre or "any", {})
            pieces, events = by_split.get(split, (0, 0))
            by_split[split] = (pieces + 1, events + len(melody.events))
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Parse, split and cache the melody corpora.")
    parser.add_argument("--source", action="append", help="a source spec; default: all five")
    parser.add_argument("--limit", type=int, help="at most this many pieces per source")
    parser.add_argument("--cache-dir", type=Path, help="default ~/.cache/cadenza")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        splits = load_splits(args.source, cache_dir=args.cache_dir, limit_per_source=args.limit)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    print(f"{'genre':<10}" + "".join(f"{s + ' pieces':>14}{s + ' events':>14}" for s in SPLITS))
    for genre, by_split in sorted(split_counts(splits).items()):
        cells = [by_split.get(split, (0, 0)) for split in SPLITS]
        print(f"{genre:<10}" + "".join(f"{p:>14}{e:>14}" for p, e in cells))


if __name__ == "__main__":
    main()
