"""The melody chord network: the NumPy runtime matches the Keras network it was exported from,
and training windows cover every beat of a song once, padding weighted out."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from server.generation.chord_network import INPUT_SIZE, ChordNetwork, moved_ids  # noqa: E402
from training.chord_network import (  # noqa: E402
    WINDOW,
    NetworkSong,
    build_network,
    export_network,
    windows,
)


def test_numpy_bidirectional_pass_matches_keras(tmp_path):
    rng = np.random.default_rng(3)
    network = build_network()
    for weight in network.weights:  # far from the near-zero initial values, to exercise gates
        weight.assign(rng.normal(0.0, 0.3, weight.shape).astype(np.float32))
    beats = rng.random((1, 40, INPUT_SIZE)).astype(np.float32)
    logits = np.asarray(network(beats, training=False))[0].astype(np.float64)
    expected = logits - logits.max(axis=1, keepdims=True)
    expected -= np.log(np.exp(expected).sum(axis=1, keepdims=True))

    export_network(network).save(tmp_path / "melody.npz")
    runtime = ChordNetwork.load(tmp_path / "melody.npz")
    assert np.abs(runtime.log_probabilities(beats[0], 0) - expected).max() < 1e-4
    in_d = runtime.log_probabilities(beats[0], 2)
    assert np.allclose(in_d[:, moved_ids(2)], expected, atol=1e-4)  # the key's frame moved to D


def test_windows_cover_each_beat_once_and_weigh_out_padding_and_unreadable_labels():
    length = WINDOW + 70
    targets = np.arange(length) % 145
    targets[5] = -1
    song = NetworkSong(np.ones((length, INPUT_SIZE), np.float32), targets, tonic=0)
    inputs, labels, weights = windows([song], np.random.default_rng(0))
    assert inputs.shape[1:] == (WINDOW, INPUT_SIZE)
    assert weights.sum() == length - 1 and inputs[..., 0].sum() == length
    assert sorted(labels[weights > 0].tolist()) == sorted(t for t in targets.tolist() if t >= 0)
