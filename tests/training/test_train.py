"""A tiny end-to-end training run: train one epoch, resume, export, reload without TensorFlow."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from server.generation.lstm import LstmNetwork  # noqa: E402
from server.generation.melody import Melody  # noqa: E402
from server.generation.vocabulary import default_vocabulary  # noqa: E402
from tests.notes import beat_notes  # noqa: E402
from training import export, train  # noqa: E402
from training.network import arrays_to_network, network_to_arrays  # noqa: E402

TINY = [
    "--epochs",
    "1",
    "--batch",
    "4",
    "--sequence",
    "16",
    "--hidden",
    "16",
    "--epoch-events",
    "112",
]


def scale_melody(genre: str, offset: int) -> Melody:
    """A few bars of a rising and falling scale in eighths and quarters."""
    pitches = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62]
    notes, start = [], 0.0
    for index, pitch in enumerate(pitches):
        length = 1.0 if (index + offset) % 3 == 0 else 0.5
        notes.append((pitch, start, length))
        start += length
    return Melody.from_notes(beat_notes(notes), genre=genre)


@pytest.fixture
def splits() -> dict[str, list[Melody]]:
    genres = ("folk", "jazz", "pop")
    return {
        "train": [scale_melody(genre, offset) for genre in genres for offset in range(3)],
        "valid": [scale_melody("folk", 5)],
        "test": [scale_melody("jazz", 7)],
    }


def test_train_resume_export_and_reload_without_tensorflow(tmp_path: Path, splits) -> None:
    run = train.main([*TINY, "--out", str(tmp_path / "run")], splits=splits)
    train.main([*TINY, "--epochs", "2", "--resume", "--out", str(run)], splits=splits)

    history = (run / "history.csv").read_text().strip().splitlines()
    assert len(history) == 3  # header + epoch 1 + epoch 2 after resuming
    out = export.export_run(run, tmp_path / "melody")
    network = LstmNetwork.load(out)
    assert network.config.hidden == 16
    assert json.loads((out / "config.json").read_text())["layers"] == 2

    vocabulary = network.vocabulary
    state = network.initial_state(2)
    bos = np.full(2, vocabulary.pitch_bos), np.full(2, vocabulary.duration_bos)
    zeros, genre = np.zeros(2, int), np.full(2, vocabulary.genre_id("jazz"))
    chords = np.array([1, 50]), np.array([20, 0])
    ids = np.array([*bos, zeros, genre, zeros, *chords, *bos, *bos, zeros])
    logits, state = network.step(ids, state)
    assert logits.shape == (2, vocabulary.n_pitch)
    assert network.duration_logits(state, np.array([1, 2])).shape == (2, vocabulary.n_duration)
    assert np.isfinite(logits).all()


def test_training_without_validation_pieces_says_so(tmp_path: Path, splits) -> None:
    splits["valid"] = []
    with pytest.raises(SystemExit, match="validation piece"):
        train.main([*TINY, "--out", str(tmp_path / "run")], splits=splits)


def test_training_from_a_checkpoint_starts_from_its_weights(tmp_path: Path, splits) -> None:
    shipped = LstmNetwork.random(default_vocabulary(), hidden=16, seed=3)
    shipped.save(tmp_path / "shipped")
    config = replace(shipped.config, dropout=0.2)
    rebuilt = network_to_arrays(arrays_to_network(shipped.arrays, config), config)
    assert rebuilt.keys() == shipped.arrays.keys()
    for name, array in shipped.arrays.items():
        np.testing.assert_allclose(rebuilt[name], array, atol=1e-4, err_msg=name)

    init = ["--init", str(tmp_path / "shipped"), "--hidden", "64"]
    run = train.main([*TINY, *init, "--out", str(tmp_path / "run")], splits=splits)
    trained = LstmNetwork.load(export.export_run(run, tmp_path / "melody"))
    assert trained.config.hidden == 16  # the checkpoint's sizes, not the command line's
    moved = np.abs(trained.arrays["pitch_kernel"] - shipped.arrays["pitch_kernel"]).max()
    assert 0 < moved < 0.1  # one small epoch moves the weights a little from where they were


def test_training_from_a_missing_checkpoint_says_so(tmp_path: Path, splits) -> None:
    init = ["--init", str(tmp_path / "nowhere"), "--out", str(tmp_path / "run")]
    with pytest.raises(SystemExit, match="--init: checkpoint folder .* does not exist"):
        train.main([*TINY, *init], splits=splits)
