"""The melody network at run time: a stateful one-step LSTM in NumPy, loaded from a checkpoint
folder (weights.npz + config.json + vocabulary.json) written by `training.export`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.chords import VOCABULARY_SIZE as N_CHORD
from server.generation.lookback import N_REPEAT
from server.generation.row_kernels import RowKernel
from server.generation.vocabulary import Vocabulary

WEIGHTS_FILE = "weights.npz"
CONFIG_FILE = "config.json"
VOCABULARY_FILE = "vocabulary.json"
# Each input the network reads at every step and the embedding table it looks its id up in.
INPUTS = (
    *(("prev_pitch", "pitch"), ("prev_duration", "duration"), ("position", "position")),
    *(("genre", "genre"), ("mode", "mode"), ("chord", "chord"), ("next_chord", "chord")),
    *(("back1_pitch", "pitch"), ("back1_duration", "duration"), ("back2_pitch", "pitch")),
    *(("back2_duration", "duration"), ("repeats", "repeat")),
)
INPUT_NAMES = tuple(name for name, _ in INPUTS)
TABLE_NAMES = ("pitch", "duration", "position", "genre", "mode", "chord", "repeat")


class CheckpointError(ValueError):
    """A checkpoint folder that is missing, incomplete or inconsistent."""


@dataclass(frozen=True)
class NetworkConfig:
    """Sizes of the conditional melody network; travels with its weights as config.json."""

    n_pitch: int  # output pitch classes; the input table has one more row (BOS)
    n_duration: int  # output duration classes; the input table has one more row (BOS)
    n_position: int
    n_genre: int
    n_mode: int
    n_chord: int = N_CHORD
    n_repeat: int = N_REPEAT
    pitch_embedding: int = 64
    duration_embedding: int = 32
    position_embedding: int = 16
    genre_embedding: int = 8
    mode_embedding: int = 4
    chord_embedding: int = 16
    repeat_embedding: int = 4
    hidden: int = 256
    layers: int = 2
    duration_hidden: int = 128
    dropout: float = 0.2

    @classmethod
    def for_vocabulary(cls, vocabulary: Vocabulary, **sizes: int | float) -> NetworkConfig:
        options: dict[str, Any] = dict(sizes)  # hidden, layers, ...; an unknown one is a TypeError
        return cls(
            n_pitch=vocabulary.n_pitch,
            n_duration=vocabulary.n_duration,
            n_position=vocabulary.n_position,
            n_genre=vocabulary.n_genre,
            n_mode=vocabulary.n_mode,
            **options,
        )

    def table_shape(self, table: str) -> tuple[int, int]:
        """(rows, width) of one embedding table; pitch and duration have one more row, the id
        read before the piece begins (BOS, also "nothing a bar back")."""
        rows = {
            "pitch": self.n_pitch + 1,
            "duration": self.n_duration + 1,
            "position": self.n_position,
            "genre": self.n_genre,
            "mode": self.n_mode,
            "chord": self.n_chord,
            "repeat": self.n_repeat,
        }[table]
        width: int = getattr(self, f"{table}_embedding")
        return rows, width

    def to_json(self) -> dict[str, int | float]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, int | float]) -> NetworkConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise CheckpointError(f"unknown network config fields: {', '.join(sorted(unknown))}")
        fields: dict[str, Any] = dict(data)  # each of the known fields, checked above
        return cls(**fields)


def _sigmoid_(values: np.ndarray) -> None:
    """In-place logistic sigmoid via tanh (one ufunc pass, no overflow)."""
    np.multiply(values, 0.5, out=values)
    np.tanh(values, out=values)
    np.multiply(values, 0.5, out=values)
    np.add(values, 0.5, out=values)


def lstm_cell(gates: np.ndarray, cell: np.ndarray, out: np.ndarray) -> None:
    """LSTM update from pre-activations (batch, 4H) in gate order [i, f, o, g] (overwritten) and
    the cell state (batch, H); writes the new h into out[0] and c into out[1]."""
    hidden = cell.shape[-1]
    _sigmoid_(gates[:, : 3 * hidden])
    np.tanh(gates[:, 3 * hidden :], out=gates[:, 3 * hidden :])
    input_gate, forget_gate = gates[:, :hidden], gates[:, hidden : 2 * hidden]
    output_gate, candidate = gates[:, 2 * hidden : 3 * hidden], gates[:, 3 * hidden :]
    np.multiply(forget_gate, cell, out=out[1])
    out[1] += input_gate * candidate
    np.tanh(out[1], out=out[0])
    out[0] *= output_gate


# Batches whose gate products multiply by the transposed kernels (`RowKernel`): the same numbers
# in a quarter less time (docs/performance.md, "The same notes whatever the batch").
GATES_TRANSPOSED_ROWS = range(4, 17)
# Batches up to this many rows look their inputs up in one table of all of them (one gather and
# one sum, the same sums in the same order) instead of twelve gathers and adds.
JOINED_LOOKUP_BATCH = 32


class LstmNetwork:
    """One LSTM step for a batch of streams.

    Exported arrays (gate order i, f, o, g so the three sigmoid gates are contiguous):
      embedding_<table> (rows, width) for each of TABLE_NAMES; kernel_<input> (width, 4H) the
        layer-0 kernel's slice that reads each of INPUT_NAMES; lstm_0_bias (4H,);
      lstm_<k>_recurrent (H, 4H) for k = 0; lstm_<k>_kernel (2H, 4H) = [input; recurrent] and
        lstm_<k>_bias (4H,) for k >= 1;
      pitch_kernel (H, n_pitch), pitch_bias; duration_state (H, D), duration_pitch (n_pitch, D)
        (pitch embedding times its kernel slice, bias folded in), duration_kernel (D, n_duration),
        duration_bias.
    At load every input's table is folded into its first-layer gate contribution (rows, 4H),
    the embedding times its kernel slice (layer-0 bias in the first), so a step adds rows.
    State: float32 array (layers, 2, batch, H): [layer, 0] = h, [layer, 1] = c.
    """

    def __init__(self, config: NetworkConfig, arrays: dict[str, np.ndarray]) -> None:
        self.config = config
        self.vocabulary: Vocabulary | None = None
        self._check_shapes(config, arrays)
        self.arrays = {
            name: np.ascontiguousarray(a, dtype=np.float32) for name, a in arrays.items()
        }
        self.input_tables = [
            self.arrays[f"embedding_{table}"] @ self.arrays[f"kernel_{name}"]
            for name, table in INPUTS
        ]
        self.input_tables[0] += self.arrays["lstm_0_bias"]
        # Every table in one, each input's rows from its offset on (`_input_gates`).
        self.joined_table = np.concatenate(self.input_tables)
        starts = np.cumsum([0] + [len(table) for table in self.input_tables[:-1]])
        self.table_offsets = starts[:, None]  # (inputs, 1)
        self.recurrent0 = RowKernel(self.arrays["lstm_0_recurrent"], GATES_TRANSPOSED_ROWS)
        # Layer k >= 1 multiplies the layer below's h and its own h by the two halves of its
        # kernel, one product each: as fast as one product of the two joined, and at a single
        # stream far faster (docs/performance.md, "The same notes whatever the batch").
        hidden = config.hidden
        self.kernels = [
            (
                RowKernel(kernel[:hidden], GATES_TRANSPOSED_ROWS),
                RowKernel(kernel[hidden:], GATES_TRANSPOSED_ROWS),
            )
            for kernel in (self.arrays[f"lstm_{k}_kernel"] for k in range(1, config.layers))
        ]
        self.pitch_kernel = RowKernel(self.arrays["pitch_kernel"])
        self.duration_state = RowKernel(self.arrays["duration_state"])
        self.duration_kernel = RowKernel(self.arrays["duration_kernel"])
        self.biases = [self.arrays[f"lstm_{k}_bias"] for k in range(1, config.layers)]

    def require_vocabulary(self) -> Vocabulary:
        """The vocabulary the network reads and writes; sampling cannot go on without it."""
        if self.vocabulary is None:
            raise ValueError("the network was loaded without its vocabulary")
        return self.vocabulary

    @staticmethod
    def array_shapes(config: NetworkConfig) -> dict[str, tuple[int, ...]]:
        """Name -> shape of every exported array."""
        gates, hidden = 4 * config.hidden, config.hidden
        expected: dict[str, tuple[int, ...]] = {
            f"embedding_{table}": config.table_shape(table) for table in TABLE_NAMES
        }
        for name, table in INPUTS:
            expected[f"kernel_{name}"] = (config.table_shape(table)[1], gates)
        expected |= {
            "lstm_0_bias": (gates,),
            "lstm_0_recurrent": (hidden, gates),
            "pitch_kernel": (hidden, config.n_pitch),
            "pitch_bias": (config.n_pitch,),
            "duration_state": (hidden, config.duration_hidden),
            "duration_pitch": (config.n_pitch, config.duration_hidden),
            "duration_kernel": (config.duration_hidden, config.n_duration),
            "duration_bias": (config.n_duration,),
        }
        for k in range(1, config.layers):
            expected[f"lstm_{k}_kernel"] = (2 * hidden, gates)
            expected[f"lstm_{k}_bias"] = (gates,)
        return expected

    @classmethod
    def _check_shapes(cls, config: NetworkConfig, arrays: dict[str, np.ndarray]) -> None:
        for name, shape in cls.array_shapes(config).items():
            if name not in arrays:
                raise CheckpointError(f"checkpoint weights lack the array {name!r}")
            if tuple(arrays[name].shape) != shape:
                raise CheckpointError(
                    f"checkpoint array {name!r} has shape {arrays[name].shape}, expected {shape}"
                )

    @classmethod
    def load(cls, path: str | Path) -> LstmNetwork:
        """Load a checkpoint folder; raises CheckpointError with a readable reason."""
        folder = Path(path)
        if not folder.is_dir():
            raise CheckpointError(f"checkpoint folder {folder} does not exist")
        try:
            config = NetworkConfig.from_json(json.loads((folder / CONFIG_FILE).read_text()))
            with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            vocabulary = Vocabulary.from_json(json.loads((folder / VOCABULARY_FILE).read_text()))
        except CheckpointError:
            raise
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise CheckpointError(f"cannot read checkpoint {folder}: {error}") from error
        expected = NetworkConfig.for_vocabulary(vocabulary)
        for field in ("n_pitch", "n_duration", "n_position", "n_genre", "n_mode"):
            if getattr(expected, field) != getattr(config, field):
                raise CheckpointError(
                    f"checkpoint {folder}: vocabulary and network differ in {field}"
                )
        network = cls(config, arrays)
        network.vocabulary = vocabulary
        return network

    @classmethod
    def random(cls, vocabulary: Vocabulary, *, seed: int = 0, **sizes: int) -> LstmNetwork:
        """An untrained network of the right shapes (tests and benchmarks without weights)."""
        config = NetworkConfig.for_vocabulary(vocabulary, **sizes)
        shapes = cls.array_shapes(config)
        rng = np.random.default_rng(seed)
        arrays = {name: rng.normal(0.0, 0.3, shape) for name, shape in shapes.items()}
        for name, table in INPUTS:  # each input adds N(0, 0.2) to the gates, as they add up
            arrays[f"embedding_{table}"] = rng.normal(0.0, 1.0, config.table_shape(table))
            arrays[f"kernel_{name}"] *= 0.2 / 0.3 / np.sqrt(config.table_shape(table)[1])
        network = cls(config, arrays)
        network.vocabulary = vocabulary
        return network

    def save(self, path: str | Path) -> None:
        """Write weights.npz, config.json and vocabulary.json into the folder `path`."""
        if self.vocabulary is None:
            raise CheckpointError("a network is saved together with its vocabulary")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / WEIGHTS_FILE, allow_pickle=False, **self.arrays)
        (folder / CONFIG_FILE).write_text(json.dumps(self.config.to_json(), indent=2) + "\n")
        vocabulary = json.dumps(self.vocabulary.to_json(), indent=2) + "\n"
        (folder / VOCABULARY_FILE).write_text(vocabulary)

    def initial_state(self, batch: int) -> np.ndarray:
        """Zero state, shape (layers, 2, batch, hidden)."""
        return np.zeros((self.config.layers, 2, batch, self.config.hidden), dtype=np.float32)

    def step(self, ids: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance every stream one event; `ids` (len(INPUT_NAMES), batch) ints, one row per
        input in INPUT_NAMES order (a MelodyStream's `next_inputs()` for each stream).

        Returns pitch logits (batch, n_pitch) for the event being predicted and the new state.
        """
        if len(ids) != len(self.input_tables):
            raise ValueError(f"a step reads {len(self.input_tables)} ids a stream, got {len(ids)}")
        gates = self._input_gates(ids)
        new_state = np.empty_like(state)
        gates += self.recurrent0.times(state[0, 0])
        lstm_cell(gates, state[0, 1], new_state[0])
        layers = zip(self.kernels, self.biases, strict=True)
        for k, ((below, recurrent), bias) in enumerate(layers, start=1):
            gates = below.times(new_state[k - 1, 0])
            gates += recurrent.times(state[k, 0])
            gates += bias
            lstm_cell(gates, state[k, 1], new_state[k])
        logits = self.pitch_kernel.times(new_state[-1, 0])
        logits += self.arrays["pitch_bias"]
        return logits, new_state

    def _input_gates(self, ids: np.ndarray) -> np.ndarray:
        """(batch, 4H) first-layer gate inputs: every input's table row added up, in order."""
        if ids.shape[1] <= JOINED_LOOKUP_BATCH:
            rows = self.joined_table[ids + self.table_offsets]  # (inputs, batch, 4H)
            summed: np.ndarray = np.add.reduce(rows, axis=0)  # row by row, as the adds below
            return summed
        gates: np.ndarray = self.input_tables[0][ids[0]]  # fancy indexing copies: safe to add to
        for table, column in zip(self.input_tables[1:], ids[1:], strict=True):
            gates += table[column]
        return gates

    def duration_logits(self, state: np.ndarray, pitch_ids: np.ndarray) -> np.ndarray:
        """Duration logits (batch, n_duration) of the event whose pitch ids (batch,) were chosen,
        from the state returned by the step that predicted that pitch."""
        hidden = self.duration_state.times(state[-1, 0])
        hidden += self.arrays["duration_pitch"][pitch_ids]
        np.maximum(hidden, 0.0, out=hidden)  # relu
        logits = self.duration_kernel.times(hidden)
        logits += self.arrays["duration_bias"]
        return logits
