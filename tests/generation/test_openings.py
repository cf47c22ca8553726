"""Openings written ahead: a start that gives no seed gets its first frame at once, from an
opening written before it asked, and the seed it was given writes the same piece again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from server.generation.engine import GenerationEngine
from server.generation.live_stream import EndReason, Pacing
from server.generation.lstm import LstmNetwork
from server.generation.notes import TICKS_PER_BEAT
from server.generation.sampling_params import SamplingParams
from server.services.generation import GenerationService
from server.services.opening_pool import OPENINGS_PER_KIND
from tests.generation.random_checkpoint import lively_network
from tests.generation.test_engine import RecordingSink

PIECE = SamplingParams(genre="folk", key="G", bars=2, tempo=240)


@pytest.fixture(scope="module")
def network() -> LstmNetwork:
    return lively_network()


@pytest.fixture
async def service(network: LstmNetwork) -> AsyncIterator[GenerationService]:
    """A paced service whose streams keep short leads (short openings)."""
    engine = GenerationEngine(network, Pacing(lead_beats=2.0, lead_seconds=0.0, refill_beats=1.0))
    engine.start()
    service = GenerationService(engine, "test", paced=True)
    yield service
    await service.aclose()


async def ready(service: GenerationService, params: SamplingParams, count: int) -> None:
    deadline = time.monotonic() + 20
    assert service.openings is not None
    while service.openings.ready(params) < count:
        assert time.monotonic() < deadline, "no opening was written ahead"
        await asyncio.sleep(0.01)


async def played(service: GenerationService, user: int, params: SamplingParams) -> RecordingSink:
    sink = RecordingSink()
    await service.start(user, params, sink)
    await asyncio.wait_for(sink.ended.wait(), 20)
    assert sink.reason is EndReason.COMPLETE
    return sink


async def test_a_start_without_a_seed_plays_an_opening_written_ahead_at_once(service):
    await played(service, 1, PIECE)  # the first of its kind is written live; the pool fills
    await ready(service, PIECE, 2)
    engine = service.engine
    sink, steps = RecordingSink(), engine.steps
    stream = await service.start(2, PIECE, sink)
    await asyncio.sleep(0)  # the loop's next turn
    assert sink.notes and engine.steps == steps  # the first frame, before any network step
    assert sink.indexes == list(range(len(sink.notes)))
    assert stream.written_beats >= engine.pacing.high_water(PIECE.tempo)
    await asyncio.wait_for(sink.ended.wait(), 20)
    assert sink.notes[-1].end <= 2 * 4 * TICKS_PER_BEAT and sink.reason is EndReason.COMPLETE
    seed = stream.params.seed
    assert seed is not None and stream.params == replace(PIECE, seed=seed)
    again = await played(service, 3, replace(PIECE, seed=seed))  # written live, step by step
    assert again.triples() == sink.triples()
    other = await service.start(3, PIECE, RecordingSink())
    assert other.params.seed != seed  # each opening is taken once


async def test_only_a_start_that_leaves_everything_to_chance_takes_one(service):
    await played(service, 1, PIECE)
    await ready(service, PIECE, 1)
    openings = service.openings
    assert openings is not None
    primer = replace(PIECE, primer=((62, 0.0, 1.0),))
    for own in (replace(PIECE, seed=5), primer, replace(PIECE, key="A")):
        assert openings.take(own) is None
    assert openings.ready(PIECE) <= OPENINGS_PER_KIND


async def test_an_unpaced_service_writes_nothing_ahead(network):
    engine = GenerationEngine(network)
    service = GenerationService(engine, "test", paced=False)
    assert service.openings is None
    await service.aclose()
