"""The training pieces encoded once, with a chord per beat, into one .npz beside the corpora
cache, so that training and evaluation read arrays instead of parsing the corpora:
`python -m training.encode [--source SPEC ...] [--limit-per-source N] [--cache-dir DIR]`.

Chord labels by source: pop from POP909's own chord annotations, rock from RS200's first
**harte spine (both aligned with the melody the dataset reads, in seconds and ticks), classical
from the chord recognizer on all the score's parts together (the harmony that sounds under the
top line, as the progression network's chorales are labelled), and folk and jazz from the chord
recognizer on the melody alone (`chord_recognizer.label_melody`). Every label moves into the
melody's normalized key with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from server.generation.chord_recognizer import label_melody, melody_lead, mode_of, recognize
from server.generation.chords import NO_CHORD, Chord, ChordError, parse_harte
from server.generation.melody import Melody
from server.generation.melody_track import choose_melody_part
from server.generation.midi_io import notes_to_grid, pitched_parts, read_midi
from server.generation.notes import TICKS_PER_BEAT
from server.generation.vocabulary import EncodedMelody, Vocabulary, default_vocabulary
from server.generation.voices import upper_voice
from training.arrays import load_arrays, save_arrays
from training.chord_corpora import (
    _label_at,
    _read_chord_rows,
    _seconds_of,
    _tempo_map,
    read_rs200,
)
from training.corpora import Piece, default_specs, list_pieces, read_piece
from training.corpora.music21_corpus import read_score_with_parts
from training.dataset import MIN_NOTES, SPLITS, default_cache_dir, load_splits, split_of

log = logging.getLogger(__name__)

ENCODE_VERSION = 2  # bump when labelling or encoding changes, so the arrays are rebuilt
LABEL_SOURCES = {
    "pop": "POP909 chord annotations",
    "rock": "RS200 **harte annotations",
    "classical": "chord recognizer, all the score's parts",
    "folk": "chord recognizer, melody alone",
    "jazz": "chord recognizer, melody alone",
}
POP_STEP = TICKS_PER_BEAT // 4  # POP909 labels are read every sixteenth


def chord_ids(labels: list[str], shift: int) -> np.ndarray:
    """Harte labels as chord ids moved by `shift` semitones; an unreadable label is no chord."""
    ids = []
    for label in labels:
        try:
            chord = parse_harte(label)
        except ChordError:
            chord = NO_CHORD
        ids.append(chord.transposed(shift).id)
    return np.array(ids, dtype=np.int32)


def step_middles(melody: Melody, step: int = TICKS_PER_BEAT) -> np.ndarray:
    """The melody's tick at the middle of each of its beats (or steps of `step` ticks),
    counted as `label_melody` counts them (from the beat line at or before the first note)."""
    lead = melody_lead(melody)
    steps = -(-(melody.total_ticks + lead) // step)
    result: np.ndarray = np.arange(steps) * step - lead + step / 2
    return result


def pop_labels(piece: Piece, melody: Melody) -> list[str] | None:
    """POP909's chord label at the middle of each sixteenth of the melody (None without
    annotations): a melody tick is a tick of the file's grid after its first note, which the
    file's tempo map times in seconds, the annotations' clock. Sixteenths, not beats: the
    annotated beats need not fall on the file's own beat grid (often half a beat apart)."""
    path = Path(piece.path)
    rows_path = path.parent / "annotations" / f"{path.stem}.chords.txt"
    if not rows_path.is_file():
        return None
    midi, parts, _ = read_midi(path.read_bytes())
    pitched = pitched_parts(parts)
    choice = choose_melody_part(pitched, midi.ticks_per_beat)
    spans = notes_to_grid(upper_voice(choice.part.notes, midi.ticks_per_beat), midi.ticks_per_beat)
    first = min(start for start, _, _ in spans)
    grid = step_middles(melody, POP_STEP) + first
    seconds = _seconds_of(grid * midi.ticks_per_beat / TICKS_PER_BEAT, _tempo_map(midi))
    rows = _read_chord_rows(rows_path)
    return [_label_at(rows, float(second)) for second in seconds]


def rock_labels(piece: Piece, melody: Melody) -> list[str]:
    """RS200's **harte label at the middle of each of the melody's beats: the annotated song's
    ticks run from its first bar line, the melody's from its first note."""
    song = read_rs200(piece.path)
    first = min(start for start, _, _ in song.melody) - min(n.start for n in melody.notes())
    beats = (step_middles(melody) + first).astype(int) // TICKS_PER_BEAT
    return [song.labels[beat] if 0 <= beat < len(song.labels) else "N" for beat in beats]


def annotated_pieces(spec: str, limit: int | None) -> dict[str, list[tuple[Melody, np.ndarray]]]:
    """(normalized melody, chord id per beat) by split for the pop or rock source."""
    kind = spec.partition(":")[0]
    result: dict[str, list[tuple[Melody, np.ndarray]]] = {split: [] for split in SPLITS}
    for piece in tqdm(list_pieces(spec)[:limit], desc=f"{kind} chords", unit="piece"):
        try:
            melody = read_piece(piece)
            labels = pop_labels(piece, melody) if kind == "pop" else rock_labels(piece, melody)
        except Exception as error:  # as the dataset does: an unreadable file is skipped
            log.warning("skipping %s: %s", piece.name, error)
            continue
        melody.genre = piece.genre
        if melody.note_count < MIN_NOTES or labels is None:
            continue
        shift = melody.normalizing_shift
        result[split_of(piece)].append((melody.key_normalized(), chord_ids(labels, shift)))
    return result


