"""What a corpus reader lists before reading: one `Piece` per melody to parse, small enough to
send to a worker process, named stably so splits do not move between runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Piece:
    """One melody to read: `kind` picks the reader, `index` the tune inside a multi-tune file."""

    kind: str  # "music21", "pop", "midi", "jazz" or "rock"
    genre: str
    path: str
    name: str  # stable within its source, e.g. "essenFolksong/altdeu10.abc#3"
    index: int = 0

    @property
    def source(self) -> str:
        return f"{self.genre}:{self.kind}"


def files_under(folder: str | Path, *suffixes: str) -> list[Path]:
    """Files with one of `suffixes` (lower case, with the dot) anywhere under `folder`, sorted."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder {root} does not exist")
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
