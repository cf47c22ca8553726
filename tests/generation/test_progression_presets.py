"""The studio's preset progressions: each reads in every key and both modes."""

from __future__ import annotations

import pytest

from server.generation.melody import GENRES, MODES
from server.generation.progression import ProgressionError
from server.generation.progression_presets import PRESETS, preset, presets_for


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key", ["C", "F#", "Bb", "E"])
def test_every_preset_reads_in_every_key_and_mode(name: str, mode: str, key: str) -> None:
    progression = preset(name, key, mode)
    assert progression.bars == len(PRESETS[name].numerals(mode).split())
    assert all(span.chord.is_chord for span in progression.spans)


@pytest.mark.parametrize(
    ("name", "key", "mode", "symbols"),
    [
        ("pop", "G", "major", "G D Em C"),
        ("pop", "A", "minor", "Am F C G"),
        ("ii-v-i", "C", "major", "Dm7 G7 Cmaj7 Cmaj7"),
        ("ii-v-i", "C", "minor", "Dm7b5 G7 Cm6 Cm6"),
        ("blues", "A", "major", "A7 A7 A7 A7 D7 D7 A7 A7 E7 D7 A7 E7"),
        ("rock", "D", "major", "D C G D"),
        ("cadence", "F", "major", "F Bb C F"),
        ("turnaround", "C", "major", "C Am Dm G"),
        ("folk", "G", "major", "G C G D"),
        ("pop", "Am", "major", "Am F C G"),  # a key that names its mode chooses it
    ],
)
def test_presets_sound_as_charted(name: str, key: str, mode: str, symbols: str) -> None:
    progression = preset(name, key, mode)
    assert " ".join(span.chord.symbol for span in progression.spans) == symbols


def test_an_unknown_preset_names_the_choices() -> None:
    with pytest.raises(ProgressionError, match="no preset progression called") as caught:
        preset("bossa")
    assert caught.value.token == "bossa"
    assert "blues" in str(caught.value)


@pytest.mark.parametrize("genre", GENRES)
def test_every_genre_has_presets_its_own_first(genre: str) -> None:
    offered = presets_for(genre)
    assert offered and all(genre in chosen.genres for chosen in offered)
    assert [chosen.genres.index(genre) for chosen in offered] == sorted(
        chosen.genres.index(genre) for chosen in offered
    )


def test_any_genre_is_offered_every_preset() -> None:
    assert presets_for(None) == list(PRESETS.values())
