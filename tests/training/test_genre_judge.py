"""The transfer evaluation's second judge: one n-gram per genre tells apart two genres that
play differently, whatever key a melody is in."""

from __future__ import annotations

import numpy as np
import pytest

from server.generation.melody import Event, Melody
from server.generation.vocabulary import default_vocabulary
from training.genre_judge import NgramGenreJudge, accuracy


def scalar_walk(seed: int, genre: str) -> Melody:
    """Folk: stepwise quarter notes; jazz: leaps in swung eighths (8 + 4 ticks)."""
    rng = np.random.default_rng(seed)
    pitch, events = 60, []
    for index in range(32):
        if genre == "folk":
            pitch = int(np.clip(pitch + rng.choice([-2, -1, 1, 2]), 55, 72))
            events.append(Event(pitch, 12))
        else:
            pitch = int(np.clip(pitch + rng.choice([-7, -5, 4, 6]), 48, 80))
            events.append(Event(pitch, 8 if index % 2 == 0 else 4))
    return Melody(events, bar_ticks=48, genre=genre)


def test_the_judge_tells_apart_genres_that_play_differently():
    train = [scalar_walk(seed, genre) for seed in range(20) for genre in ("folk", "jazz")]
    judge = NgramGenreJudge(default_vocabulary()).fit(train)
    test = [scalar_walk(seed, genre) for seed in range(100, 110) for genre in ("folk", "jazz")]
    assert accuracy(judge, test)["all"] == 1.0
    moved = test[1].transposed(5)  # a jazz line in another key
    verdict = judge.classify(moved)
    assert max(verdict, key=verdict.get) == "jazz"
    assert sum(verdict.values()) == pytest.approx(1.0)