def scored_pieces(spec: str, limit: int | None) -> dict[str, list[tuple[Melody, np.ndarray]]]:
    """(normalized melody, chord id per beat from the recognizer on the whole score) by split
    for the classical source: a beat's chord is what every part sounds there, so the melody's
    passing notes do not decide it (a score of one line is read as a tune alone)."""
    result: dict[str, list[tuple[Melody, np.ndarray]]] = {split: [] for split in SPLITS}
    for piece in tqdm(list_pieces(spec)[:limit], desc="classical chords", unit="piece"):
        try:
            melody, notes = read_score_with_parts(piece)
        except Exception as error:  # as the dataset does: an unreadable file is skipped
            log.warning("skipping %s: %s", piece.name, error)
            continue
        if melody.note_count < MIN_NOTES:
            continue
        chords = score_labels(melody, notes)
        shift = melody.normalizing_shift
        ids = np.array([chord.transposed(shift).id for chord in chords], dtype=np.int32)
        result[split_of(piece)].append((melody.key_normalized(), ids))
    return result


def score_labels(melody: Melody, notes: list[tuple[int, int, int]]) -> list[Chord]:
    """A chord per beat of `melody` (counted as `label_melody` counts them) from `notes`, every
    part's notes in the melody's ticks, read in the melody's key."""
    lead = melody_lead(melody)
    spans = [
        (max(start + lead, 0), end + lead, pitch) for start, end, pitch in notes if end + lead > 0
    ]
    return recognize(
        spans,
        mode=mode_of(spans),
        bar_ticks=melody.bar_ticks,
        pickup_ticks=melody.pickup_ticks + lead,
        beats=len(step_middles(melody)),
        key=(melody.tonic, melody.mode),
    )


def chord_step(spec: str) -> int:
    """Ticks a chord label of the source covers."""
    return POP_STEP if spec.partition(":")[0] == "pop" else TICKS_PER_BEAT


def recognized_pieces(
    spec: str, cache_dir: Path, limit: int | None
) -> dict[str, list[tuple[Melody, np.ndarray]]]:
    """(normalized melody, chord id per beat from the recognizer) by split, from the cache."""
    splits = load_splits([spec], cache_dir=cache_dir, limit_per_source=limit)
    return {
        split: [(melody, recognized(melody)) for melody in tqdm(melodies, desc=f"{spec} {split}")]
        for split, melodies in splits.items()
    }


def recognized(melody: Melody) -> np.ndarray:
    return np.array([chord.id for chord in label_melody(melody)], dtype=np.int32)


def encode_splits(
    splits: dict[str, list[Melody]], vocabulary: Vocabulary
) -> dict[str, list[EncodedMelody]]:
    """Melodies (normalized) labelled by the recognizer and encoded (tests, small corpora)."""
    return {
        split: [
            vocabulary.encode(melody, recognized(melody))
            for melody in melodies
            if len(melody.events) >= 2
        ]
        for split, melodies in splits.items()
    }


def arrays_path(cache_dir: Path, specs: list[str], limit: int | None) -> Path:
    key = json.dumps([ENCODE_VERSION, sorted(specs), limit])
    return cache_dir / f"encoded-{hashlib.sha256(key.encode()).hexdigest()[:12]}.npz"


def encode_corpora(
    specs: list[str] | None = None, *, cache_dir: Path | None = None, limit: int | None = None
) -> Path:
    """Encode every source with its chords into the cache (once) and return the file."""
    specs = list(specs) if specs is not None else default_specs()
    cache_dir = cache_dir or default_cache_dir()
    path = arrays_path(cache_dir, specs, limit)
    if path.is_file():
        return path
    vocabulary = default_vocabulary()
    encoded: dict[str, list[EncodedMelody]] = {split: [] for split in SPLITS}
    for spec in specs:
        kind = spec.partition(":")[0]
        if kind in ("pop", "rock"):
            labelled = annotated_pieces(spec, limit)
        elif spec == "classical":
            labelled = scored_pieces(spec, limit)
        else:
            labelled = recognized_pieces(spec, cache_dir, limit)
        for split, pairs in labelled.items():
            encoded[split] += [
                vocabulary.encode(melody, chords, chord_step(spec))
                for melody, chords in pairs
                if len(melody.events) >= 2
            ]
    save_arrays(path, encoded)
    return path


def chord_coverage(splits: dict[str, list[EncodedMelody]], vocabulary: Vocabulary) -> dict:
    """genre -> (events, share of events with a chord)."""
    events: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    for pieces in splits.values():
        for piece in pieces:
            genre = vocabulary.genres[piece.genre]
            events[genre] += len(piece)
            labelled[genre] += int((piece.chord > 0).sum())
    return {genre: (events[genre], labelled[genre] / events[genre]) for genre in sorted(events)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.encode", description=__doc__)
    parser.add_argument("--source", action="append", help="a source spec; default: all five")
    parser.add_argument("--limit-per-source", type=int, help="pieces per source (quick runs)")
    parser.add_argument("--cache-dir", type=Path, help="default ~/.cache/cadenza")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    path = encode_corpora(args.source, cache_dir=args.cache_dir, limit=args.limit_per_source)
    splits = load_arrays(path)
    print(f"encoded pieces in {path}")
    for genre, (events, share) in chord_coverage(splits, default_vocabulary()).items():
        print(f"{genre:<10}{events:>10} events, {share:.0%} with a chord ({LABEL_SOURCES[genre]})")


if __name__ == "__main__":
    main()
