"""A genre's onset grid: pop and rock melodies start every note and rest on a sixteenth, classical
and folk on a sixteenth or an eighth triplet, jazz and melodies of any genre anywhere; a primer
that ends off the grid is followed, and the melody still ends on its last bar line."""

from __future__ import annotations

import pytest

from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.melody_stream import MelodyStream, Steer
from server.generation.notes import TICKS_PER_BEAT
from server.generation.onset_grid import GENRE_GRIDS, duration_choices
from server.generation.sampler import generate, step_streams
from server.generation.sampling_params import SamplingParams
from server.generation.vocabulary import default_vocabulary

SIXTEENTHS = {0, 3, 6, 9}
TRIPLETS = {4, 8}


@pytest.fixture(scope="module")
def network() -> LstmNetwork:
    # A random network at a high temperature draws durations of every length.
    return LstmNetwork.random(default_vocabulary(), hidden=16, layers=2, duration_hidden=8)


def event_positions(melody: Melody) -> set[int]:
    """Ticks into the beat where the melody's notes and rests start."""
    positions, tick = set(), 0
    for event in melody.events:
        positions.add(tick % TICKS_PER_BEAT)
        tick += event.duration
    return positions


def written(network: LstmNetwork, genre: str | None, **params: object) -> list[Melody]:
    return generate(
        network,
        [
            SamplingParams(genre=genre, bars=8, seed=seed, temperature=2.0, **params)  # type: ignore[arg-type]
            for seed in range(6)
        ],
    )


@pytest.mark.parametrize(
    "genre, grid", [("pop", SIXTEENTHS), ("rock", SIXTEENTHS), ("folk", SIXTEENTHS | TRIPLETS)]
)
def test_a_genre_with_a_grid_starts_every_event_on_it(
    network: LstmNetwork, genre: str, grid: set[int]
) -> None:
    melodies = written(network, genre)
    positions = set().union(*(event_positions(melody) for melody in melodies))
    assert positions <= grid
    assert SIXTEENTHS - {0} <= positions  # the grid is used, not just the beats
    assert all(melody.total_ticks == 8 * 4 * TICKS_PER_BEAT for melody in melodies)


@pytest.mark.parametrize("genre", ["jazz", None])
def test_jazz_and_any_genre_start_anywhere_in_the_beat(
    network: LstmNetwork, genre: str | None
) -> None:
    positions = set().union(*(event_positions(melody) for melody in written(network, genre)))
    assert len(positions - SIXTEENTHS - TRIPLETS) >= 3


def test_a_primer_that_ends_off_the_grid_is_followed_back_onto_it(network: LstmNetwork) -> None:
    # The primer's note ends 5 ticks into the second beat.
    melody = written(network, "pop", primer=((60, 0.0, 1 + 5 / 12),))[0]
    starts, tick = [], 0
    for event in melody.events:
        starts.append(tick)
        tick += event.duration
    assert starts[:2] == [0, TICKS_PER_BEAT + 5]  # the primer's note, then the off-grid event
    assert {start % TICKS_PER_BEAT for start in starts[2:]} <= SIXTEENTHS
    assert melody.total_ticks == 8 * 4 * TICKS_PER_BEAT


def test_a_steer_into_pop_puts_the_rest_of_the_melody_on_its_grid(network: LstmNetwork) -> None:
    vocabulary, bar = network.require_vocabulary(), 4 * TICKS_PER_BEAT
    before: set[int] = set()
    for seed in range(4):
        stream = MelodyStream(
            SamplingParams("jazz", bars=8, seed=seed, temperature=2.0), vocabulary
        )
        stream.steer(Steer(tick=4 * bar, sets_genre=True, genre="pop"))
        state, starts = network.initial_state(1), []
        while not stream.done:
            starts.append(stream.tick)
            _, state = step_streams(network, [stream], state)
        before |= {s % TICKS_PER_BEAT for s in starts if s < 4 * bar}
        # The event the steer reaches first may start off the grid; every one after it is on it.
        after = [s for s in starts if s >= 4 * bar]
        assert {s % TICKS_PER_BEAT for s in after[1:]} <= SIXTEENTHS
    assert len(before - SIXTEENTHS - TRIPLETS) >= 2  # jazz's onsets before the steer


def test_every_grid_reaches_the_next_beat_from_each_of_its_positions() -> None:
    durations = default_vocabulary().durations
    piece = 8 * 4 * TICKS_PER_BEAT
    for genre, grid in GENRE_GRIDS.items():
        choices = duration_choices(genre, durations)
        for position in grid:
            mask = choices.allowed(TICKS_PER_BEAT + position, piece)
            allowed = {d for d, ok in zip(durations, mask, strict=True) if ok}
            assert TICKS_PER_BEAT - position in allowed, (genre, position)
            assert all((position + d) % TICKS_PER_BEAT in grid for d in allowed), (genre, position)


def test_the_durations_end_by_the_last_bar_line_on_the_grid_or_off_it() -> None:
    durations = default_vocabulary().durations
    for genre in ("pop", "jazz", None):
        mask = duration_choices(genre, durations).allowed(100, 120)
        assert max(d for d, ok in zip(durations, mask, strict=True) if ok) == 20
        assert not mask.flags.writeable  # shared by every stream of the genre
