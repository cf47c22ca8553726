"""The chords an accompaniment commits: the key's triad that fits what was played, bar by bar,
each bar once, none past the piece."""

from __future__ import annotations

import pytest

from server.generation.accompaniment import Accompaniment, fit_chord, key_triads
from server.generation.chords import parse_harte

A_MINOR = ((57, 1.0), (60, 1.0), (64, 1.0), (69, 0.5))


@pytest.mark.parametrize(
    ("tonic", "mode", "symbols"),
    [
        (0, "major", ["C", "Dm", "Em", "F", "G", "Am"]),
        (9, "minor", ["Am", "C", "Dm", "Em", "E", "F", "G"]),
    ],
)
def test_a_key_offers_its_triads_the_tonic_first(tonic, mode, symbols):
    assert [chord.symbol for chord in key_triads(tonic, mode)] == symbols


@pytest.mark.parametrize(
    ("played", "tonic", "mode", "symbol"),
    [
        (A_MINOR, 0, "major", "Am"),  # an A minor phrase over C major: its vi
        (A_MINOR, 9, "minor", "Am"),
        (((62, 1.0), (65, 1.0), (69, 1.0)), 9, "minor", "Dm"),
        (((64, 1.0), (68, 1.0), (71, 1.0)), 9, "minor", "E"),  # the leading tone: major V
        (((67, 1.0), (71, 1.0), (62, 1.0), (65, 0.5)), 0, "major", "G"),
        ((), 9, "minor", "Am"),  # nothing played: the tonic
    ],
)
def test_the_chord_fitted_is_the_triad_of_the_key_the_notes_spell(played, tonic, mode, symbol):
    assert fit_chord(played, tonic, mode).symbol == symbol


def test_with_nothing_new_played_the_chord_before_goes_on():
    before = parse_harte("F:maj")
    assert fit_chord([], 0, "major", before) == before
    # E and A spell Am (the chord before) better than any other triad of A minor
    assert fit_chord([(64, 1.0), (69, 1.0)], 9, "minor", parse_harte("A:min")).symbol == "Am"


def test_each_bar_is_committed_once_from_what_was_heard_by_then():
    accompaniment = Accompaniment(0, "major", bars=4)
    assert accompaniment.commit_through(1)
    assert not accompaniment.commit_through(0)  # already decided
    for pitch, beats in ((57, 4.0), (60, 4.5), (64, 5.0)):
        accompaniment.hear(user_id=1, pitch=pitch, on=True, beats=beats)
        accompaniment.hear(user_id=1, pitch=pitch, on=False, beats=beats + 0.5)
    assert accompaniment.commit_through(9)  # no further than the piece
    commits = accompaniment.take_commits()
    assert [(c.bar, c.chord.symbol) for c in commits] == [
        (0, "C"),
        (1, "C"),
        (2, "Am"),
        (3, "Am"),
    ]
    assert commits[0].after_last_note_ms is None and commits[2].after_last_note_ms is not None
    assert accompaniment.take_commits() == []
    progression = accompaniment.progression()
    assert progression.bars == 4
    assert [chord.symbol for chord in progression.per_beat()[::4]] == ["C", "C", "Am", "Am"]


def test_a_note_off_without_its_note_on_is_ignored_and_a_held_note_counts():
    accompaniment = Accompaniment(9, "minor", bars=2)
    accompaniment.hear(user_id=2, pitch=62, on=False, beats=0.0)
    for pitch in (62, 65, 69):  # D minor, held
        accompaniment.hear(user_id=2, pitch=pitch, on=True, beats=0.0)
    accompaniment.commit_through(0)
    assert accompaniment.chords[0].symbol == "Dm"
