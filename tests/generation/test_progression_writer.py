"""The chords the model writes (the shipped progression network): a chord on every half-bar of
the piece, a cadence to the tonic at the end, the chords of a returning bar those of the bar it
returns, in the requested key, the same for the same seed; and the form reaches the melody."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from server.generation.chords import parse_symbol
from server.generation.progression_network import SLOTS_PER_BAR, ProgressionNetwork
from server.generation.progression_text import progression_from_input
from server.generation.progression_writer import (
    SLOT_TICKS,
    ending_chords,
    with_written_chords,
    with_written_chords_for,
    write_progression,
)
from server.generation.sampling_params import SamplingParams


@pytest.fixture(scope="module")
def network() -> ProgressionNetwork:
    return ProgressionNetwork.load()


def slot_chords(progression, bars):
    return [progression.chord_at(slot * SLOT_TICKS) for slot in range(bars * SLOTS_PER_BAR)]


@pytest.mark.parametrize("genre", ["pop", "rock", "jazz", "folk", "classical", None])
@pytest.mark.parametrize(("key", "mode"), [("C", "major"), ("Eb", "major"), ("F#", "minor")])
def test_a_written_progression_ends_on_a_cadence_in_the_key(network, genre, key, mode):
    params = SamplingParams(genre=genre, key=key, mode=mode, bars=16)
    for seed in range(5):
        progression, _ = write_progression(network, params, seed)
        slots = slot_chords(progression, 16)
        assert all(chord.is_chord for chord in slots)
        approaches, tonics = ending_chords(mode)
        shift = -params.tonic + (0 if mode == "major" else 9)  # into C major / A minor
        assert slots[-2].transposed(shift) in tonics and slots[-1].transposed(shift) in tonics
        assert slots[-3].transposed(shift) in approaches


def test_a_returning_bar_has_the_chords_of_the_bar_it_returns(network):
    params = SamplingParams(genre="jazz", key="Bb", bars=16)  # AABA: bars 4-7 and 12-15 return 0-3
    progression, form = write_progression(network, params, seed=3)
    assert form.letters == "AABA"
    slots = slot_chords(progression, 16)
    last_free = 16 * SLOTS_PER_BAR - 3  # the cadence's slots may vary a returning phrase's end
    for bar in range(16):
        source = form.returns(bar)
        for half in range(SLOTS_PER_BAR):
            slot = bar * SLOTS_PER_BAR + half
            if source is not None and slot < last_free:
                assert slots[slot] == slots[source * SLOTS_PER_BAR + half], (bar, half)


def test_the_same_seed_writes_the_same_progression_and_another_seed_another(network):
    params = SamplingParams(genre="pop", key="G", bars=8)
    first, form = write_progression(network, params, seed=11)
    again, form_again = write_progression(network, params, seed=11)
    assert (first, form) == (again, form_again)
    others = {
        write_progression(network, params, seed)[0].to_storage().__repr__() for seed in range(8)
    }
    assert len(others) > 1


def test_a_progressions_numbers_are_the_same_to_the_bit_whatever_shares_its_batch(network):
    """Progressions for several requests are written in one batch (the chord pool), so the same
    seed writes the same chords only if a row's logits and state do not depend, in any bit, on
    the rows beside it; a request written alone is the case that differed."""
    rows = 40
    rng = np.random.default_rng(0)
    state = rng.normal(0, 0.5, network.initial_state(rows).shape).astype(np.float32)
    chords, genres, modes = (
        rng.integers(0, 100, rows),
        rng.integers(0, 5, rows),
        np.arange(rows) % 2,
    )
    with threadpool_limits(1, user_api="blas"):  # as the server runs it
        logits, new_state = network.step(chords, 3, genres, modes, state)
        for row in (0, 17, rows - 1):
            one = slice(row, row + 1)
            alone = network.step(chords[one], 3, genres[one], modes[one], state[:, one])
            np.testing.assert_array_equal(alone[0][0], logits[row])
            np.testing.assert_array_equal(alone[1][:, 0], new_state[:, row])


def test_with_written_chords_only_writes_where_asked(network):
    asked = with_written_chords(SamplingParams(bars=4, write_chords=True), network)
    assert asked.seed is not None and asked.chords is not None and asked.form is not None
    assert asked.form.bars == 4 and asked.chords.bars == 4
    bare = with_written_chords(SamplingParams(bars=4), network)
    assert bare.chords is None and bare.form is None and bare.seed is not None
    chords = progression_from_input("Dm7 G7", key="C", mode="major")
    typed = with_written_chords(SamplingParams(bars=4, chords=chords, write_chords=True), network)
    assert typed.chords == chords.looped_to(4) and typed.form is None


@pytest.mark.parametrize("bars", [1, 2, 3, 128])
def test_every_length_gets_a_cadence(network, bars):
    progression, form = write_progression(network, SamplingParams(bars=bars), seed=bars)
    slots = slot_chords(progression, bars)
    assert len(slots) == bars * SLOTS_PER_BAR and form.bars == bars
    assert slots[-1] in {parse_symbol(s) for s in ("C", "Cmaj7", "C6")}
    assert progression.total_ticks == bars * 4 * 12


def test_pieces_written_together_get_the_chords_each_gets_alone(network):
    """Streams starting at once have their chords written in one batch: every genre, both
    modes, different lengths (one ending while the others write on), blues forms among them,
    and requests that give their own chords or none."""
    requests = [
        SamplingParams(genre=genre, key=key, mode=mode, bars=bars, seed=seed, write_chords=True)
        for seed, (genre, key, mode, bars) in enumerate(
            [
                ("jazz", "F", "major", 12),
                ("pop", "C", "minor", 4),
                ("rock", "E", "major", 16),
                ("folk", "G", "major", 1),
                ("classical", "D", "minor", 8),
                (None, "Bb", "major", 24),
                ("jazz", "C", "minor", 24),
                ("rock", "A", "major", 12),
            ]
        )
    ]
    typed = progression_from_input("C G Am F", key="C")
    requests += [SamplingParams(bars=4, seed=3), SamplingParams(bars=4, chords=typed, seed=4)]
    together = with_written_chords_for(requests, network)
    alone = [with_written_chords(params, network) for params in requests]
    assert together == alone
    assert [params.chords is not None for params in together] == [True] * 8 + [False, True]
    assert any(params.form.harmony == "blues" for params in together[:8] if params.form)
