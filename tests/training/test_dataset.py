"""Dataset building: key normalization, deterministic splits by piece, and the cache."""

import os

import pytest

from tests.training.test_corpora import write_pop_song, write_solo, write_song
from training import dataset
from training.corpora import list_pieces
from training.dataset import load_splits, split_of

A_FLAT_MAJOR = [68, 70, 72, 73, 75, 77, 79, 80, 79, 77, 75, 73, 72, 70, 68]


@pytest.fixture
def corpora(tmp_path):
    """Tiny pop, jazz and rock folders; returns their specs."""
    pop, jazz, rock = (tmp_path / name for name in ("pop", "jazz", "rock"))
    for folder in (pop, jazz, rock):
        folder.mkdir()
    for index in range(12):
        write_pop_song(pop / f"{index:03}.mid", [p + index % 3 for p in A_FLAT_MAJOR])
    write_solo(jazz, "Someone_Long_FINAL", [(60 + i % 7, i * 0.25, 0.2) for i in range(20)])
    write_solo(jazz, "Someone_Short_FINAL", [(60, 0.0, 0.2), (62, 0.25, 0.2)])
    write_song(rock)
    return [f"pop:{pop}", f"jazz:{jazz}", f"rock:{rock}"]


def test_splits_are_key_normalized_genre_tagged_and_deterministic(corpora, tmp_path):
    splits = load_splits(corpora, cache_dir=tmp_path / "cache")
    melodies = [m for split in splits.values() for m in split]
    # the short solo (2 notes) is dropped, everything else kept
    assert sorted(m.genre for m in melodies) == ["jazz"] + ["pop"] * 12 + ["rock"]
    assert all((m.tonic, m.mode) in ((0, "major"), (9, "minor")) for m in melodies)
    pieces = {p.name: p for spec in corpora for p in list_pieces(spec)}
    for split, members in splits.items():
        assert all(split_of(pieces[m.name]) == split for m in members)
    assert {split_of(pieces[name]) for name in pieces} <= {"train", "valid", "test"}


def test_second_load_comes_from_the_cache_and_a_changed_file_refreshes_it(
    corpora, tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    first = load_splits(corpora, cache_dir=cache)
    assert len(list(cache.glob("dataset-*.pkl"))) == 3  # one per source

    def parse_again(pieces):
        raise AssertionError("the cache should have been used")

    with monkeypatch.context() as patch:
        patch.setattr(dataset, "_parse_all", parse_again)
        second = load_splits(corpora, cache_dir=cache)
    assert {k: [m.events for m in v] for k, v in first.items()} == {
        k: [m.events for m in v] for k, v in second.items()
    }
    song = next((tmp_path / "rock").glob("*.hum"))
    os.utime(song, (1, 1))
    load_splits(corpora, cache_dir=cache)
    assert len(list(cache.glob("dataset-rock-*.pkl"))) == 2
    assert len(list(cache.glob("dataset-pop-*.pkl"))) == 1


def test_split_proportions_over_many_pieces():
    pieces = list_pieces("folk")
    counts = {split: 0 for split in ("train", "valid", "test")}
    for piece in pieces:
        counts[split_of(piece)] += 1
    assert 0.77 < counts["train"] / len(pieces) < 0.83
    assert 0.08 < counts["test"] / len(pieces) < 0.12
