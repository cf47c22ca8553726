"""Chords written ahead: a request that gives no seed takes a piece from its kind's pool, and gets
exactly what that piece's seed writes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords
from server.generation.sampling_params import SamplingParams
from server.services import chord_batches
from server.services.chord_batches import ChordBatches


class CountingNetwork(ProgressionNetwork):
    """The shipped network, counting its steps."""

    steps = 0

    def step(self, *args, **kwargs):
        self.steps += 1
        return super().step(*args, **kwargs)


@pytest.fixture(scope="module")
def network() -> CountingNetwork:
    return CountingNetwork.load()


@pytest.fixture
def batches(network, monkeypatch):
    monkeypatch.setattr(chord_batches, "REFILL_INTERVAL", 0.0)
    return ChordBatches(network)


async def filled(batches: ChordBatches, params: SamplingParams, pieces: int) -> None:
    for _ in range(500):
        if batches.pooled(params) >= pieces:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the pool holds {batches.pooled(params)} pieces, not {pieces}")


JAZZ = SamplingParams(genre="jazz", bars=8, key="D", mode="minor", write_chords=True)


async def test_a_request_without_a_seed_takes_a_written_piece_that_its_seed_writes_again(
    batches, network
):
    first = await batches.written(JAZZ)  # the kind is wanted from now on
    assert first.seed is not None and first.chords is not None
    await filled(batches, JAZZ, 200)
    steps = network.steps
    taken = [await batches.written(JAZZ) for _ in range(100)]
    assert network.steps == steps  # no chord written while the requests waited
    assert batches.taken_from_pool == 100
    assert len({params.seed for params in taken}) == 100  # each piece given once
    for params in taken[:10]:
        again = with_written_chords(replace(JAZZ, seed=params.seed), network)
        assert (params.chords, params.form) == (again.chords, again.form)
    assert taken[0].chords != taken[1].chords  # not one piece for everyone
    await batches.aclose()


async def test_a_request_takes_only_a_piece_of_its_own_kind(batches, network):
    await batches.written(JAZZ)
    await filled(batches, JAZZ, 64)
    for other in (
        replace(JAZZ, key="E"),
        replace(JAZZ, mode="major"),
        replace(JAZZ, bars=4),
        replace(JAZZ, genre="rock"),
    ):
        params = await batches.written(other)
        again = with_written_chords(replace(other, seed=params.seed), network)
        assert params.chords == again.chords
    assert batches.taken_from_pool == 0
    await batches.aclose()


async def test_a_seed_or_typed_chords_are_never_traded_for_a_pooled_piece(batches, network):
    await batches.written(JAZZ)
    await filled(batches, JAZZ, 64)
    seeded = await batches.written(replace(JAZZ, seed=1234))
    assert seeded.seed == 1234
    assert seeded.chords == with_written_chords(replace(JAZZ, seed=1234), network).chords
    typed = replace(JAZZ, chords=with_written_chords(replace(JAZZ, seed=5), network).chords)
    assert (await batches.written(typed)).chords == typed.chords
    bare = await batches.written(replace(JAZZ, write_chords=False))
    assert bare.chords is None
    assert batches.taken_from_pool == 0
    await batches.aclose()


async def test_the_pool_keeps_only_the_kinds_asked_for_lately(batches):
    await batches.written(JAZZ)
    await filled(batches, JAZZ, 16)
    for key in ("C", "E", "F", "G"):  # POOL_KINDS others
        await batches.written(replace(JAZZ, key=key))
    assert batches.pooled(JAZZ) == 0
    await batches.written(JAZZ)
    assert batches.taken_from_pool == 0
    await batches.aclose()
