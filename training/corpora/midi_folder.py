"""The `pop` source (POP909, whose sung line is the MELODY track) and `midi:GENRE=DIR`, any
folder of MIDI files mapped to one genre, both read through the shared melody extraction.
"""

from __future__ import annotations

from pathlib import Path

from server.generation.melody import Melody
from server.generation.midi_io import midi_to_melody
from training.corpora.pieces import Piece, files_under

MIDI_SUFFIXES = (".mid", ".midi")


def list_midi_folder(folder: str, genre: str, kind: str = "midi") -> list[Piece]:
    root = Path(folder)
    return [
        Piece(kind, genre, str(path), path.relative_to(root).as_posix())
        for path in files_under(root, *MIDI_SUFFIXES)
    ]


def read_midi_piece(piece: Piece) -> Melody:
    data = Path(piece.path).read_bytes()
    return midi_to_melody(data, genre=piece.genre, name=piece.name)
