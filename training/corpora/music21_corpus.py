"""The `classical` and `folk` sources from music21's bundled corpus: Bach chorale soprano lines,
the top part of the other common-practice scores, and the Essen, O'Neill and Ryan tune books.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from music21 import converter, corpus, key, meter, stream, tempo

from server.generation.melody import TICKS_PER_QUARTER, Melody, estimate_key
from server.generation.voices import skyline
from training.corpora.pieces import Piece

CLASSICAL_COMPOSERS = (
    "bach",
    "beethoven",
    "beach",
    "chopin",
    "corelli",
    "cpebach",
    "handel",
    "haydn",
    "mozart",
    "schubert",
    "schumann_clara",
    "schumann_robert",
    "verdi",
    "weber",
)
FOLK_COLLECTIONS = ("essenFolksong", "oneills1850", "ryansMammoth")
# Preferred format when one piece ships in several (bach has .mxl, .krn and .xml copies).
SCORE_SUFFIXES = (".mxl", ".xml", ".musicxml", ".krn")
TUNE_START = re.compile(r"^X:", re.MULTILINE)
# Whole multi-movement quartets (beethoven/opus132.mxl) take music21 minutes each to parse;
# larger files than this are left out of the classical source (bytes on disk).
MAX_SCORE_BYTES = {".mxl": 100_000, ".xml": 400_000, ".musicxml": 400_000, ".krn": 400_000}


def list_classical() -> list[Piece]:
    by_stem: dict[tuple[str, str], Path] = {}
    for path in _corpus_files(CLASSICAL_COMPOSERS, SCORE_SUFFIXES):
        stem = (str(path.parent), path.stem)
        kept = by_stem.get(stem)
        if kept is None or SCORE_SUFFIXES.index(path.suffix) < SCORE_SUFFIXES.index(kept.suffix):
            by_stem[stem] = path
    return [
        Piece("music21", "classical", str(path), _corpus_name(path))
        for path in sorted(by_stem.values())
        if path.stat().st_size <= MAX_SCORE_BYTES[path.suffix]
    ]


def list_folk() -> list[Piece]:
    pieces = []
    for path in _corpus_files(FOLK_COLLECTIONS, (".abc",)):
        for index in range(len(abc_tunes(str(path)))):
            pieces.append(
                Piece("music21", "folk", str(path), f"{_corpus_name(path)}#{index}", index)
            )
    return pieces


def _corpus_files(collections: tuple[str, ...], suffixes: tuple[str, ...]) -> list[Path]:
    paths = [Path(str(p)) for p in corpus.getCorePaths()]
    return sorted(p for p in paths if p.suffix in suffixes and _collection(p) in collections)


def _collection(path: Path) -> str:
    parts = path.parts
    return parts[len(parts) - 1 - parts[::-1].index("corpus") + 1]


def _corpus_name(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[len(parts) - parts[::-1].index("corpus") :])


@cache
def abc_tunes(path: str) -> tuple[str, ...]:
    """The tunes of a multi-tune ABC file, each with the file's header lines before it."""
    text = Path(path).read_text(encoding="latin-1")
    chunks = TUNE_START.split(text)
    return tuple("X:" + chunk for chunk in chunks[1:] if chunk.strip())


def read_music21_piece(piece: Piece) -> Melody:
    if piece.path.endswith(".abc"):
        score = converter.parse(abc_tunes(piece.path)[piece.index], format="abc")
    else:
        score = converter.parse(piece.path)
    return stream_to_melody(score, genre=piece.genre, name=piece.name)


def stream_to_melody(score: stream.Stream, *, genre: str | None, name: str) -> Melody:
    """The top line of the highest part (soprano for chorales), in its own key."""
    return _melody_and_first_onset(score, genre=genre, name=name)[0]


