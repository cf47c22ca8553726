"""Encoded pieces in one .npz (what `training.encode` writes and training reads): every per-event
id column concatenated, with each piece's offset, genre, mode and split. NumPy only, so that a
training machine needs neither the corpora nor their readers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from server.generation.vocabulary import EncodedMelody

SPLITS = ("train", "valid", "test")
PER_EVENT = (
    "pitch",
    "duration",
    "position",
    "chord",
    "next_chord",
    "back1_pitch",
    "back1_duration",
    "back2_pitch",
    "back2_duration",
    "repeats",
)
LOOKBACK = PER_EVENT[5:]


def save_arrays(path: Path, splits: dict[str, list[EncodedMelody]]) -> None:
    pieces = [(split, piece) for split in SPLITS for piece in splits.get(split, [])]
    columns = {
        name: np.concatenate(
            [
                piece.lookback[name] if name in LOOKBACK else getattr(piece, name)
                for _, piece in pieces
            ]
        ).astype(np.int32)
        for name in PER_EVENT
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(
        partial,
        offsets=np.cumsum([0] + [len(piece) for _, piece in pieces]),
        genre=np.array([piece.genre for _, piece in pieces], dtype=np.int32),
        mode=np.array([piece.mode for _, piece in pieces], dtype=np.int32),
        split=np.array([SPLITS.index(split) for split, _ in pieces], dtype=np.int32),
        **columns,
    )
    partial.replace(path)


def load_arrays(path: Path) -> dict[str, list[EncodedMelody]]:
    """The encoded pieces by split, as `save_arrays` wrote them."""
    splits: dict[str, list[EncodedMelody]] = {split: [] for split in SPLITS}
    with np.load(path) as npz:
        data = {name: npz[name] for name in npz.files}
    offsets = data["offsets"]
    for index in range(len(offsets) - 1):
        cut = slice(offsets[index], offsets[index + 1])
        splits[SPLITS[data["split"][index]]].append(
            EncodedMelody(
                pitch=data["pitch"][cut],
                duration=data["duration"][cut],
                position=data["position"][cut],
                genre=int(data["genre"][index]),
                mode=int(data["mode"][index]),
                chord=data["chord"][cut],
                next_chord=data["next_chord"][cut],
                lookback={name: data[name][cut] for name in LOOKBACK},
            )
        )
    return splits
