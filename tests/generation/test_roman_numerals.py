"""Roman numerals in major and minor keys: degrees, qualities, borrowed and secondary chords,
figured-bass inversions."""

from __future__ import annotations

import pytest

from server.generation.chords import ChordError
from server.generation.roman_numerals import is_roman_numeral, roman_to_chord

C, D, E, F, G, A, B = 0, 2, 4, 5, 7, 9, 11


@pytest.mark.parametrize(
    ("numeral", "tonic", "symbol"),
    [
        ("I", C, "C"),
        ("ii", C, "Dm"),
        ("iii", C, "Em"),
        ("IV", C, "F"),
        ("V", C, "G"),
        ("vi", C, "Am"),
        ("vii°", C, "Bdim"),
        ("viio", C, "Bdim"),
        ("viiø7", C, "Bm7b5"),
        ("vii°7", C, "Bdim"),
        ("ii7", C, "Dm7"),
        ("V7", C, "G7"),
        ("Imaj7", C, "Cmaj7"),
        ("IΔ7", C, "Cmaj7"),
        ("I6", C, "C6"),
        ("ii9", C, "Dm7"),
        ("III+", C, "Eaug"),
        ("Vsus4", C, "Gsus4"),
        ("bVII", C, "Bb"),
        ("bIII", C, "Eb"),
        ("bVI7", C, "Ab7"),
        ("#iv°", C, "F#dim"),
        ("V/V", C, "D"),
        ("V7/ii", C, "A7"),
        ("viiø7/V", C, "F#m7b5"),
        ("V7/IV", G, "G7"),
        ("I/E", C, "C/E"),
        ("V65", C, "G7/B"),
        ("V43", C, "G7/D"),
        ("V42", C, "G7/F"),
        ("I64", C, "C/G"),
        ("ii65", C, "Dm7/F"),
        ("vii°42", C, "Bdim/Ab"),
        ("I", D, "D"),
        ("vi", E, "C#m"),
        ("IV", B, "E"),
    ],
)
def test_major_keys(numeral: str, tonic: int, symbol: str) -> None:
    assert roman_to_chord(numeral, tonic, "major").symbol == symbol


@pytest.mark.parametrize(
    ("numeral", "symbol"),
    [
        ("i", "Am"),
        ("ii°", "Bdim"),
        ("iiø7", "Bm7b5"),
        ("III", "C"),
        ("iv", "Dm"),
        ("iv6", "Dm6"),
        ("v", "Em"),
        ("V", "E"),
        ("V7", "E7"),
        ("VI", "F"),
        ("VII", "G"),
        ("vii°", "Abdim"),  # the raised leading tone, G#
        ("vii°7", "Abdim"),
        ("bVII", "G"),
        ("bVI", "F"),
        ("i7", "Am7"),
        ("V/III", "G"),
        ("V7/iv", "A7"),
    ],
)
def test_minor_keys_read_the_natural_minor_with_a_major_v(numeral: str, symbol: str) -> None:
    assert roman_to_chord(numeral, A, "minor").symbol == symbol


@pytest.mark.parametrize("token", ["I", "vii°", "bVII", "V/V", "V65", "iv6", "I/E"])
def test_numerals_are_recognized(token: str) -> None:
    assert is_roman_numeral(token)


@pytest.mark.parametrize("token", ["C", "Am", "Bb", "bm", "Vi", "IIII", "Ix", "V/Q", "V/V7", "IV/"])
def test_other_words_are_not_numerals(token: str) -> None:
    assert not is_roman_numeral(token)
    with pytest.raises(ChordError):
        roman_to_chord(token, C, "major")
