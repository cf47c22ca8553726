"""The progression network at run time: a one-layer LSTM in NumPy over chords on a half-bar grid
(the previous chord, where the half-bar falls in its four-bar phrase, the genre and the mode ->
the next chord), loaded from checkpoints/progressions/ as `training.progressions` exports it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from server.generation.chords import VOCABULARY_SIZE
from server.generation.lstm import CONFIG_FILE, WEIGHTS_FILE, CheckpointError, lstm_cell
from server.generation.melody import GENRES, normalized_tonic, smallest_shift
from server.generation.row_kernels import RowKernel

CHECKPOINT_DIR = Path(__file__).resolve().parents[2] / "checkpoints" / "progressions"
SLOTS_PER_BAR = 2  # one chord a half-bar
PHRASE_SLOTS = 4 * SLOTS_PER_BAR  # positions count through a four-bar phrase
CHORD_BOS = VOCABULARY_SIZE  # the input id before a piece's first chord
INPUT_NAMES = ("chord", "position", "genre", "mode")


def normalizing_shift(tonic: int, mode: str) -> int:
    """Semitones that move a key's chords to C major or A minor, as the melodies are moved."""
    return smallest_shift(tonic, normalized_tonic(mode))


@dataclass(frozen=True)
class ProgressionConfig:
    """Sizes of the progression network; travels with its weights as config.json."""

    hidden: int = 128
    chord_embedding: int = 32
    position_embedding: int = 8
    genre_embedding: int = 4
    mode_embedding: int = 2
    dropout: float = 0.2

    def input_rows(self) -> dict[str, int]:
        """Ids each input takes (the chord's include BOS)."""
        return {
            "chord": VOCABULARY_SIZE + 1,
            "position": PHRASE_SLOTS,
            "genre": len(GENRES),
            "mode": 2,
        }

    def array_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name -> shape of every exported array: per input its embedding times its slice of
        the LSTM kernel (gate order i, f, o, g; the bias folded into the chord table), the
        recurrent kernel and the output layer."""
        gates = 4 * self.hidden
        shapes: dict[str, tuple[int, ...]] = {
            f"input_{name}": (rows, gates) for name, rows in self.input_rows().items()
        }
        shapes |= {
            "recurrent": (self.hidden, gates),
            "out_kernel": (self.hidden, VOCABULARY_SIZE),
            "out_bias": (VOCABULARY_SIZE,),
        }
        return shapes


class ProgressionNetwork:
    """One step for a batch of pieces: a progression is written whole before its stream starts
    (at most 256 steps), those of streams starting together in one batch."""

    def __init__(self, config: ProgressionConfig, arrays: dict[str, np.ndarray]) -> None:
        for name, shape in config.array_shapes().items():
            if name not in arrays or tuple(arrays[name].shape) != shape:
                raise CheckpointError(f"progression weights lack {name!r} of shape {shape}")
        self.config = config
        self.arrays = {name: np.asarray(array, dtype=np.float32) for name, array in arrays.items()}
        self.recurrent = RowKernel(self.arrays["recurrent"])
        self.out_kernel = RowKernel(self.arrays["out_kernel"])

    @classmethod
    def load(cls, path: str | Path = CHECKPOINT_DIR) -> ProgressionNetwork:
        folder = Path(path)
        try:
            config = ProgressionConfig(**json.loads((folder / CONFIG_FILE).read_text()))
            with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (OSError, ValueError, TypeError) as error:
            raise CheckpointError(f"cannot read progression checkpoint {folder}: {error}") from None
        return cls(config, arrays)

    def save(self, path: str | Path) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / WEIGHTS_FILE, allow_pickle=False, **self.arrays)
        (folder / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2) + "\n")

    def initial_state(self, batch: int = 1) -> np.ndarray:
        """Zero state (2, batch, hidden): h, c."""
        return np.zeros((2, batch, self.config.hidden), dtype=np.float32)

    def step(
        self,
        chord: int | np.ndarray,
        position: int,
        genre: int | np.ndarray,
        mode: int | np.ndarray,
        state: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Logits (batch, VOCABULARY_SIZE) of the chord at `position` after `chord`, and the
        new state; `chord`, `genre` and `mode` one value or one per row of `state`."""
        gates = self.arrays["input_chord"][np.atleast_1d(chord)]
        for name, value in zip(INPUT_NAMES[1:], (position, genre, mode), strict=True):
            gates += self.arrays[f"input_{name}"][value]
        gates += self.recurrent.times(state[0])
        new_state = np.empty_like(state)
        lstm_cell(gates, state[1], new_state)
        logits = self.out_kernel.times(new_state[0]) + self.arrays["out_bias"]
        return logits, new_state
