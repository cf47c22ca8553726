"""Evaluation: the n-gram is a proper distribution, and `training.evaluate --json` reports
bits per event for the network and every baseline, per genre, as one JSON object."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.vocabulary import default_vocabulary
from tests.notes import beat_notes
from training import evaluate
from training.baselines import KneserNeyModel, UnigramModel


def sequences(seed: int, count: int = 40) -> list[np.ndarray]:
    """Walks through a cycle of 30 ids in steps of 7 from a random start, with a few slips."""
    rng = np.random.default_rng(seed)
    walks = []
    for _ in range(count):
        steps = np.where(rng.random(rng.integers(10, 30)) < 0.1, 1, 7)
        walks.append((rng.integers(0, 30) + np.cumsum(steps)) % 30)
    return walks


@pytest.mark.parametrize("order", [3, 5])
def test_kneser_ney_sums_to_one_and_beats_the_unigram(order: int) -> None:
    train, test = sequences(0), sequences(1, count=5)
    model = KneserNeyModel(order, vocab_size=30).fit(train)
    for history in [(30,) * (order - 1), tuple(train[0][: order - 1].tolist()), (29,) * 4]:
        total = sum(model.probability(history[-(order - 1) :], token) for token in range(30))
        assert total == pytest.approx(1.0)
    unigram = UnigramModel(30).fit(train)
    ngram_bits = np.concatenate([model.bits(t) for t in test]).mean()
    unigram_bits = np.concatenate([unigram.score(t)[0] for t in test]).mean()
    assert ngram_bits < unigram_bits - 1.0  # the next id follows from the previous one


def phrase(genre: str, seed: int) -> Melody:
    pitches = np.random.default_rng(seed).choice([60, 62, 64, 65, 67, 69, 71, 72], size=12)
    notes = [(int(pitch), 0.5 * i, 0.5) for i, pitch in enumerate(pitches)]
    return Melody.from_notes(beat_notes(notes), genre=genre)


def tiny_checkpoint(folder: Path) -> Path:
    """A small random network saved as a checkpoint in `folder`."""
    network = LstmNetwork.random(default_vocabulary(), hidden=16, layers=2, duration_hidden=8)
    network.save(folder / "melody")
    return folder / "melody"


def folk_and_rock_splits(
    make: Callable[[str, int], Melody], seeds: dict[str, range]
) -> dict[str, list[Melody]]:
    """Split -> `make(genre, seed)` for folk and rock and each of the split's seeds."""
    return {
        split: [make(genre, seed) for genre in ("folk", "rock") for seed in seeds[split]]
        for split in seeds
    }


def test_json_report_has_every_genre_and_baseline(tmp_path: Path, capsys) -> None:
    tiny_checkpoint(tmp_path)
    splits = folk_and_rock_splits(
        phrase, {"train": range(6), "valid": range(6, 8), "test": range(8, 10)}
    )
    splits["test"].append(splits["train"][0])  # a copy of a train tune is left out
    options = ["--checkpoint", str(tmp_path / "melody"), "--json", "--samples", "2", "--bars", "2"]
    options += ["--original-events", "400", "--runs", str(tmp_path / "runs")]

    evaluate.main(options, splits=splits)

    result = json.loads(capsys.readouterr().out)
    assert set(result["genres"]) == {"folk", "rock"}
    assert [r["duplicates_dropped"] for r in result["genres"].values()] == [1, 0]
    for report in result["genres"].values():
        assert report["events"] == 24
        for key in ("model_bits", "ngram_bits", "unigram_bits", "original_bits"):
            assert 0 < report[key] < 20
        assert 0 <= report["accuracy"] <= 1 and 0 <= report["overlap"]["mean"] <= 1
    saved = json.loads((tmp_path / "melody" / "metrics.json").read_text())
    assert saved["genres"] == result["genres"]


def test_bits_with_and_without_chords_fill_each_genres_realism_row() -> None:
    from training.evaluate import fill_chord_bits
    from training.evaluate_realism import chord_bits_slot

    result = {
        "genres": {"pop": {"realism": chord_bits_slot()}, "rock": {"realism": {"skipped": "few"}}}
    }
    bits = {"bits_with_chords": 4.2, "bits_without_chords": 4.3}
    fill_chord_bits(result, {"pop": bits, "rock": bits})

    assert result["genres"]["pop"]["realism"] == bits
    assert result["genres"]["rock"]["realism"] == {"skipped": "few"}
    assert result["chords"]["pop"] == bits
