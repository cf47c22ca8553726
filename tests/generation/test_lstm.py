"""The NumPy runtime: checkpoint round trip, clear errors for broken folders, batch behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

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


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 6, 16, 17, 33, 129, 300])
def test_a_streams_numbers_are_the_same_to_the_bit_whatever_shares_its_batch(rows) -> None:
    """The same seed gives the same notes only if a stream's logits and state do not depend on
    the other streams the engine steps beside it, nor on how many: not even in the last bit,
    since a draw near a boundary of the nucleus turns on it. A stream stepped alone is the case
    that differed (a single row went through another product routine)."""
    network = LstmNetwork.random(default_vocabulary(), hidden=256, duration_hidden=128)
    ids = first_ids(network, rows)
    state = np.random.default_rng(rows).normal(0, 0.5, network.initial_state(rows).shape)
    state = state.astype(np.float32)
    pitch_ids = ids[0] % network.vocabulary.n_pitch
    with threadpool_limits(1, user_api="blas"):  # as the engine and the network's process step
        logits, new_state = network.step(ids, state)
        durations = network.duration_logits(new_state, pitch_ids)
        for row in {0, rows // 2, rows - 1}:
            one = slice(row, row + 1)
            alone_logits, alone_state = network.step(ids[:, one], state[:, :, one])
            alone_durations = network.duration_logits(alone_state, pitch_ids[one])
            np.testing.assert_array_equal(alone_logits[0], logits[row])
            np.testing.assert_array_equal(alone_state[:, :, 0], new_state[:, :, row])
            np.testing.assert_array_equal(alone_durations[0], durations[row])


@pytest.mark.parametrize("batch", [1, 2, 5, 40, 130])
def test_every_way_of_looking_up_the_inputs_gives_the_same_network(monkeypatch, batch) -> None:
    """Small batches look their inputs up in one joined table; the twelve lookups give the same
    numbers, so a stream's step does not change with the size of its batch."""
    network = LstmNetwork.random(default_vocabulary(), hidden=64, duration_hidden=16)
    ids = first_ids(network, batch)
    state = np.random.default_rng(batch).normal(0, 0.5, network.initial_state(batch).shape)
    state = state.astype(np.float32)
    joined = network.step(ids, state)
    monkeypatch.setattr(lstm, "JOINED_LOOKUP_BATCH", 0)
    apart = network.step(ids, state)
    for got, expected in zip(joined, apart, strict=True):
        np.testing.assert_array_equal(got, expected)


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
