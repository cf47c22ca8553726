"""The NumPy one-step runtime matches the Keras network it was exported from, to 1e-4."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from server.generation.lstm import INPUT_NAMES, LstmNetwork, NetworkConfig  # noqa: E402
from server.generation.vocabulary import default_vocabulary  # noqa: E402
from training.network import build_network, network_to_arrays  # noqa: E402

SMALL = dict(
    hidden=24,
    pitch_embedding=8,
    duration_embedding=6,
    position_embedding=4,
    genre_embedding=3,
    mode_embedding=2,
    chord_embedding=5,
    repeat_embedding=2,
    duration_hidden=12,
)


def random_inputs(config: NetworkConfig, rng: np.random.Generator, batch: int, steps: int):
    def ids(high: int, per_sequence: bool = False) -> np.ndarray:
        shape = (batch, 1) if per_sequence else (batch, steps)
        return np.broadcast_to(rng.integers(0, high, shape), (batch, steps)).astype(np.int32)

    none = (config.n_pitch + 1, config.n_duration + 1)
    return {
        "prev_pitch": ids(none[0]),
        "prev_duration": ids(none[1]),
        "position": ids(config.n_position),
        "genre": ids(config.n_genre, per_sequence=True),
        "mode": ids(config.n_mode, per_sequence=True),
        "chord": ids(config.n_chord),
        "next_chord": ids(config.n_chord),
        "back1_pitch": ids(none[0]),
        "back1_duration": ids(none[1]),
        "back2_pitch": ids(none[0]),
        "back2_duration": ids(none[1]),
        "repeats": ids(config.n_repeat),
        "pitch": ids(config.n_pitch),
    }


@pytest.mark.parametrize("layers", [2, 3])
def test_numpy_steps_match_keras_on_random_sequences(layers: int) -> None:
    rng = np.random.default_rng(layers)
    config = NetworkConfig.for_vocabulary(default_vocabulary(), layers=layers, **SMALL)
    network = build_network(config)
    for weight in network.weights:  # far from the near-zero initial values, to exercise gates
        weight.assign(rng.normal(0.0, 0.4, weight.shape).astype(np.float32))
    inputs = random_inputs(config, rng, batch=3, steps=12)
    expected = network(inputs, training=False)

    runtime = LstmNetwork(config, network_to_arrays(network, config))
    state = runtime.initial_state(3)
    for t in range(12):
        step_ids = np.array([inputs[name][:, t] for name in INPUT_NAMES])
        pitch_logits, state = runtime.step(step_ids, state)
        duration_logits = runtime.duration_logits(state, inputs["pitch"][:, t])
        np.testing.assert_allclose(pitch_logits, expected["pitch"][:, t], atol=1e-4)
        np.testing.assert_allclose(duration_logits, expected["duration"][:, t], atol=1e-4)
