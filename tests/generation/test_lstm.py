"""The NumPy runtime: checkpoint round trip, clear errors for broken folders, batch behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from server.generation import lstm
from server.generation.lstm import INPUT_NAMES, CheckpointError, LstmNetwork
from server.generation.vocabulary import default_vocabulary


@pytest.fixture
def network() -> LstmNetwork:
    return LstmNetwork.random(default_vocabulary(), hidden=16, layers=3, duration_hidden=8)


def first_ids(network: LstmNetwork, batch: int) -> np.ndarray:
    """(inputs, batch): BOS, a position and genre per row, a chord per row, nothing bars back."""
    vocabulary = network.vocabulary
    bos = (np.full(batch, vocabulary.pitch_bos), np.full(batch, vocabulary.duration_bos))
    rows = np.arange(batch)
    ids = [*bos, rows % vocabulary.n_position, rows % 6, np.zeros(batch, int)]
    ids += [rows * 7 % 145, rows * 11 % 145, *bos, *bos, rows % 4]
    return np.array(ids)


def first_step(network: LstmNetwork, batch: int) -> tuple[np.ndarray, np.ndarray]:
    return network.step(first_ids(network, batch), network.initial_state(batch))


def test_saved_checkpoint_loads_back_identically(tmp_path: Path, network: LstmNetwork) -> None:
    network.save(tmp_path / "melody")
    loaded = LstmNetwork.load(tmp_path / "melody")

    assert loaded.config == network.config
    assert loaded.vocabulary == network.vocabulary
    np.testing.assert_array_equal(first_step(loaded, 4)[0], first_step(network, 4)[0])


def test_step_shapes_and_state_is_not_modified_in_place(network: LstmNetwork) -> None:
    state = network.initial_state(3)
    vocabulary = network.vocabulary
    ids = np.ones((len(INPUT_NAMES), 3), dtype=int)
    logits, new_state = network.step(ids, state)

    assert logits.shape == (3, vocabulary.n_pitch) and logits.dtype == np.float32
    assert new_state.shape == (3, 2, 3, 16)
    assert not state.any()  # the caller's state survives (the engine keeps it per stream)
    durations = network.duration_logits(new_state, np.array([0, 5, 9]))
    assert durations.shape == (3, vocabulary.n_duration)


def test_rows_of_a_batch_do_not_influence_each_other(network: LstmNetwork) -> None:
    batched, _ = first_step(network, 6)
    ids = first_ids(network, 6)
    for row in range(6):
        alone = network.step(ids[:, row : row + 1], network.initial_state(1))[0]
        np.testing.assert_allclose(alone[0], batched[row], atol=1e-5)


@pytest.mark.parametrize("batch", [1, 2, 5, 40, 130])
def test_every_way_of_computing_a_step_gives_the_same_network(monkeypatch, batch) -> None:
    """Small batches multiply by the transposed kernels and look their inputs up in one joined
    table; the plain products and lookups give the same numbers."""
    network = LstmNetwork.random(default_vocabulary(), hidden=64, duration_hidden=16)
    ids = first_ids(network, batch)
    state = np.random.default_rng(batch).normal(0, 0.5, network.initial_state(batch).shape)
    state = state.astype(np.float32)
    fast = network.step(ids, state)
    monkeypatch.setattr(lstm, "TRANSPOSED_BATCHES", range(0))
    monkeypatch.setattr(lstm, "JOINED_LOOKUP_BATCH", 0)
    plain = network.step(ids, state)
    for got, expected in zip(fast, plain, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_the_chord_inputs_change_the_prediction(network: LstmNetwork) -> None:
    ids = first_ids(network, 2)
    ids[INPUT_NAMES.index("chord")] = [0, 5]
    logits, _ = network.step(ids, network.initial_state(2))
    assert not np.allclose(logits[0], logits[1])


def test_a_step_with_the_wrong_number_of_inputs_is_refused(network: LstmNetwork) -> None:
    with pytest.raises(ValueError, match="12 ids"):
        network.step(np.zeros((5, 1), dtype=int), network.initial_state(1))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda folder: (folder / "weights.npz").unlink(), "cannot read checkpoint"),
        (lambda folder: (folder / "weights.npz").write_bytes(b"not a zip"), "cannot read"),
        (lambda folder: (folder / "config.json").write_text("{"), "cannot read"),
        (lambda folder: (folder / "vocabulary.json").write_text("[]"), "cannot read"),
        (lambda folder: _edit_config(folder, hidden=32), "has shape"),
        (lambda folder: _edit_config(folder, n_pitch=5), "vocabulary and network differ"),
        (lambda folder: _edit_config(folder, colour="red"), "unknown network config"),
    ],
)
def test_broken_checkpoint_gives_a_clear_error(tmp_path: Path, network, damage, message) -> None:
    network.save(tmp_path)
    damage(tmp_path)
    with pytest.raises(CheckpointError, match=message):
        LstmNetwork.load(tmp_path)


def test_missing_checkpoint_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        LstmNetwork.load(tmp_path / "nowhere")


def _edit_config(folder: Path, **changes: object) -> None:
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config | changes))


def test_importing_the_runtime_does_not_import_tensorflow() -> None:
    import subprocess
    import sys

    code = "import server.generation.sampler, server.cli, sys; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
