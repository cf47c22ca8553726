"""Steering a stream from a bar line: the genre the network reads and the temperature the
sampler draws at change for the events from that bar on, never before."""

from __future__ import annotations

from server.generation.lstm import INPUT_NAMES, LstmNetwork
from server.generation.melody_stream import BAR_TICKS, MelodyStream, Steer
from server.generation.sampler import step_streams
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary


def test_a_steer_changes_genre_and_temperature_from_its_bar_line_on():
    vocabulary = default_vocabulary()
    network = LstmNetwork.random(vocabulary, hidden=16, duration_hidden=8, seed=3)
    stream = MelodyStream(SamplingParams(genre="folk", bars=4, seed=9), vocabulary)
    stream.steer(Steer(2 * BAR_TICKS, sets_genre=True, genre="jazz"))
    stream.steer(Steer(3 * BAR_TICKS, temperature=1.2))
    genre_at = INPUT_NAMES.index("genre")
    state = network.initial_state(1)
    read = []  # (onset tick, genre id read, temperature drawn at)
    while not stream.done:
        tick = stream.tick
        inputs = stream.next_inputs()
        read.append((tick, inputs[genre_at], stream.params.temperature))
        _, state = step_streams(network, [stream], state)
    folk, jazz = vocabulary.genre_id("folk"), vocabulary.genre_id("jazz")
    assert {genre for tick, genre, _ in read if tick < 2 * BAR_TICKS} == {folk}
    assert {genre for tick, genre, _ in read if tick >= 2 * BAR_TICKS} == {jazz}
    assert {t for tick, _, t in read if tick < 3 * BAR_TICKS} == {1.0}
    assert {t for tick, _, t in read if tick >= 3 * BAR_TICKS} == {1.2}
    assert stream.params.genre == "jazz" and stream.steers == []
