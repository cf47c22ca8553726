"""Progressions as musicians type them or send them as bars: layout on the beat grid, repeats,
marks, the errors a user sees, and the forms on the wire and in storage."""

from __future__ import annotations

import tracemalloc

import pytest

from server.generation.chords import NO_CHORD, Chord, ChordError, Quality
from server.generation.notes import TICKS_PER_BEAT
from server.generation.progression import MAX_BARS, ChordSpan, Progression, ProgressionError
from server.generation.progression_text import (
    parse_progression,
    progression_from_bars,
    progression_from_input,
    read_key,
)


def layout(progression: Progression) -> list[tuple[str, float, float]]:
    """(symbol, start beats, duration beats) of each chord."""
    return [(span["symbol"], span["start"], span["duration"]) for span in progression.to_wire()]


@pytest.mark.parametrize(
    ("text", "expected", "bars"),
    [
        ("C Am F G7", [("C", 0, 4), ("Am", 4, 4), ("F", 8, 4), ("G7", 12, 4)], 4),
        ("Dm7 | G7 | Cmaj7", [("Dm7", 0, 4), ("G7", 4, 4), ("Cmaj7", 8, 4)], 3),
        ("| Bb/D F#m7b5 | N.C. |", [("Bb/D", 0, 2), ("F#m7b5", 2, 2), ("N.C.", 4, 4)], 2),
        ("C, Am, F, G", [("C", 0, 4), ("Am", 4, 4), ("F", 8, 4), ("G", 12, 4)], 4),
        ("C G F | C", [("C", 0, 2), ("G", 2, 1), ("F", 3, 1), ("C", 4, 4)], 2),
        ("C G Am F | D", [("C", 0, 1), ("G", 1, 1), ("Am", 2, 1), ("F", 3, 1), ("D", 4, 4)], 2),
        (
            "C - G - | % | F . . G",
            [("C", 0, 2), ("G", 2, 2)] * 1
            + [("C", 4, 2), ("G", 6, 2)]
            + [("F", 8, 3), ("G", 11, 1)],
            3,
        ),
        ("C - - - G - - -", [("C", 0, 4), ("G", 4, 4)], 2),
        ("C - G", [("C", 0, 2), ("G", 2, 2)], 1),
        ("C - | - G", [("C", 0, 5), ("G", 5, 3)], 2),
        ("C % G", [("C", 0, 4), ("C", 4, 4), ("G", 8, 4)], 3),
        ("|: C G :|", [("C", 0, 2), ("G", 2, 2), ("C", 4, 2), ("G", 6, 2)], 2),
        (
            "|: C | G :| x3 F",
            [("C", 0, 4), ("G", 4, 4)]
            + [("C", 8, 4), ("G", 12, 4)]
            + [("C", 16, 4), ("G", 20, 4), ("F", 24, 4)],
            7,
        ),
        ("|: C :| 3x", [("C", 0, 4), ("C", 4, 4), ("C", 8, 4)], 3),
        ("|: C :| (x2) | D", [("C", 0, 4), ("C", 4, 4), ("D", 8, 4)], 3),
        ("|: C :||: D :|", [("C", 0, 4), ("C", 4, 4), ("D", 8, 4), ("D", 12, 4)], 4),
        (
            "|: |: C :| D :|",
            [("C", 0, 4), ("C", 4, 4), ("D", 8, 4)] * 1
            + [("C", 12, 4), ("C", 16, 4), ("D", 20, 4)],
            6,
        ),
        ("C-G-Am-F", [("C", 0, 4), ("G", 4, 4), ("Am", 8, 4), ("F", 12, 4)], 4),
        ("C-7 Am7-5", [("Cm7", 0, 4), ("Am7b5", 4, 4)], 2),
    ],
)
def test_typed_progressions_are_laid_out_in_bars_and_beats(
    text: str, expected: list[tuple[str, float, float]], bars: int
) -> None:
    progression = parse_progression(text)
    assert layout(progression) == [(s, float(a), float(b)) for s, a, b in expected]
    assert progression.bars == bars


