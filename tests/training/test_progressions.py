"""The progression network: its NumPy steps match the Keras network it is exported from, and a
corpus piece is read as one chord a half-bar from its first full bar, moved to C major or A
minor, "no chord" trimmed from its ends."""

from __future__ import annotations

import numpy as np
import pytest

from server.generation.chords import NO_CHORD, Chord, parse_symbol
from server.generation.progression_network import ProgressionConfig, ProgressionNetwork
from training.progression_corpora import half_bar_slots, to_song

pytest.importorskip("tensorflow")

from training.progressions import build_keras, keras_to_arrays  # noqa: E402

SMALL = ProgressionConfig(hidden=12, chord_embedding=6, position_embedding=3)


def test_numpy_steps_match_keras_on_a_random_sequence() -> None:
    rng = np.random.default_rng(2)
    network = build_keras(SMALL)
    for weight in network.weights:  # far from the near-zero initial values, to exercise gates
        weight.assign(rng.normal(0.0, 0.4, weight.shape).astype(np.float32))
    steps = 10
    inputs = {
        name: rng.integers(0, rows, (1, steps)).astype(np.int32)
        for name, rows in SMALL.input_rows().items()
    }
    expected = np.asarray(network(inputs, training=False))
    runtime = ProgressionNetwork(SMALL, keras_to_arrays(network, SMALL))
    state = runtime.initial_state()
    for t in range(steps):
        logits, state = runtime.step(*(int(inputs[name][0, t]) for name in inputs), state)
        np.testing.assert_allclose(logits[0], expected[0, t], atol=1e-4)


def test_a_piece_is_read_one_chord_a_half_bar_in_its_normalized_key() -> None:
    d, g, a7 = (parse_symbol(s) for s in ("D", "G", "A7"))
    beats = [NO_CHORD] * 3 + [d, d, g, g, a7, a7, d, d, NO_CHORD]  # a pickup bar of 3 beats
    slots = half_bar_slots(beats, bar_ticks=48, first_bar=36)
    assert slots == [d, g, a7, d]
    song = to_song("folk", "tune", (2, "major"), slots, "train")  # D major -> C major
    assert [Chord.from_id(int(i)).symbol for i in song.chords] == ["C", "F", "G7", "C"]
