"""Over typed chords the shipped model lands on the chord's tones on beats 1 and 3 as its genre's
melodies do: classical on four notes in five (its melodies 0.83), jazz on about half (WJD
solos 0.50: tensions and chromatic approach notes), so a jazz line over ii-V-I does not sound
like a chorale's (docs/model-card.md, "Following typed chords")."""

from __future__ import annotations

import pytest

from bench.chord_following import strong_beat_chord_tones
from server.config import REPO_ROOT
from server.generation.lstm import LstmNetwork
from server.generation.progression_text import parse_progression
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams

CHORDS = parse_progression("Dm7 G7 Cmaj7 Cmaj7")


@pytest.fixture(scope="module")
def network() -> LstmNetwork:
    return LstmNetwork.load(REPO_ROOT / "checkpoints" / "melody")


@pytest.mark.parametrize(("genre", "low", "high"), [("classical", 0.75, 0.9), ("jazz", 0.4, 0.56)])
def test_strong_beats_land_on_the_chord_as_the_genre_does(network, genre, low, high) -> None:
    params = [SamplingParams(genre, key="C", bars=8, seed=s, chords=CHORDS) for s in range(24)]
    tones, notes = strong_beat_chord_tones(generate(network, params), CHORDS.looped_to(8))
    assert low <= tones / notes <= high
