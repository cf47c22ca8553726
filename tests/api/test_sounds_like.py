"""A song's "sounds like" in `GET /api/songs` and `GET /api/songs/{id}`, by the shipped,
calibrated genre classifier: claimed only where it is confident, and a song asked for in one
genre is never labelled a confident other genre, only as leaning to it."""

from __future__ import annotations

import pytest

from server.generation.classifier import GenreClassifier
from server.generation.melody import Melody
from server.generation.midi_io import melody_to_midi, midi_to_melody
from server.models.user import User
from server.services.sounds_like import CLASSIFIER_DIR
from tests.notes import beat_notes

pytestmark = pytest.mark.skipif(
    not (CLASSIFIER_DIR / "weights.npz").exists(), reason="no shipped classifier"
)

# (pitch, start beats, duration beats) notes the shipped classifier hears as...
ARPEGGIO_IN_HALF_NOTES = [(60 + (0, 4, 7, 12, 7, 4)[i % 6], 2 * i, 2.0) for i in range(16)]  # folk
SWUNG_EIGHTHS = [  # jazz: long-short pairs on the triplet grid, wide leaps
    (60 + (-7, 5, -2, 9, 3, -5, 8, 0)[i % 8], i // 2 + (i % 2) * 2 / 3, (2 - i % 2) / 3)
    for i in range(64)
]
SCALE_IN_QUARTERS = [(60 + (0, 2, 4, 5, 7, 9, 11, 12)[i % 8], i, 1.0) for i in range(32)]  # unsure


def calibrated(notes: list[tuple[int, float, float]]) -> dict[str, float]:
    """The shipped classifier's calibrated probabilities for these notes, read back from MIDI
    as the server reads a saved song."""
    melody = midi_to_melody(melody_to_midi(Melody.from_notes(beat_notes(notes))))
    return GenreClassifier.load(CLASSIFIER_DIR).calibrated_classify(melody)


async def sounds_like_of(auth, client, make_song, notes, genre: str | None) -> dict | None:
    """The song's `sounds_like` as listed and as shown alone, which must be the same."""
    owner = await User.get(id=(await (await auth.signup()).get_json())["id"])
    song = await make_song(owner, notes=notes, genre=genre)
    listed = (await (await client.get("/api/songs")).get_json())["songs"][0]
    shown = await (await client.get(f"/api/songs/{song.id}")).get_json()
    assert listed["sounds_like"] == shown["sounds_like"]
    return shown["sounds_like"]


@pytest.mark.parametrize(
    ("notes", "asked", "expected"),
    [
        (ARPEGGIO_IN_HALF_NOTES, None, {"genre": "folk", "agreement": "sounds_like"}),
        (ARPEGGIO_IN_HALF_NOTES, "folk", {"genre": "folk", "agreement": "as_asked"}),
        (SWUNG_EIGHTHS, "jazz", {"genre": "jazz", "agreement": "as_asked"}),
        (ARPEGGIO_IN_HALF_NOTES, "classical", {"genre": "folk", "agreement": "leans"}),
        (SWUNG_EIGHTHS, "rock", {"genre": "jazz", "agreement": "leans"}),
    ],
)
async def test_a_confident_verdict_and_how_it_relates_to_the_genre_asked_for(
    auth, client, make_song, notes, asked, expected
):
    threshold = GenreClassifier.load(CLASSIFIER_DIR).config.threshold
    probabilities = calibrated(notes)
    assert probabilities[expected["genre"]] >= threshold  # the premise: a confident verdict
    verdict = await sounds_like_of(auth, client, make_song, notes, asked)
    assert verdict == {
        **expected,
        "confidence": pytest.approx(probabilities[expected["genre"]]),
        "asked": asked,
    }


async def test_a_classical_song_the_classifier_takes_for_folk_is_not_labelled_folk(
    auth, client, make_song
):
    """The reported case: classical asked for, "Sounds like folk · 99%" shown."""
    assert calibrated(ARPEGGIO_IN_HALF_NOTES)["folk"] >= 0.99
    verdict = await sounds_like_of(auth, client, make_song, ARPEGGIO_IN_HALF_NOTES, "classical")
    assert verdict["agreement"] == "leans" and verdict["asked"] == "classical"


@pytest.mark.parametrize("asked", [None, "classical", "folk"])
async def test_an_unsure_classifier_says_nothing(auth, client, make_song, asked):
    threshold = GenreClassifier.load(CLASSIFIER_DIR).config.threshold
    assert max(calibrated(SCALE_IN_QUARTERS).values()) < threshold
    assert await sounds_like_of(auth, client, make_song, SCALE_IN_QUARTERS, asked) is None
