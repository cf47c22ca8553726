"""The one chord type: labels from the corpora and from musicians read into it, and its forms."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.generation.chords import (
    NO_CHORD,
    VOCABULARY_SIZE,
    Chord,
    ChordError,
    Quality,
    parse_harte,
    parse_symbol,
)

SHARED_DATA = Path(
    os.environ.get("CADENZA_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
POP909_ANNOTATIONS = SHARED_DATA / "pop909" / "annotations"


@pytest.mark.parametrize(
    ("label", "root", "quality", "bass"),
    [
        ("C:maj", 0, Quality.MAJ, None),
        ("A:min7", 9, Quality.MIN7, None),
        ("G:7", 7, Quality.DOM7, None),
        ("Bb:maj/3", 10, Quality.MAJ, 2),
        ("D:maj/5", 2, Quality.MAJ, 9),
        ("F:sus4(b7)", 5, Quality.DOM7, None),
        ("B:hdim7", 11, Quality.HDIM7, None),
        ("C#:min/b3", 1, Quality.MIN, 4),
        ("Eb:dim7", 3, Quality.DIM, None),
        ("E:(1,b3,5)", 4, Quality.MIN, None),
        ("A", 9, Quality.MAJ, None),
        ("F:maj6", 5, Quality.MAJ6, None),
    ],
)
def test_harte_labels_read_as_root_quality_and_bass(
    label: str, root: int, quality: Quality, bass: int | None
) -> None:
    assert parse_harte(label) == Chord(root, quality, bass)


@pytest.mark.parametrize("label", ["N", "X", ""])
def test_harte_no_chord(label: str) -> None:
    assert parse_harte(label) == NO_CHORD and not NO_CHORD.is_chord


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("C", Chord(0, Quality.MAJ)),
        ("Am", Chord(9, Quality.MIN)),
        ("G7", Chord(7, Quality.DOM7)),
        ("Dm7", Chord(2, Quality.MIN7)),
        ("Cmaj7", Chord(0, Quality.MAJ7)),
        ("Bb/D", Chord(10, Quality.MAJ, 2)),
        ("F#m7b5", Chord(6, Quality.HDIM7)),
        ("Eø7", Chord(4, Quality.HDIM7)),
        ("Ebm6", Chord(3, Quality.MIN6)),
        ("Gsus4", Chord(7, Quality.SUS4)),
        ("Caug", Chord(0, Quality.AUG)),
        ("N.C.", NO_CHORD),
    ],
)
def test_chord_symbols_as_musicians_type_them(symbol: str, expected: Chord) -> None:
    assert parse_symbol(symbol) == expected


@pytest.mark.parametrize("symbol", ["H7", "Cmaj13#11b9x", "C/H", "7", "Cb#"])
def test_an_unknown_symbol_is_an_error_naming_it(symbol: str) -> None:
    with pytest.raises(ChordError, match="unknown"):
        parse_symbol(symbol)


def test_an_unknown_harte_label_is_an_error_naming_it() -> None:
    with pytest.raises(ChordError, match="'C:wobble'"):
        parse_harte("C:wobble")


@pytest.mark.parametrize("chord_id", range(VOCABULARY_SIZE))
def test_every_vocabulary_id_round_trips_through_the_symbol_and_the_harte_label(
    chord_id: int,
) -> None:
    chord = Chord.from_id(chord_id)
    assert chord.id == chord_id
    assert parse_symbol(chord.symbol) == chord
    assert parse_harte(chord.harte) == chord


def test_slash_chords_keep_their_bass_through_both_spellings() -> None:
    chord = parse_symbol("Bb/D")
    assert chord.symbol == "Bb/D" and chord.harte == "Bb:maj/3"
    assert parse_harte(chord.harte) == chord
    assert chord.pitch_classes() == {10, 2, 5}


def test_tones_and_transposition() -> None:
    assert parse_symbol("G7").pitch_classes() == {7, 11, 2, 5}
    assert parse_symbol("Dm7").transposed(5) == parse_symbol("Gm7")
    assert parse_symbol("C/E").transposed(-1) == Chord(11, Quality.MAJ, 3)
    assert NO_CHORD.pitch_classes() == frozenset() and NO_CHORD.transposed(3) == NO_CHORD


def test_a_chord_is_whole_or_none() -> None:
    with pytest.raises(ChordError):
        Chord(0)
    with pytest.raises(ChordError):
        Chord(12, Quality.MAJ)
    assert Chord(0, Quality.MAJ, 0).bass is None  # a bass on the root is no inversion


@pytest.mark.skipif(not POP909_ANNOTATIONS.is_dir(), reason="POP909 is not beside the project")
def test_every_label_in_the_pop909_annotations_reads() -> None:
    labels = {
        line.split("\t")[2].strip()
        for path in sorted(POP909_ANNOTATIONS.glob("*.chords.txt"))
        for line in path.read_text().splitlines()
        if line.strip()
    }
    assert len(labels) > 100
    for label in labels:
        parse_harte(label)
