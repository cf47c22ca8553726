"""The chord recognizer's network for a melody alone, in NumPy: a bidirectional LSTM that reads
a whole tune, beat by beat, in its key's frame (the key's tonic moved to C), and scores every
chord of the vocabulary at every beat with the phrase on both sides in view.

Trained in Keras by `training.chord_network` on POP909 and RS200 training songs and exported
here as plain arrays (`checkpoints/chords/melody.npz`); `chord_recognizer.recognize` runs it
in melody mode and smooths its scores with the change cost of each bar position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from server.generation.chords import QUALITIES, VOCABULARY_SIZE
from server.generation.notes import TICKS_PER_BEAT

NOTE_BLOCKS = 5  # the note profiles of the recognizer's beat features (beat ... bar)
BAR_SLOTS = 6  # the beat's index in its bar, one-hot (beats from the sixth on share a slot)
POSITION_KINDS = 3  # downbeat, half-bar, other beat
# Per beat: the note profiles in the key's frame, their loudness, the mode (1 = minor), the
# beat's index in its bar and the kind of bar position.
INPUT_SIZE = NOTE_BLOCKS * 12 + NOTE_BLOCKS + 1 + BAR_SLOTS + POSITION_KINDS
ARRAYS = ("dense_kernel", "dense_bias", "output_kernel", "output_bias", "change_cost")


def _sigmoid(values: np.ndarray) -> np.ndarray:
    result: np.ndarray = 0.5 * np.tanh(0.5 * values) + 0.5
    return result


def network_inputs(
    features: np.ndarray, loudness: np.ndarray, bar_ticks: int, pickup_ticks: int
) -> np.ndarray:
    """(beats, INPUT_SIZE) the network's input from the recognizer's beat features (beats,
    blocks, 12; the key in the last two blocks) and their loudness, bar lines falling at
    `pickup_ticks` + k * `bar_ticks`."""
    beats = len(features)
    tonic, minor = key_frame(features)
    profiles = np.roll(features[:, :NOTE_BLOCKS, :], -tonic, axis=2).reshape(
        beats, NOTE_BLOCKS * 12
    )
    ticks = (np.arange(beats) * TICKS_PER_BEAT - pickup_ticks) % bar_ticks
    slots = np.eye(BAR_SLOTS)[np.minimum(ticks // TICKS_PER_BEAT, BAR_SLOTS - 1)]
    kinds = np.eye(POSITION_KINDS)[np.where(ticks == 0, 0, np.where(ticks == bar_ticks // 2, 1, 2))]
    mode = np.full((beats, 1), float(minor))
    result: np.ndarray = np.concatenate([profiles, loudness, mode, slots, kinds], axis=1)
    return result.astype(np.float32)


def key_frame(features: np.ndarray) -> tuple[int, bool]:
    """The key's tonic and whether it is minor, from the features' last two blocks."""
    if len(features) == 0:
        return 0, False
    minor, tonic = divmod(int(np.argmax(features[0, -2:].reshape(-1))), 12)
    return tonic, bool(minor)


def moved_ids(tonic: int) -> np.ndarray:
    """(VOCABULARY_SIZE,) the id each chord of the key's frame has once moved up to `tonic`."""
    ids = np.arange(VOCABULARY_SIZE)
    root, quality = np.divmod(ids[1:] - 1, len(QUALITIES))
    moved = 1 + (root + tonic) % 12 * len(QUALITIES) + quality
    result: np.ndarray = np.concatenate([[0], moved])
    return result


@dataclass(frozen=True)
class ChordNetwork:
    """The exported network: a dense layer (relu), bidirectional LSTM layers (Keras gate
    order i, f, g, o; `forward`/`backward` hold (kernel, recurrent, bias) per layer), an output
    layer over the vocabulary in the key's frame, and the Viterbi `change_cost` (3,) per bar
    position kind."""

    arrays: dict[str, np.ndarray]
    forward: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    backward: list[tuple[np.ndarray, np.ndarray, np.ndarray]]

    @property
    def change_cost(self) -> np.ndarray:
        return self.arrays["change_cost"]

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ChordNetwork:
        missing = [name for name in ARRAYS if name not in arrays]
        if missing or arrays["dense_kernel"].shape[0] != INPUT_SIZE:
            raise ValueError(f"not a melody chord network (missing {missing or 'its inputs'})")
        layers = sum(1 for name in arrays if name.startswith("forward_") and "kernel" in name)
        directions = [
            [
                tuple(
                    np.asarray(arrays[f"{side}_{k}_{part}"], dtype=np.float32)
                    for part in ("kernel", "recurrent", "bias")
                )
                for k in range(layers)
            ]
            for side in ("forward", "backward")
        ]
        kept = {name: np.asarray(array, dtype=np.float32) for name, array in arrays.items()}
        return cls(kept, *directions)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> ChordNetwork:
        with np.load(path, allow_pickle=False) as npz:
            return cls.from_arrays({name: npz[name] for name in npz.files})

    def scores(
        self, features: np.ndarray, loudness: np.ndarray, bar_ticks: int, pickup_ticks: int
    ) -> np.ndarray:
        """(beats, VOCABULARY_SIZE) log-probability of every chord id at every beat of the
        recognizer's beat features and their loudness."""
        inputs = network_inputs(features, loudness, bar_ticks, pickup_ticks)
        return self.log_probabilities(inputs, key_frame(features)[0])

    def moves(self, key: tuple[int, str]) -> None:
        """No transition scores: the network hears the phrase around each beat itself."""
        return None

    def with_change_cost(self, change_cost: np.ndarray) -> ChordNetwork:
        arrays = self.arrays | {"change_cost": np.asarray(change_cost, dtype=np.float32)}
        return ChordNetwork(arrays, self.forward, self.backward)

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = dict(self.arrays)  # numpy's stub types **kwds as allow_pickle
        np.savez(path, **arrays)

    def log_probabilities(self, inputs: np.ndarray, tonic: int) -> np.ndarray:
        """(beats, VOCABULARY_SIZE) log-probability of every chord id at every beat, for the
        network's inputs of a piece whose key has `tonic`."""
        if len(inputs) == 0:
            return np.zeros((0, VOCABULARY_SIZE))
        hidden = np.maximum(inputs @ self.arrays["dense_kernel"] + self.arrays["dense_bias"], 0)
        for forward, backward in zip(self.forward, self.backward, strict=True):
            ahead = _lstm(hidden, *forward)
            behind = _lstm(hidden[::-1], *backward)[::-1]
            hidden = np.concatenate([ahead, behind], axis=1)
        logits = hidden @ self.arrays["output_kernel"] + self.arrays["output_bias"]
        logits = logits - logits.max(axis=1, keepdims=True)
        relative = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        result = np.empty_like(relative, dtype=np.float64)
        result[:, moved_ids(tonic)] = relative
        return result


def _lstm(
    inputs: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """(steps, H) the hidden states of one LSTM direction run over (steps, inputs)."""
    size = recurrent.shape[0]
    gates_in = inputs.astype(np.float32) @ kernel + bias
    state, cell = np.zeros(size, np.float32), np.zeros(size, np.float32)
    out = np.empty((len(inputs), size), np.float32)
    for step, row in enumerate(gates_in):
        gates = row + state @ recurrent
        sig = _sigmoid(gates)
        cell = sig[size : 2 * size] * cell + sig[:size] * np.tanh(gates[2 * size : 3 * size])
        state = sig[3 * size :] * np.tanh(cell)
        out[step] = state
    return out
