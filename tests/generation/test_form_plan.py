"""A piece's form: which bars return earlier ones, per genre."""

import numpy as np
import pytest

from server.generation.form_plan import FORMS, form_from_letters, plan_form


def test_aaba_returns_the_first_phrase_bar_by_bar():
    plan = form_from_letters("AABA", 16)
    assert plan.letters == "AABA"
    assert plan.source_bar[:4] == (None,) * 4
    assert plan.source_bar[4:8] == (0, 1, 2, 3)
    assert plan.source_bar[8:12] == (None,) * 4  # the bridge is new
    assert plan.source_bar[12:16] == (0, 1, 2, 3)
    assert plan.returns(13) == 1 and plan.returns(16) is None


def test_a_longer_piece_repeats_the_last_two_sections():
    plan = form_from_letters("ABAB", 24)
    assert plan.letters == "ABABAB"
    assert plan.source_bar[20:24] == (4, 5, 6, 7)  # the chorus once more


def test_short_pieces_use_two_bar_phrases():
    plan = form_from_letters("AABB", 6)
    assert plan.letters == "AAB"
    assert plan.source_bar == (None, None, 0, 1, None, None)


def test_a_partial_last_phrase_still_returns_what_it_holds():
    plan = form_from_letters("AABA", 13)
    assert plan.source_bar[12] == 0


@pytest.mark.parametrize("genre", sorted(FORMS))
def test_every_genre_form_brings_a_section_back(genre):
    plan = plan_form(genre, 16, np.random.default_rng(0))
    assert plan.bars == 16
    assert any(source is not None for source in plan.source_bar)
    assert all(source is None or source < bar for bar, source in enumerate(plan.source_bar))


def test_the_form_is_drawn_from_the_seed():
    letters = {plan_form("pop", 16, np.random.default_rng(seed)).letters for seed in range(20)}
    assert letters == {"ABAB", "AABB"}


def test_a_piece_needs_a_bar():
    with pytest.raises(ValueError, match="at least one bar"):
        plan_form("jazz", 0)
