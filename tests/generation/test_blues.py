"""The 12-bar blues as a form: jazz and rock pieces of whole choruses may be blues, over the
blues' own chords, seeded, ending on a cadence."""

import numpy as np
import pytest

from server.generation.form_plan import BLUES, blues_form, plan_form
from server.generation.progression_blues import blues_progression
from server.generation.progression_text import parse_progression

BAR = 48


def bar_roots(progression, bars):
    return [progression.chord_at(bar * BAR).root for bar in range(bars)]


@pytest.mark.parametrize("genre", ["jazz", "rock"])
def test_some_seeds_make_a_jazz_or_rock_chorus_a_blues(genre):
    harmonies = {plan_form(genre, 24, np.random.default_rng(seed)).harmony for seed in range(30)}
    assert harmonies == {BLUES, None}


@pytest.mark.parametrize(("genre", "bars"), [("pop", 12), ("folk", 24), ("jazz", 16), ("rock", 8)])
def test_other_genres_and_lengths_are_never_blues(genre, bars):
    assert all(
        plan_form(genre, bars, np.random.default_rng(seed)).harmony is None for seed in range(30)
    )


def test_the_second_line_brings_the_first_back_and_a_chorus_returns_the_first():
    plan = blues_form(24)
    assert plan.letters == "AABAAB"
    assert plan.source_bar[4:8] == (0, 1, 2, 3)
    assert plan.source_bar[8:12] == (None,) * 4
    assert plan.source_bar[20:24] == (8, 9, 10, 11)


def test_a_blues_is_whole_choruses():
    with pytest.raises(ValueError, match="12 bars"):
        blues_form(16)


@pytest.mark.parametrize("seed", range(10))
def test_the_blues_keeps_its_landmarks_in_every_variation(seed):
    chords = blues_progression(24, "Bb", "major", "jazz", np.random.default_rng(seed))
    roots = bar_roots(chords, 24)
    tonic, four = 10, 3  # Bb, Eb
    for chorus in (0, 12):
        assert roots[chorus] == tonic  # bar 1 on I
        assert roots[chorus + 4] == roots[chorus + 5] == four  # bars 5-6 on IV
        assert roots[chorus + 6] == tonic  # bar 7 back home
    assert chords.chord_at(23 * BAR).symbol == "Bb7"  # ends on the tonic...
    assert chords.chord_at(22 * BAR + BAR // 2).root == 5  # ...after its V (F)


def test_rock_mostly_plays_the_textbook_blues():
    textbook = parse_progression("E7 A7 E7 E7 A7 A7 E7 E7 B7 A7 E7 B7").per_beat()[::4]
    choruses = [
        blues_progression(12, "E", "major", "rock", np.random.default_rng(seed)).per_beat()[::4]
        for seed in range(40)
    ]
    for bar in range(10):  # bars 11-12 end the piece with a cadence
        chords = [chorus[bar] for chorus in choruses]
        most = max(set(chords), key=chords.count)
        assert most == textbook[bar] or (bar == 1 and most.symbol == "E7")


def test_jazz_reharmonizes_more_than_rock():
    def variations(genre):
        plain = parse_progression("C7 C7 C7 C7 F7 F7 C7 C7 G7 F7 C7 G7").per_beat()
        total = 0
        for seed in range(40):
            chords = blues_progression(12, "C", "major", genre, np.random.default_rng(seed))
            total += sum(a != b for a, b in zip(chords.per_beat()[:40], plain[:40], strict=True))
        return total

    assert variations("jazz") > 2 * variations("rock")


def test_the_same_seed_gives_the_same_blues_and_minor_keys_work():
    first = blues_progression(12, "A", "minor", "jazz", np.random.default_rng(5))
    again = blues_progression(12, "A", "minor", "jazz", np.random.default_rng(5))
    assert first == again
    assert first.chord_at(0).symbol == "Am7" and first.chord_at(4 * BAR).symbol == "Dm7"
