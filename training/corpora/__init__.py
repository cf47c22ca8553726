"""Named melody sources for training and evaluation: `classical`, `folk` (music21's corpus),
`pop:DIR`, `jazz:DIR`, `rock:DIR` and `midi:GENRE=DIR`; one reader module per format.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from server.generation.melody import GENRES, Melody
from training.corpora.midi_folder import list_midi_folder, read_midi_piece
from training.corpora.music21_corpus import list_classical, list_folk, read_music21_piece
from training.corpora.pieces import Piece
from training.corpora.rs200 import list_songs, read_song
from training.corpora.wjazzd import list_solos, read_solo

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "CADENZA_DATA"
SHARED_FOLDERS = {"jazz": "wjazzd", "pop": "pop909", "rock": "rs200"}
SPEC_HELP = "classical, folk, pop:DIR, jazz:DIR, rock:DIR or midi:GENRE=DIR"

READERS: dict[str, Callable[[Piece], Melody]] = {
    "music21": read_music21_piece,
    "pop": read_midi_piece,
    "midi": read_midi_piece,
    "jazz": read_solo,
    "rock": read_song,
}

__all__ = ["Piece", "default_specs", "list_pieces", "load_source", "read_piece"]


def list_pieces(spec: str) -> list[Piece]:
    """Every piece a source spec names, in a stable order. Raises ValueError for a bad spec
    and FileNotFoundError for a missing folder."""
    kind, _, argument = spec.partition(":")
    if kind not in ("classical", "folk", *SHARED_FOLDERS, "midi"):
        raise ValueError(f"unknown source {spec!r}; sources are {SPEC_HELP}")
    if kind in ("classical", "folk") and not argument:
        return list_classical() if kind == "classical" else list_folk()
    if not argument:
        raise ValueError(f"source {spec!r} needs a folder; sources are {SPEC_HELP}")
    if kind == "pop":
        return list_midi_folder(argument, "pop", kind="pop")
    if kind == "jazz":
        return list_solos(argument)
    if kind == "rock":
        return list_songs(argument)
    if kind == "midi":
        genre, equals, folder = argument.partition("=")
        if not equals or genre not in GENRES:
            raise ValueError(f"write midi:GENRE=DIR with GENRE one of {', '.join(GENRES)}")
        return list_midi_folder(folder, genre)
    raise ValueError(f"source {spec!r} takes no folder; sources are {SPEC_HELP}")


def read_piece(piece: Piece) -> Melody:
    """The melody of one piece in its own key; raises on anything unreadable."""
    return READERS[piece.kind](piece)


def read_piece_or_none(piece: Piece) -> Melody | None:
    """The melody, or None after logging why the piece cannot be read."""
    try:
        return read_piece(piece)
    except Exception as error:  # a corrupt file of any kind is skipped, never fatal
        log.warning("skipping %s (%s): %s", piece.name, piece.source, error)
        return None


def load_source(spec: str, *, limit: int | None = None) -> Iterator[Melody]:
    """Melodies of one source in their own keys, genre set; unreadable pieces are logged,
    skipped and counted."""
    pieces = list_pieces(spec)[:limit]
    skipped = 0
    for piece in pieces:
        melody = read_piece_or_none(piece)
        if melody is None:
            skipped += 1
        else:
            yield melody
    if skipped:
        log.warning(
            "%s: skipped %d of %d pieces that could not be read", spec, skipped, len(pieces)
        )


def shared_data_dir() -> Path:
    """$CADENZA_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get(DATA_ENV) or REPO_ROOT.parent / "shared" / "data")


def default_specs(data_dir: str | Path | None = None) -> list[str]:
    """The five genres: music21's classical and folk plus the shared folders that exist."""
    root = Path(data_dir) if data_dir is not None else shared_data_dir()
    specs = ["classical", "folk"]
    for genre, folder in SHARED_FOLDERS.items():
        if (root / folder).is_dir():
            specs.append(f"{genre}:{root / folder}")
        else:
            log.info("no %s corpus at %s; training without it", genre, root / folder)
    return specs