def read_score_with_parts(piece: Piece) -> tuple[Melody, list[tuple[int, int, int]]]:
    """A classical score's melody (as `read_music21_piece` reads it) and every note of all its
    parts as (start, end, pitch) in the melody's ticks (tick 0 is its first note; notes of other
    parts before it are negative), for labelling the melody with the harmony that sounds."""
    score = converter.parse(piece.path)
    melody, first = _melody_and_first_onset(score, genre=piece.genre, name=piece.name)
    parts = list(score.parts) if isinstance(score, stream.Score) else [score]
    notes = []
    for part in parts:
        for note in part.flatten().notes:
            length = round(note.quarterLength * TICKS_PER_QUARTER)
            start = round(note.offset * TICKS_PER_QUARTER) - first
            if length > 0:
                notes += [(start, start + length, pitch.midi) for pitch in note.pitches]
    return melody, notes


def _melody_and_first_onset(
    score: stream.Stream, *, genre: str | None, name: str
) -> tuple[Melody, int]:
    """The melody and the score tick of its first note."""
    parts = list(score.parts) if isinstance(score, stream.Score) else []
    part = max(parts, key=_mean_pitch) if parts else score
    flat = part.flatten()
    bar_ticks, pickup_ticks = _bar_layout(part, flat)
    shift = (bar_ticks - pickup_ticks) % bar_ticks  # so that tick 0 is a bar line
    spans = _note_spans(flat)
    melody = Melody.from_spans(
        [(start + shift, end + shift, pitch) for start, end, pitch in spans],
        bar_ticks=bar_ticks,
        genre=genre,
        name=name,
    )
    melody.tempo = _first_tempo(flat)
    melody.tonic, melody.mode = _key_of(flat, melody)
    return melody, min((start for start, _, _ in spans), default=0)


def _mean_pitch(part: stream.Stream) -> float:
    pitches = [p.midi for p in part.flatten().pitches]
    return sum(pitches) / len(pitches) if pitches else -1.0


def _note_spans(flat: stream.Stream) -> list[tuple[int, int, int]]:
    """(start, end, top pitch) per note or chord; tied notes joined (music21's stripTies takes
    seconds per quartet movement, this takes milliseconds)."""
    spans: list[tuple[int, int, int]] = []
    for note in flat.notes:
        length = round(note.quarterLength * TICKS_PER_QUARTER)
        if length <= 0:  # grace notes take no time
            continue
        start = round(note.offset * TICKS_PER_QUARTER)
        pitch = max(p.midi for p in note.pitches)
        tied = note.tie is not None and note.tie.type in ("stop", "continue")
        if tied and spans and spans[-1][1] == start and spans[-1][2] == pitch:
            spans[-1] = (spans[-1][0], start + length, pitch)
        else:
            spans.append((start, start + length, pitch))
    return skyline(spans)


def _bar_layout(part: stream.Stream, flat: stream.Stream) -> tuple[int, int]:
    """(bar length, pickup length) in ticks, from the first time signature and measure."""
    signature = next(iter(flat.getElementsByClass(meter.TimeSignature)), None)
    bar = round((signature.barDuration.quarterLength if signature else 4.0) * TICKS_PER_QUARTER)
    measures = list(part.getElementsByClass(stream.Measure)[:1])
    if not measures or bar <= 0:
        return max(bar, 1), 0
    first = round(measures[0].duration.quarterLength * TICKS_PER_QUARTER)
    return bar, first if 0 < first < bar else 0


def _first_tempo(flat: stream.Stream) -> float:
    mark = next(iter(flat.getElementsByClass(tempo.MetronomeMark)), None)
    bpm = mark.getQuarterBPM() if mark is not None else None
    return float(bpm) if bpm else 120.0


def _key_of(flat: stream.Stream, melody: Melody) -> tuple[int, str]:
    signature = next(iter(flat.getElementsByClass(key.KeySignature)), None)
    if isinstance(signature, key.Key) and signature.mode in ("major", "minor"):
        return estimate_key(melody, key_hint=(signature.tonic.pitchClass, signature.mode))
    if signature is not None:
        return estimate_key(melody, signature_fifths=signature.sharps)
    return estimate_key(melody)
