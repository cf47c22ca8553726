"""The harmony judge reads a piece's chords in C major or A minor, a chord a half-bar, and tells
genres apart by what their progressions use: here a ii-V-I in sevenths against a plain I-IV-V."""

from __future__ import annotations

import numpy as np
import pytest

from server.generation.chords import Chord, pitch_class
from server.generation.melody import GENRES
from server.generation.progression_text import progression_from_input
from training.evaluate_arrangement import together
from training.harmony_judge import HarmonyGenreJudge, harmony_features, progression_ids
from training.progression_corpora import ChordSong


def ids(text: str, key: str = "C", mode: str = "major") -> list[int]:
    return progression_ids(progression_from_input(text, key=key, mode=mode), pitch_class(key), mode)


def test_a_piece_is_read_a_chord_a_half_bar_in_c_major():
    in_g = ids("G C | D G", key="G")  # two chords a bar, then two
    assert [Chord.from_id(i).symbol for i in in_g] == ["C", "F", "G", "C"]
    assert ids("Am Dm E Am", key="A", mode="minor") == ids("Am Dm E Am", key="A", mode="minor")
    assert [Chord.from_id(i).symbol for i in ids("Em | Am", key="E", mode="minor")] == [
        "Am",
        "Am",
        "Dm",
        "Dm",
    ]


def test_features_count_chords_qualities_root_motions_and_changes():
    x = harmony_features(ids("Dm7 | G7 | Cmaj7 | Cmaj7"))
    assert x.shape == harmony_features(ids("C")).shape
    assert np.isclose(x[-1], 2 / 7)  # eight half-bars, seven steps, two changes
    assert x.sum() > 3  # every histogram sums to one


def songs(genre: str, text: str, count: int, rng: np.random.Generator) -> list[ChordSong]:
    """`count` songs of `text` in C, each its opening of a random length (half of it or more)."""
    base = ids(text)
    made = []
    for number in range(count):
        length = rng.integers(len(base) // 2, len(base) + 1)
        chords = np.array(base[:length], dtype=np.int32)
        made.append(ChordSong(genre, f"{genre}{number}", "major", chords, "train"))
    return made


@pytest.fixture(scope="module")
def judge() -> HarmonyGenreJudge:
    rng = np.random.default_rng(1)
    progressions = {
        "jazz": "Dm7 | G7 | Cmaj7 | A7 | Dm7 | G7 | Cmaj7 | Cmaj7",
        "rock": "C | Bb | F | C | C | Bb | F | C",
        "pop": "C | G | Am | F | C | G | Am | F",
        "classical": "C | F | G | C | Am | Dm | G | C",
        "folk": "C C | C C | G G | C C | C C | F F | G G | C C",
    }
    training = [s for g, t in progressions.items() for s in songs(g, t, 20, rng)]
    return HarmonyGenreJudge().fit(training, per_genre=15)


def test_the_judge_names_the_genre_whose_harmony_it_hears(judge):
    verdict = judge.classify(ids("Dm7 | G7 | Cmaj7 | Cmaj7 | Dm7 | G7 | Cmaj7 | A7"))
    assert max(verdict, key=verdict.get) == "jazz"
    assert sum(verdict.values()) == pytest.approx(1.0)
    verdict = judge.classify(ids("C | Bb | F | C"))
    assert max(verdict, key=verdict.get) == "rock"


def test_the_arrangement_hears_both_judges_together():
    melody = dict.fromkeys(GENRES, 0.2) | {"jazz": 0.24, "pop": 0.16}
    harmony = dict.fromkeys(GENRES, 0.1) | {"pop": 0.6}
    heard = together(melody, harmony)
    assert max(heard, key=heard.get) == "pop"  # a plain harmony decides an unsure melody
    assert sum(heard.values()) == pytest.approx(1.0)
