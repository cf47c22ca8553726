"""A key change from a bar line: the melody goes on as it would have, a step higher or lower
from that bar (the network reads the same normalized chords), and the chords under it and in
the band move with it from that bar; an accompaniment fits its chords in the new key."""

from __future__ import annotations

import numpy as np

from server.generation.accompaniment import Accompaniment
from server.generation.band.piece_band import band_for
from server.generation.chords import parse_harte
from server.generation.key_change import change_key, transposed_from
from server.generation.live_stream import LiveStream
from server.generation.lstm import LstmNetwork
from server.generation.melody_stream import BAR_TICKS, MelodyStream
from server.generation.notes import Note
from server.generation.progression import ChordSpan, Progression
from server.generation.progression_text import progression_from_input
from server.generation.sampler import step_streams
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary


def written(stream: LiveStream, network: LstmNetwork) -> list[Note]:
    state = network.initial_state(1)
    notes = []
    while not stream.melody.done:
        stream.melody.next_inputs()
        (note,), state = step_streams(network, [stream.melody], state)
        notes += [note] if note is not None else []
    return notes


def live(params: SamplingParams) -> LiveStream:
    vocabulary = default_vocabulary()
    melody = MelodyStream(params, vocabulary)
    state = np.zeros((1, 2, 1), dtype=np.float32)
    return LiveStream(
        "s", 1, melody, sink=None, paced=False, state=state, band=band_for(melody.params)
    )  # type: ignore[arg-type]


def test_the_melody_chords_and_band_move_to_the_new_key_from_the_bar():
    network = LstmNetwork.random(default_vocabulary(), hidden=16, duration_hidden=8, seed=3)
    chords = progression_from_input("C G Am F", key="C", mode="major")
    params = SamplingParams(genre="folk", bars=4, seed=9, chords=chords, band=True)
    kept, moved = live(params), live(params)
    change_key(moved, 2, "D")
    before, after = written(kept, network), written(moved, network)
    assert [(n.start, n.duration) for n in before] == [(n.start, n.duration) for n in after]
    for old, new in zip(before, after, strict=True):
        assert new.pitch - old.pitch == (0 if old.start < 2 * BAR_TICKS else 2)
    assert moved.melody.params.key == "D"
    symbols = [span.chord.symbol for span in moved.melody.params.chords.spans]
    assert symbols == ["C", "G", "Bm", "G"]
    assert moved.band is not None and moved.band.tonic == 2
    assert [span.chord.symbol for span in moved.band.chords.spans] == symbols


def test_a_chord_over_the_bar_line_is_split_there():
    chords = Progression((ChordSpan(parse_harte("C:maj"), 0, 2 * BAR_TICKS),), bars=2)
    moved = transposed_from(chords, BAR_TICKS, -2)
    assert [(s.chord.symbol, s.start, s.duration) for s in moved.spans] == [
        ("C", 0, BAR_TICKS),
        ("Bb", BAR_TICKS, BAR_TICKS),
    ]


def test_an_accompaniment_moves_what_it_committed_and_fits_in_the_new_key():
    accompaniment = Accompaniment(0, "major", bars=4)
    accompaniment.commit_through(2)
    accompaniment.take_commits()
    accompaniment.change_key(1, 2, 2)
    assert [c.symbol for c in accompaniment.chords] == ["C", "D", "D"]
    assert [(c.bar, c.chord.symbol) for c in accompaniment.take_commits()] == [(1, "D"), (2, "D")]
    accompaniment.commit_through(3)
    assert accompaniment.chords[3] == parse_harte("D:maj")  # nothing played: the new tonic
