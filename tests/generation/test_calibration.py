"""A genre's calibration. Intervals: the next pitch is biased by the bin of its interval from the
last sounded pitch (through rests), the rest never; a stream of a calibrated genre applies its
genre's table from its second note, a steer into another genre that genre's, and a melody of any
genre none. Rhythm: the next duration is biased by its length's bin and by where in the beat the
next event then starts; only the streams that draw freely, never what a stream copies."""

from __future__ import annotations

import numpy as np

from server.generation.calibration import (
    DURATION_BINS,
    GENRE_INTERVAL_BIAS,
    INTERVAL_BINS,
    genre_interval_table,
    genre_rhythm_table,
    interval_table,
    rhythm_table,
)
from server.generation.melody_stream import MelodyStream, Steer
from server.generation.notes import TICKS_PER_BEAT
from server.generation.sampler import _toward_rhythm
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary

VOCABULARY = default_vocabulary()
BIAS = tuple(float(index) for index in range(len(INTERVAL_BINS)))  # a bin's bias is its index


def pid(pitch: int) -> int:
    return VOCABULARY.pitch_id(pitch)


def test_a_pitch_is_biased_by_the_bin_of_its_interval_from_the_last_one() -> None:
    table = interval_table(BIAS, VOCABULARY)
    assert table is not None
    after_60 = table[pid(60)]
    expected = {60: 4, 61: 5, 62: 5, 63: 6, 64: 6, 65: 7, 67: 7, 68: 8, 72: 8}
    expected |= {59: 3, 58: 3, 57: 2, 56: 2, 55: 1, 53: 1, 52: 0, 48: 0}
    assert {pitch: after_60[pid(pitch)] for pitch in expected} == expected
    assert after_60[VOCABULARY.REST_ID] == 0  # a rest is as likely as the network has it
    assert not table[VOCABULARY.REST_ID].any()  # nothing sounded yet: no bias
    assert interval_table(None, VOCABULARY) is None


def test_a_stream_biases_its_next_pitch_from_the_last_sounded_one_through_rests() -> None:
    stream = MelodyStream(SamplingParams(genre="jazz", bars=8, seed=1), VOCABULARY)
    assert stream.pitch_bias() is None  # no note yet
    quarter = VOCABULARY.duration_id(12)
    stream.accept(pid(64), quarter)
    stream.accept(VOCABULARY.REST_ID, quarter)
    table = genre_interval_table("jazz", VOCABULARY)
    assert table is not None
    assert np.array_equal(stream.pitch_bias(), table[pid(64)])
    unison = INTERVAL_BINS.index("unison")
    bias = stream.pitch_bias()
    assert bias is not None and bias[pid(64)] == GENRE_INTERVAL_BIAS["jazz"][unison] < 0


def test_a_steer_into_another_genre_applies_that_genres_calibration() -> None:
    stream = MelodyStream(SamplingParams(genre="jazz", bars=8, seed=1), VOCABULARY)
    stream.steer(Steer(tick=0, sets_genre=True, genre="classical"))
    stream.next_inputs()  # a steer applies as the next event is read
    stream.accept(pid(60), VOCABULARY.duration_id(12))
    assert np.array_equal(
        stream.pitch_bias(), genre_interval_table("classical", VOCABULARY)[pid(60)]
    )


def test_a_melody_of_any_genre_is_left_as_the_network_writes_it() -> None:
    stream = MelodyStream(SamplingParams(bars=8, seed=1), VOCABULARY)
    stream.accept(pid(60), VOCABULARY.duration_id(12))
    assert stream.pitch_bias() is None


def test_a_duration_is_biased_by_its_length_and_where_the_next_event_starts() -> None:
    lengths = tuple(float(index) for index in range(len(DURATION_BINS)))  # its bin's index
    landings = tuple(100.0 * tick for tick in range(TICKS_PER_BEAT))  # 100 x the landing tick
    table = rhythm_table(lengths, landings, VOCABULARY)
    assert table is not None and table.shape == (TICKS_PER_BEAT, len(VOCABULARY.durations))
    by_ticks = {ticks: index for index, ticks in enumerate(VOCABULARY.durations)}
    # on the beat: a quarter (bin 5) lands on the next beat, a sixteenth (bin 1) at tick 3
    assert table[0, by_ticks[12]] == 5.0 and table[0, by_ticks[3]] == 1.0 + 300.0
    # from the second sixteenth: an eighth (bin 3) lands on the fourth sixteenth (tick 9)
    assert table[3, by_ticks[6]] == 3.0 + 900.0
    assert rhythm_table(None, landings, VOCABULARY) is None


def test_only_streams_drawing_freely_get_their_rhythm_calibration() -> None:
    """A stream of a calibrated genre draws its durations through the genre's table, at its
    place in the beat; a row that copies its event (a primer, a returning bar) is left alone."""
    table = genre_rhythm_table("pop", VOCABULARY)
    assert table is not None
    stream = MelodyStream(SamplingParams(genre="pop", bars=8, seed=1), VOCABULARY)
    bias = stream.duration_bias()
    assert bias is not None and np.array_equal(bias, table[0])
    stream.accept(pid(60), VOCABULARY.duration_id(3))
    assert np.array_equal(stream.duration_bias(), table[3])
    assert MelodyStream(SamplingParams(bars=8, seed=1), VOCABULARY).duration_bias() is None
    streams = [
        MelodyStream(SamplingParams(genre="pop", bars=8, seed=s), VOCABULARY) for s in (1, 2)
    ]
    logits = np.zeros((2, len(VOCABULARY.durations)))
    biased = _toward_rhythm(streams, logits, choosing=[1])
    assert np.array_equal(biased[0], table[0]) and not biased[1].any()
    assert _toward_rhythm(streams, logits, choosing=[0, 1]) is logits
