"""Content similarity: a melody is wholly like itself; moving it to another key keeps its
contour but not its pitch classes; turning its line upside down loses the contour; a rest
where the source sounds or the reverse counts for nothing."""

from __future__ import annotations

import pytest

from server.generation.melody import Event, Melody
from server.generation.similarity import (
    bar_chroma,
    chroma_similarity,
    content_similarity,
    contour_correlation,
)

LINE = [60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72, 71, 67, 64, 60]
TUNE = Melody([Event(p, 12) for p in LINE], bar_ticks=48)


def test_a_melody_is_wholly_like_itself():
    assert content_similarity(TUNE, TUNE) == {"contour": 1.0, "chroma": 1.0, "content": 1.0}


def test_another_key_keeps_the_contour_but_not_the_pitch_classes():
    moved = TUNE.transposed(1)
    assert contour_correlation(TUNE, moved) == pytest.approx(1.0)
    assert chroma_similarity(TUNE, moved) < 0.3


def test_an_upside_down_line_loses_the_contour():
    mirrored = Melody([Event(120 - p, 12) for p in LINE], bar_ticks=48)
    assert contour_correlation(TUNE, mirrored) == 0.0


def test_chroma_counts_the_ticks_each_bar_sounds_and_a_pickup_moves_the_bar_lines():
    tied = Melody([Event(60, 12), Event(67, 48), Event(None, 36)], bar_ticks=48)
    assert bar_chroma(tied, 2)[:, [0, 7]].tolist() == [[12, 36], [0, 12]]
    with_pickup = Melody(tied.events, bar_ticks=48, pickup_ticks=12)
    assert bar_chroma(with_pickup, 2)[:, [0, 7]].tolist() == [[12, 0], [0, 48]]


def test_silence_where_the_source_sounds_scores_nothing():
    rests = Melody([Event(None, 12 * len(LINE))], bar_ticks=48)
    assert content_similarity(TUNE, rests)["content"] == 0.0
