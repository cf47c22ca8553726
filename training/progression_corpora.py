"""Chord progressions to learn from, one chord per half-bar, per genre: POP909's annotations
(pop), RS200's first **harte spine (rock), the Bach chorales' four voices labelled by the chord
recognizer from the whole texture (classical), and the WJD solos and music21 folk tunes labelled
by the recognizer from the melody alone (jazz, folk: neither comes with chord labels). Each is
moved to C major or A minor, its mode kept, and split by piece as the melody network splits it.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.generation.chord_recognizer import ARRANGEMENT, label_melody, melody_lead, recognize
from server.generation.chords import NO_CHORD, Chord, ChordError, parse_harte, pitch_class
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression_network import SLOTS_PER_BAR, normalizing_shift
from training.chord_corpora import list_pop909, list_rs200, read_pop909, read_rs200, song_split
from training.corpora import list_pieces, read_piece
from training.corpora.music21_corpus import _bar_layout, _note_spans, stream_to_melody
from training.corpora.pieces import Piece
from training.dataset import default_cache_dir, split_of

log = logging.getLogger(__name__)

CORPORA_VERSION = 1  # bump when a reader here changes: the cache is rebuilt
MIN_SLOTS = 8  # four bars
FOLK_TUNES = 900  # of the ~10,000 music21 folk tunes: a stable sample by hash, for time


@dataclass(frozen=True)
class ChordSong:
    """One piece's chords, one vocabulary id per half-bar from its first full bar, in C major
    or A minor."""

    genre: str
    name: str
    mode: str
    chords: np.ndarray  # (slots,) int chord ids
    split: str


def load_progressions(data: Path) -> list[ChordSong]:
    """Every genre's songs, read once and cached outside the repository."""
    cache = default_cache_dir() / f"progressions-v{CORPORA_VERSION}.pkl"
    if cache.exists():
        songs: list[ChordSong] = pickle.loads(cache.read_bytes())
        return songs
    readers: list[Callable[[Path], Iterator[ChordSong]]] = [
        pop_songs,
        rock_songs,
        classical_songs,
        folk_songs,
        jazz_songs,
    ]
    songs = [song for reader in readers for song in reader(data) if len(song.chords) >= MIN_SLOTS]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(songs))
    return songs


def half_bar_slots(beats: Sequence[Chord], bar_ticks: int, first_bar: int) -> list[Chord]:
    """The chord at the start of every half-bar from the bar line at tick `first_bar`, beat i of
    `beats` sounding from tick 12 * i; leading and trailing "no chord" slots left out."""
    slot_ticks = bar_ticks // SLOTS_PER_BAR
    end = len(beats) * TICKS_PER_BEAT
    slots = [beats[tick // TICKS_PER_BEAT] for tick in range(first_bar, end, slot_ticks)]
    while slots and not slots[-1].is_chord:
        slots.pop()
    while slots and not slots[0].is_chord:
        slots.pop(0)
    return slots


def to_song(
    genre: str, name: str, key: tuple[int, str], slots: list[Chord], split: str
) -> ChordSong:
    shift = normalizing_shift(*key)
    ids = np.array([chord.transposed(shift).id for chord in slots], dtype=np.int32)
    return ChordSong(genre, name, key[1], ids, split)


def pop_songs(data: Path) -> Iterator[ChordSong]:
    for path in list_pop909(data / "pop909"):
        key = _pop909_key(path.parent / "annotations" / f"{path.stem}.key.txt")
        if key is None:
            continue
        song = read_pop909(path)
        beats = [_harte_or_none(label) for label in song.labels]
        slots = half_bar_slots(beats, song.bar_ticks, song.pickup_ticks)
        yield to_song("pop", song.name, key, slots, song_split(path))


def _pop909_key(path: Path) -> tuple[int, str] | None:
    """The first key of a POP909 key file ("Gb:maj"), or None when there is none."""
    if not path.is_file():
        return None
    lines = path.read_text().split("\n")
    label = lines[0].split("\t")[-1].strip() if lines and lines[0] else ""
    tonic, _, mode = label.partition(":")
    try:
        return pitch_class(tonic), "minor" if mode.startswith("min") else "major"
    except ChordError:
        return None


def _harte_or_none(label: str) -> Chord:
    try:
        return parse_harte(label)
    except ChordError:
        return NO_CHORD


def rock_songs(data: Path) -> Iterator[ChordSong]:
    for path in list_rs200(data / "rs200"):
        try:
            song = read_rs200(path)
        except ValueError as error:
            log.warning("skipping %s: %s", path.name, error)
            continue
        if song.key is None:
            continue
        beats = [_harte_or_none(label) for label in song.labels]
        slots = half_bar_slots(beats, song.bar_ticks, song.pickup_ticks)
        yield to_song("rock", song.name, song.key, slots, song_split(path))


def classical_songs(data: Path) -> Iterator[ChordSong]:
    """The Bach chorales, every voice together, labelled by the recognizer (arrangement mode)."""
    from music21 import converter, stream

    for piece in list_pieces("classical"):
        if "/bach/" not in piece.path or "bwv" not in piece.name:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = converter.parse(piece.path)
            parts = list(score.parts) if isinstance(score, stream.Score) else []
            if len(parts) < 3:
                continue
            melody = stream_to_melody(score, genre="classical", name=piece.name)
            bar_ticks, pickup = _bar_layout(parts[0], parts[0].flatten())
        except Exception as error:  # a score music21 cannot read is skipped
            log.warning("skipping %s: %s", piece.name, error)
            continue
        shift = (bar_ticks - pickup) % bar_ticks
        spans = [
            (start + shift, end + shift, pitch)
            for part in parts
            for start, end, pitch in _note_spans(part.flatten())
        ]
        key = (melody.tonic, melody.mode)
        beats = recognize(spans, mode=ARRANGEMENT, bar_ticks=bar_ticks, key=key)
        slots = half_bar_slots(beats, bar_ticks, bar_ticks if shift else 0)
        yield to_song("classical", piece.name, key, slots, split_of(piece))


def folk_songs(data: Path) -> Iterator[ChordSong]:
    pieces = sorted(list_pieces("folk"), key=_stable_hash)[:FOLK_TUNES]
    yield from _melody_songs(pieces)


def jazz_songs(data: Path) -> Iterator[ChordSong]:
    yield from _melody_songs(list_pieces(f"jazz:{data / 'wjazzd'}"))


def _melody_songs(pieces: list[Piece]) -> Iterator[ChordSong]:
    """Tunes without chord labels, labelled by the recognizer from the melody alone."""
    for piece in pieces:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                melody = read_piece(piece)
        except Exception as error:  # an unreadable tune is skipped, as the melody corpora do
            log.warning("skipping %s: %s", piece.name, error)
            continue
        if melody.note_count < 8:
            continue
        beats = label_melody(melody)
        first_bar = melody.pickup_ticks + melody_lead(melody)
        slots = half_bar_slots(beats, melody.bar_ticks, first_bar)
        yield to_song(piece.genre, piece.name, (melody.tonic, melody.mode), slots, split_of(piece))


def _stable_hash(piece: Piece) -> bytes:
    return hashlib.sha1(f"{piece.source}/{piece.name}".encode()).digest()