def test_three_four_splits_two_chords_two_and_one() -> None:
    assert layout(parse_progression("C G | F", beats_per_bar=3)) == [
        ("C", 0.0, 2.0),
        ("G", 2.0, 1.0),
        ("F", 3.0, 3.0),
    ]


@pytest.mark.parametrize(
    ("text", "key", "mode", "symbols"),
    [
        ("ii7 V7 Imaj7", "C", "major", ["Dm7", "G7", "Cmaj7"]),
        ("I V vi IV", "G", "major", ["G", "D", "Em", "C"]),
        ("I-V-vi-IV", "D", "major", ["D", "A", "Bm", "G"]),
        ("I bVII IV", "A", "major", ["A", "G", "D"]),
        ("i iv V i", "A", "minor", ["Am", "Dm", "E", "Am"]),
        ("i VI III VII", "Am", "major", ["Am", "F", "C", "G"]),
        ("ii7 V7 | Imaj7", "Bb", "major", ["Cm7", "F7", "Bbmaj7"]),
    ],
)
def test_roman_numerals_are_read_in_the_key(
    text: str, key: str, mode: str, symbols: list[str]
) -> None:
    progression = parse_progression(text, key=key, mode=mode)
    assert [span.chord.symbol for span in progression.spans] == symbols


def test_symbols_and_numerals_mix() -> None:
    progression = parse_progression("C V7/V G7 I", key="C")
    assert [span.chord.symbol for span in progression.spans] == ["C", "D7", "G7", "C"]


@pytest.mark.parametrize(
    ("text", "token", "position", "column", "words"),
    [
        ("C Am H7 G", "H7", 3, 6, ["H7", "chord 3, column 6", "not one we know"]),
        ("C | Dm7 Gx7", "Gx7", 3, 9, ["Gx7", "chord 3, column 9"]),
        ("C-Q-G", "Q", 2, 3, ['"Q"', "column 3"]),
        ("ii7 V7 Imaj7", "ii7", 1, 1, ["ii7", "Roman numeral", "needs a key"]),
        ("C G A F D | C", "D", 5, 9, ["Bar 1 has 5 chords", "4 beats", '"D"', "beat 5"]),
        ("C - - - - | G", "-", 5, 9, ["Bar 1", "beat 5"]),
        ("|: C G", "|:", None, 1, ["never closes", '":|"']),
        ("C G :|", ":|", None, 5, ["never", "opened", '"|:"']),
        ("C :| x100", ":| x100", None, 3, ["100 times", "2 to 99"]),
        ("% C", "%", 1, 1, ["repeats the bar before", "none before"]),
        ("C | D % | E", "%", 3, 7, ["alone between bar lines"]),
        ("- C", "-", 1, 1, ["holds the chord before", "none comes before"]),
        ("C - G %", "%", 4, 7, ["bar lines"]),
        ("C ; G", ";", 2, 3, ['";"', "column 3", "not one we know"]),
        ("C : G", ":", None, 3, ['":"', "column 3", "no meaning"]),
        ("|: :| C", ":|", None, 4, ["holds no bars"]),
    ],
)
def test_errors_name_the_token_and_where_it_stands(
    text: str, token: str, position: int | None, column: int, words: list[str]
) -> None:
    with pytest.raises(ProgressionError) as caught:
        parse_progression(text)
    error = caught.value
    assert (error.token, error.position, error.column) == (token, position, column)
    for word in words:
        assert word in str(error)
    assert isinstance(error, ChordError)


@pytest.mark.parametrize("text", ["", "   ", "| |", "|| ,"])
def test_an_empty_progression_is_refused(text: str) -> None:
    with pytest.raises(ProgressionError, match="empty"):
        parse_progression(text)


@pytest.mark.parametrize(
    ("key", "mode"), [("H", "major"), ("C", "dorian"), ("Cmajor7", "major"), ("", "major")]
)
def test_a_bad_key_or_mode_is_refused(key: str, mode: str) -> None:
    with pytest.raises(ProgressionError, match="key|mode"):
        parse_progression("I IV V", key=key, mode=mode)


