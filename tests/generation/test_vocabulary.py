"""The token vocabulary: ids, snapping, folding, encode/decode and its JSON form."""

import json

import numpy as np
import pytest

from server.generation.melody import Event, Melody
from server.generation.vocabulary import Vocabulary, default_vocabulary


@pytest.fixture
def vocab() -> Vocabulary:
    return default_vocabulary()


def test_common_straight_dotted_and_triplet_durations_are_exact(vocab):
    for ticks in (1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 72, 96, 144, 192):
        assert vocab.duration_ticks(vocab.duration_id(ticks)) == ticks


def test_unlisted_durations_snap_to_the_nearest(vocab):
    assert vocab.duration_ticks(vocab.duration_id(25)) == 24
    assert vocab.duration_ticks(vocab.duration_id(500)) == 192


def test_pitch_ids_fold_out_of_range_notes_by_octaves(vocab):
    assert vocab.pitch_of(vocab.pitch_id(None)) is None
    assert vocab.pitch_of(vocab.pitch_id(60)) == 60
    assert vocab.pitch_of(vocab.pitch_id(30)) == 42
    assert vocab.pitch_of(vocab.pitch_id(100)) == 88
    assert vocab.pitch_bos == vocab.n_pitch and vocab.duration_bos == vocab.n_duration


def test_encode_decode_round_trip(vocab):
    melody = Melody(
        [Event(60, 12), Event(None, 4), Event(64, 8), Event(67, 36)],
        bar_ticks=36,
        pickup_ticks=12,
        mode="minor",
        tonic=9,
        genre="jazz",
    )
    encoded = vocab.encode(melody)
    assert encoded.pitch.dtype == np.int32 and len(encoded) == 4
    assert encoded.position.tolist() == [24, 0, 4, 12]
    assert encoded.genre == vocab.genre_id("jazz") and encoded.mode == vocab.mode_id("minor")
    decoded = vocab.decode(
        encoded.pitch, encoded.duration, bar_ticks=36, pickup_ticks=12, mode="minor"
    )
    assert decoded.events == melody.events
    assert decoded.tonic == 9


def test_long_rests_split_and_no_genre_means_any(vocab):
    encoded = vocab.encode(Melody([Event(60, 12), Event(None, 400), Event(62, 12)]))
    assert [vocab.duration_ticks(d) for d in encoded.duration] == [12, 192, 192, 16, 12]
    assert encoded.genre == vocab.genre_id("any")


def test_json_round_trip(vocab):
    data = json.loads(json.dumps(vocab.to_json()))
    assert Vocabulary.from_json(data) == vocab


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: v.genre_id("polka"), "unknown genre"),
        (lambda v: v.mode_id("lydian"), "unknown mode"),
        (lambda v: v.pitch_of(999), "outside"),
        (lambda v: v.duration_ticks(-1), "outside"),
        (lambda v: Vocabulary.from_json({"format": 99}), "format"),
    ],
)
def test_bad_ids_and_names_are_refused(vocab, call, message):
    with pytest.raises(ValueError, match=message):
        call(vocab)
