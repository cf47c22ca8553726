"""A conversion's chords re-voiced per genre: the song's roots and changes kept, the qualities
(and a few approach chords) the genre's."""

from __future__ import annotations

import pytest

from server.generation.genre_harmony import chords_for, revoiced
from server.generation.melody import GENRES
from server.generation.progression import Progression
from server.generation.progression_text import parse_progression

C_MAJOR = (0, "major")
A_MINOR = (9, "minor")


def symbols(progression: Progression) -> list[tuple[str, float]]:
    """(symbol, start beats) of each chord change."""
    return [(span["symbol"], span["start"]) for span in progression.to_wire()]


def typed(text: str) -> Progression:
    return parse_progression(text)


def test_jazz_adds_sevenths_and_a_ii_v_before_the_dominant_arrival():
    voiced = revoiced(typed("C | Am | F | G | C"), "jazz", C_MAJOR)
    assert symbols(voiced) == [
        ("Cmaj7", 0),
        ("Am7", 4),
        ("Fmaj7", 8),
        ("Dm7", 12),  # the ii on the first half of the bar of G that arrives on C
        ("G7", 14),
        ("Cmaj7", 16),
    ]


def test_jazz_makes_a_short_dominant_a_seventh_without_splitting_it():
    voiced = revoiced(typed("C Am G C | F"), "jazz", C_MAJOR)
    # Each chord a beat; a C falling to F is that F's dominant too (a secondary dominant).
    assert symbols(voiced) == [("Cmaj7", 0), ("Am7", 1), ("G7", 2), ("C7", 3), ("Fmaj7", 4)]


def test_classical_keeps_triads_with_a_major_dominant_and_a_v7_cadence_in_minor():
    voiced = revoiced(typed("Am7 | Dm | Em | Am"), "classical", A_MINOR)
    assert symbols(voiced) == [("Am", 0), ("Dm", 4), ("E7", 8), ("Am", 12)]


def test_rock_and_folk_have_no_sevenths():
    song = typed("Cmaj7 | Am7 | Dm7 | G7 | Csus4")
    for genre in ("rock", "folk"):
        voiced = revoiced(song, genre, C_MAJOR)
        assert not any("7" in symbol for symbol, _ in symbols(voiced)), genre
    assert symbols(revoiced(song, "rock", C_MAJOR))[-1] == ("Csus4", 16)
    assert symbols(revoiced(song, "folk", C_MAJOR))[-1] == ("C", 16)  # plain triads


def test_pop_suspends_a_long_dominant_before_the_tonic_and_colours_a_long_iv():
    voiced = revoiced(typed("C | F | F | G7 | C"), "pop", C_MAJOR)
    assert symbols(voiced) == [
        ("C", 0),
        ("F", 4),
        ("Fsus2", 8),  # the studio's add9: the second half of two bars of IV
        ("Gsus4", 12),
        ("G", 14),
        ("C", 16),
    ]


@pytest.mark.parametrize("genre", GENRES)
def test_every_genre_keeps_the_roots_on_most_beats_and_the_length(genre):
    song = typed("C | Am | Dm | G | C | F | G | C")
    voiced = revoiced(song, genre, C_MAJOR)
    assert voiced.bars == song.bars and voiced.total_ticks == song.total_ticks
    pairs = list(zip(song.per_beat(), voiced.per_beat(), strict=True))
    kept = sum(source.root == output.root for source, output in pairs) / len(pairs)
    assert kept >= 0.75


def test_no_chord_stays_none_and_an_unknown_genre_is_refused():
    song = typed("C N.C. | G")
    assert symbols(revoiced(song, "jazz", C_MAJOR))[1] == ("N.C.", 2)
    with pytest.raises(ValueError, match="expected one of"):
        revoiced(song, "polka", C_MAJOR)


def test_chords_for_a_conversion_move_to_the_output_key_and_stop_at_its_bars():
    kept = chords_for(typed("C | G | Am | F"), "rock", C_MAJOR, 2, bars=3)
    assert kept is not None
    assert symbols(kept) == [("D", 0), ("A", 4), ("Bm", 8)]
    assert kept.bars == 3