@pytest.mark.parametrize(
    "text",
    [
        " ".join(["C"] * MAX_BARS),
        "|: " + " | ".join(["C"] * 128) + " :|",
        "|: C | G :| x99 | " + " | ".join(["F"] * (MAX_BARS - 198)),
    ],
)
def test_256_bars_are_allowed(text: str) -> None:
    assert parse_progression(text).bars == MAX_BARS


@pytest.mark.parametrize(
    "text",
    [
        " ".join(["C"] * (MAX_BARS + 1)),
        " | ".join(["C"] * (MAX_BARS + 1)),
        "|: " + " | ".join(["C"] * 129) + " :|",
        "|: C | G :| x99 | " + " | ".join(["F"] * (MAX_BARS - 197)),
        " ".join(["C - - -"] * (MAX_BARS + 1)),
    ],
)
def test_more_than_256_bars_are_refused(text: str) -> None:
    with pytest.raises(ProgressionError, match="longer than 256 bars"):
        parse_progression(text)


def test_repeats_are_counted_before_they_are_played() -> None:
    # 99 ** 4 (about 96 million) bars: writing them out would take minutes and gigabytes.
    text = "|: |: |: |: C D E F :| x99 :| x99 :| x99 :| x99"
    tracemalloc.start()
    try:
        with pytest.raises(ProgressionError, match="longer than 256 bars"):
            parse_progression(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000  # bytes; laying out all 256 bars allowed takes about 50 KB


def test_an_overlong_text_is_refused_before_it_is_read() -> None:
    with pytest.raises(ProgressionError, match="characters"):
        parse_progression("C " * 6000)


def test_bars_from_a_list() -> None:
    progression = progression_from_bars([["Dm7"], ["G7"], ["C", "A7"], ["%"], "ii7 V7"], key="C")
    assert layout(progression) == [
        ("Dm7", 0.0, 4.0),
        ("G7", 4.0, 4.0),
        ("C", 8.0, 2.0),
        ("A7", 10.0, 2.0),
        ("C", 12.0, 2.0),
        ("A7", 14.0, 2.0),
        ("Dm7", 16.0, 2.0),
        ("G7", 18.0, 2.0),
    ]
    assert progression.bars == 5


@pytest.mark.parametrize(
    ("bars", "words", "token", "position"),
    [
        ([["C"], ["G", "H"]], ['"H"', "bar 2", "not one we know"], "H", 3),
        ([["C"], []], ["Bar 2 is empty"], None, None),
        ([["C"], [3]], ["Bar 2 is not a list"], None, None),
        ([], ["empty"], None, None),
        ([["C", "D", "E", "F", "G"]], ["Bar 1 has 5 chords", '"G"'], "G", 5),
        ([["I"]], ["Roman numeral", "needs a key"], "I", 1),
        ("not bars", ["not one we know"], "not", 1),
        ({"bars": []}, ["Chords are a text", "list of bars"], None, None),
        ([["C"]] * (MAX_BARS + 1), ["longer than 256 bars"], None, None),
    ],
)
def test_bar_list_errors(
    bars: object, words: list[str], token: str | None, position: int | None
) -> None:
    with pytest.raises(ProgressionError) as caught:
        progression_from_input(bars)
    for word in words:
        assert word in str(caught.value)
    assert (caught.value.token, caught.value.position) == (token, position)


def test_input_is_text_or_bars() -> None:
    typed = progression_from_input("Dm7 | G7 C", key="C")
    listed = progression_from_input([["ii7"], ["V7", "I"]], key="C")
    assert typed == listed


def test_chord_at_per_beat_next_and_looping() -> None:
    progression = parse_progression("C Am | F G7")
    beat = TICKS_PER_BEAT
    assert progression.chord_at(0) == Chord(0, Quality.MAJ)
    assert progression.chord_at(2 * beat - 1).symbol == "C"
    assert progression.chord_at(2 * beat).symbol == "Am"
    assert progression.chord_at(8 * beat + beat).symbol == "C"  # the progression loops
    assert progression.next_chord_at(0).symbol == "Am"
    assert progression.next_chord_at(7 * beat).symbol == "C"
    assert [chord.symbol for chord in progression.per_beat()] == [
        "C",
        "C",
        "Am",
        "Am",
        "F",
        "F",
        "G7",
        "G7",
    ]
    with pytest.raises(ValueError, match="negative"):
        progression.chord_at(-1)


def test_a_gap_has_no_chord() -> None:
    progression = Progression((ChordSpan(Chord(0, Quality.MAJ), 0, 24),), bars=1)
    assert progression.chord_at(30) == NO_CHORD
    assert progression.next_chord_at(30).symbol == "C"


def test_transposed_and_looped() -> None:
    progression = parse_progression("C Am/E | G7")
    up = progression.transposed(2)
    assert [span.chord.symbol for span in up.spans] == ["D", "Bm/F#", "A7"]
    assert [span.start for span in up.spans] == [span.start for span in progression.spans]
    looped = progression.looped_to(3)
    assert looped.bars == 3
    assert layout(looped) == [
        ("C", 0.0, 2.0),
        ("Am/E", 2.0, 2.0),
        ("G7", 4.0, 4.0),
        ("C", 8.0, 2.0),
        ("Am/E", 10.0, 2.0),
    ]


def test_changes_join_a_chord_written_again() -> None:
    progression = parse_progression("C | C | G | C")
    assert [(span.chord.symbol, span.start) for span in progression.changes()] == [
        ("C", 0),
        ("G", 96),
        ("C", 144),
    ]


def test_wire_form() -> None:
    progression = parse_progression("Bb/D | F#m7b5 N.C.")
    assert progression.to_wire() == [
        {
            "symbol": "Bb/D",
            "start": 0.0,
            "duration": 4.0,
            "root": 10,
            "quality": "maj",
            "bass": 2,
            "pitches": [38, 58, 62, 65],
        },
        {
            "symbol": "F#m7b5",
            "start": 4.0,
            "duration": 2.0,
            "root": 6,
            "quality": "hdim7",
            "bass": None,
            "pitches": [54, 57, 60, 64],
        },
        {
            "symbol": "N.C.",
            "start": 6.0,
            "duration": 2.0,
            "root": None,
            "quality": None,
            "bass": None,
            "pitches": [],
        },
    ]


def test_storage_round_trip() -> None:
    progression = parse_progression("|: Dm7 G7 | Cmaj7 :| Bb/D F#m7b5 | N.C. Eø7", beats_per_bar=4)
    rows = progression.to_storage()
    assert rows[0] == ["D:min7", 0, 24]
    assert all(isinstance(label, str) for label, _, _ in rows)
    assert Progression.from_storage(rows) == progression
    three = parse_progression("C G | F", beats_per_bar=3)
    assert Progression.from_storage(three.to_storage(), beats_per_bar=3) == three


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [["C:maj", 0]],
        [["C:maj", 0, 0]],
        [["C:maj", 24, 24], ["G:maj", 0, 24]],
        [["Q:maj", 0, 48]],
        [[1, 0, 48]],
        [["C:maj", 0.5, 48]],
        [["C:maj", True, 48]],
        ["C:maj"],
        [7],
        [["C:maj", 0, 48 * (MAX_BARS + 1)]],
    ],
)
def test_bad_stored_rows_are_refused(rows: list[object]) -> None:
    with pytest.raises(ProgressionError):
        Progression.from_storage(rows)


@pytest.mark.parametrize(
    ("key", "mode", "expected"),
    [
        ("C", "major", (0, "major")),
        ("Eb", "minor", (3, "minor")),
        ("F#m", "major", (6, "minor")),
        ("A minor", "major", (9, "minor")),
        ("bb", "major", (10, "major")),
        ("Amaj", "minor", (9, "major")),
        (None, "minor", None),
    ],
)
def test_keys_as_users_write_them(
    key: str | None, mode: str, expected: tuple[int, str] | None
) -> None:
    assert read_key(key, mode) == expected
