"""The chord recognizer's linear scores, which read a whole arrangement: a root-invariant
multinomial logistic regression over the chord vocabulary (one weight vector per quality in the
root's frame, rotated onto each of the 12 roots), a no-chord score on the profiles' loudness, and
a table of chord moves in a C tonic for the Viterbi pass. Fitted by `training.chords --fit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.generation.chords import QUALITIES, VOCABULARY_SIZE, Chord

# The profiles each beat is described by, every one (12,) over absolute pitch classes: the
# beat's notes, its lowest sounding note, beats -1..+1, its half-bar, its bar, and the key's
# tonic as a one-hot vector in the major or the minor slot.
BLOCKS = ("beat", "bass", "context", "half_bar", "bar", "major_key", "minor_key")
PROFILE_BLOCKS = 5  # the first five are note profiles, whose loudness the no-chord score reads


@dataclass(frozen=True)
class RecognizerWeights:
    """One mode's fitted model: `weights` (qualities, blocks, 12) in the chord root's frame,
    `bias` (qualities,), the no-chord score's `no_chord` weights (PROFILE_BLOCKS + 1,) on the
    profiles' loudness (last: bias), the Viterbi `change_cost` (3,) per bar position, and
    `transitions` (2 modes, chords, chords): the score of moving from one chord to another in
    a key whose tonic is C (the chords are moved with the piece's tonic)."""

    weights: np.ndarray
    bias: np.ndarray
    no_chord: np.ndarray
    change_cost: np.ndarray
    transitions: np.ndarray

    @classmethod
    def load(cls, path: str | Path) -> RecognizerWeights:
        with np.load(path, allow_pickle=False) as npz:
            if tuple(str(name) for name in npz["qualities"]) != tuple(QUALITIES):
                raise ValueError(f"{path} was fitted on another chord vocabulary")
            if tuple(str(name) for name in npz["blocks"]) != BLOCKS:
                raise ValueError(f"{path} was fitted on other beat profiles")
            names = ("weights", "bias", "no_chord", "change_cost", "transitions")
            return cls(*(npz[name] for name in names))

    def save(self, path: str | Path) -> None:
        np.savez(
            path,
            qualities=np.array([str(q) for q in QUALITIES]),
            blocks=np.array(BLOCKS),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            no_chord=self.no_chord.astype(np.float32),
            change_cost=self.change_cost.astype(np.float32),
            transitions=self.transitions.astype(np.float32),
        )

    def key_transitions(self, key: tuple[int, str]) -> np.ndarray:
        """(chords, chords) transition scores in `key`: the C-tonic table moved to its tonic."""
        tonic, mode = key
        moved = [
            Chord.from_id(chord_id).transposed(-tonic).id for chord_id in range(VOCABULARY_SIZE)
        ]
        table: np.ndarray = self.transitions[0 if mode == "major" else 1]
        return table[np.ix_(moved, moved)]

    def scores(
        self, features: np.ndarray, loudness: np.ndarray, bar_ticks: int, pickup_ticks: int
    ) -> np.ndarray:
        """(beats, VOCABULARY_SIZE) log-probability of every chord id at every beat."""
        return chord_log_probabilities(features, loudness, self)

    def moves(self, key: tuple[int, str]) -> np.ndarray:
        return self.key_transitions(key)


def chord_log_probabilities(
    features: np.ndarray, loudness: np.ndarray, weights: RecognizerWeights
) -> np.ndarray:
    """(beats, VOCABULARY_SIZE) log-probability of every chord id at every beat."""
    logits = chord_logits(features, loudness, weights.weights, weights.bias, weights.no_chord)
    logits -= logits.max(axis=1, keepdims=True)
    result: np.ndarray = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return result


def chord_logits(
    features: np.ndarray,
    loudness: np.ndarray,
    weights: np.ndarray,
    bias: np.ndarray,
    no_chord: np.ndarray,
) -> np.ndarray:
    """(beats, VOCABULARY_SIZE) scores, in Chord.id order: the score of root r and quality q
    is the (blocks, 12) weights of q rotated to r, dotted with the beat's features."""
    flat = features.reshape(len(features), features.shape[1] * features.shape[2])
    chords = flat @ rotated_weights(weights) + np.tile(bias, 12)
    silence = loudness @ no_chord[:-1] + no_chord[-1]
    return np.concatenate([silence[:, None], chords], axis=1)


def rotated_weights(weights: np.ndarray) -> np.ndarray:
    """(blocks * 12, 12 * qualities): column r * qualities + q holds quality q's weights (q,
    blocks, 12) in the root's frame moved onto root r, matching Chord.id - 1."""
    by_block = weights.transpose(1, 2, 0)  # (blocks, 12 intervals, qualities)
    rotated = np.stack([np.roll(by_block, root, axis=1) for root in range(12)], axis=2)
    blocks, _, _, qualities = rotated.shape
    result: np.ndarray = rotated.reshape(blocks * 12, 12 * qualities)
    return result
