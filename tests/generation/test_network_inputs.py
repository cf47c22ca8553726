"""What the network reads while it writes is what it was trained to read: the ids a stream
gives every step (chords, lookback) equal those training encodes from the finished piece."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from server.generation.chord_inputs import (
    beat_chord_ids,
    progression_chord_ids,
    same_chord_ids_until,
)
from server.generation.chords import parse_symbol
from server.generation.lookback import lookback_arrays, lookback_inputs
from server.generation.lstm import INPUT_NAMES, LstmNetwork
from server.generation.melody_stream import MelodyStream
from server.generation.progression import ChordSpan, Progression
from server.generation.progression_text import parse_progression
from server.generation.sampler import step_streams
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary
from training.windows import piece_rows

pytest.importorskip("keras")


def written_with_inputs(params: SamplingParams) -> tuple[MelodyStream, np.ndarray]:
    """A stream written to its end by a random network, and the ids it read at every step."""
    vocabulary = default_vocabulary()
    network = LstmNetwork.random(vocabulary, hidden=16, duration_hidden=8, seed=3)
    stream = MelodyStream(params, vocabulary)
    state = network.initial_state(1)
    read = []
    while not stream.done:
        read.append(stream.next_inputs())
        _, state = step_streams(network, [stream], state)
    return stream, np.array(read)


@pytest.mark.parametrize("chords", [None, "Dm7 G7 | Cmaj7 | A7 | Dm7 G7"])
def test_a_stream_reads_the_ids_training_encodes_from_its_piece(chords: str | None) -> None:
    vocabulary = default_vocabulary()
    params = SamplingParams(genre="jazz", key="F", bars=8, seed=5, temperature=1.3)
    if chords is not None:
        params = replace(params, chords=parse_progression(chords, key="F"))
    stream, read = written_with_inputs(params)
    melody = stream.melody()
    normalized = melody.transposed(-stream.shift)
    beats = None
    if stream.chords is not None:
        beats = np.array([chord.id for chord in stream.chords.looped_to(8).per_beat()])
    piece = vocabulary.encode(normalized, beats)
    rows = piece_rows(piece, vocabulary, vocabulary.genre_id("jazz"))

    assert len(piece) == len(read)
    for column, name in enumerate(INPUT_NAMES):
        np.testing.assert_array_equal(read[:, column], rows[name], err_msg=name)
    if chords is not None:
        assert (rows["chord"] > 0).all() and (rows["next_chord"] > 0).any()


def test_lookback_names_the_events_one_and_two_bars_back_and_their_repeats() -> None:
    # Two bars of quarter notes C D E F | C D E F, then a half note.
    pitch = np.array([1, 3, 5, 6, 1, 3, 5, 6, 8])
    duration = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1])
    ticks = np.array([12] * 8 + [24])
    none = (99, 98)
    arrays = lookback_arrays(pitch, duration, ticks, 48, none)

    assert arrays["back1_pitch"].tolist() == [99] * 4 + [1, 3, 5, 6, 1]
    assert arrays["back2_pitch"].tolist() == [99] * 8 + [1]
    # event 5 (D, bar 2) follows event 4, which repeated its bar-back event (C)
    assert arrays["repeats"].tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    onsets = np.concatenate(([0], np.cumsum(ticks)[:-1])).tolist()
    for index in range(len(pitch)):
        expected = tuple(int(arrays[name][index]) for name in arrays)
        got = lookback_inputs(
            onsets[:index],
            pitch[:index].tolist(),
            duration[:index].tolist(),
            onsets[index],
            48,
            none,
        )
        assert got == expected


def test_the_next_chord_is_the_next_different_one_and_none_after_the_last() -> None:
    progression = parse_progression("C C G | Am", key="C")
    ids = [chord.id for chord in progression.per_beat()]
    onsets = np.arange(0, 96, 6)
    chord, following = beat_chord_ids(np.array(ids), 0, onsets)
    for onset, now, then in zip(onsets.tolist(), chord, following, strict=True):
        assert progression_chord_ids(progression, onset) == (now, then)
    assert following[0] == parse_symbol("G").id  # G after the two Cs
    assert following[-1] == 0  # nothing follows the last chord


@pytest.mark.parametrize("text", ["C C G | Am", "Dm7 G7 | Cmaj7 | A7 | Dm7 G7", "C"])
def test_the_chords_read_at_an_onset_hold_until_the_tick_said(text: str) -> None:
    """A stream reads the chord ids again only past `same_chord_ids_until`: they must not
    change before it, also around a gap in the chords and past the progression's end."""
    typed = parse_progression(text, key="C")
    bar = typed.bar_ticks
    gap = ChordSpan(parse_symbol("F"), typed.total_ticks + bar // 4, bar // 2)  # after a beat
    gapped = Progression((*typed.spans, gap), typed.bars + 1, typed.beats_per_bar)
    for progression in (typed, gapped):
        for tick in range(0, progression.total_ticks + 2 * bar):
            until = same_chord_ids_until(progression, tick)
            assert until >= tick
            held = {progression_chord_ids(progression, later) for later in range(tick, until)}
            assert held <= {progression_chord_ids(progression, tick)}
