"""The batched engine: streams arrive whole and in order, seeds repeat, pacing keeps each stream
a few beats ahead of its playhead and no further, and ending a stream frees it at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from server.generation.engine import GenerationEngine
from server.generation.live_stream import EndReason, LiveStream, Pacing
from server.generation.lstm import LstmNetwork
from server.generation.notes import TICKS_PER_BEAT, Note
from server.generation.sampler import generate
from server.generation.sampling_params import SamplingParams
from tests.generation.random_checkpoint import lively_network


class RecordingSink:
    """Keeps what the engine hands out, and lets a test wait for the end of a stream."""

    def __init__(self) -> None:
        self.notes: list[Note] = []
        self.indexes: list[int] = []  # each note's place in its stream, as the sink was told
        self.arrivals: list[float] = []  # monotonic seconds of each note
        self.ended = asyncio.Event()
        self.reason: EndReason | None = None

    def stream_notes(self, stream: LiveStream, notes: list[Note], first_index: int) -> None:
        self.notes += notes
        self.indexes += range(first_index, first_index + len(notes))
        self.arrivals += [time.monotonic()] * len(notes)

    def stream_ended(self, stream: LiveStream) -> None:
        self.reason = stream.end_reason
        self.ended.set()

    def triples(self) -> list[tuple[int, float, float]]:
        return [(note.pitch, note.start_beats, note.duration_beats) for note in self.notes]


@pytest.fixture(scope="module")
def network() -> LstmNetwork:
    return lively_network()


@pytest.fixture
async def engine(network: LstmNetwork) -> AsyncIterator[GenerationEngine]:
    engine = GenerationEngine(network, Pacing(lead_beats=2.0, lead_seconds=0.0, refill_beats=1.0))
    engine.start()
    yield engine
    await engine.aclose()


async def run_unpaced(engine: GenerationEngine, params: SamplingParams) -> RecordingSink:
    sink = RecordingSink()
    engine.start_stream(params, sink, owner="tester", paced=False)
    await asyncio.wait_for(sink.ended.wait(), 10)
    return sink


async def test_a_stream_arrives_whole_in_order_and_ends_on_its_last_bar(engine):
    sink = await run_unpaced(engine, SamplingParams(genre="jazz", key="D", bars=4, seed=7))
    assert sink.reason is EndReason.COMPLETE
    assert sink.indexes == list(range(len(sink.notes)))
    starts = [note.start_beats for note in sink.notes]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert sink.notes[-1].end <= 16 * TICKS_PER_BEAT
    assert not engine.streams


async def test_same_seed_gives_the_same_notes_whatever_shares_the_batch(engine, network):
    params = SamplingParams(genre="folk", key="G", mode="minor", bars=3, seed=42)
    crowd = [SamplingParams(bars=8, seed=seed) for seed in range(5)]
    for other in crowd:
        engine.start_stream(other, RecordingSink(), owner="crowd", paced=False)
    alone, together = await asyncio.gather(run_unpaced(engine, params), run_unpaced(engine, params))
    assert alone.triples() == together.triples()
    assert alone.notes == generate(network, [params])[0].notes()


async def test_two_streams_do_not_mix(engine):
    first, second = await asyncio.gather(
        run_unpaced(engine, SamplingParams(bars=2, seed=1, key="C")),
        run_unpaced(engine, SamplingParams(bars=2, seed=2, key="F#")),
    )
    assert first.triples() != second.triples()
    assert first.triples() == (await run_unpaced(engine, SamplingParams(bars=2, seed=1))).triples()


async def test_a_paced_stream_runs_a_few_beats_ahead_of_its_playhead_and_no_further(engine):
    sink = RecordingSink()
    stream = engine.start_stream(SamplingParams(tempo=240, bars=32, seed=3), sink, owner="me")
    await asyncio.sleep(1.0)
    ahead = stream.beats_ahead(time.monotonic())
    high_water = engine.pacing.high_water(240)
    longest_note = max(note.duration_beats for note in sink.notes)
    assert 0 < ahead <= high_water + longest_note
    assert stream.written_beats < 32 * 4  # one second at 240 bpm is 4 beats: far from done
    assert not sink.ended.is_set()


async def test_first_note_comes_out_at_once(engine):
    sink = RecordingSink()
    started = time.monotonic()
    engine.start_stream(SamplingParams(tempo=60, bars=16, seed=5), sink, owner="me")
    while not sink.notes:
        await asyncio.sleep(0.001)
    assert sink.arrivals[0] - started < 0.5


async def test_a_new_listeners_opening_is_not_written_in_step_with_a_crowd(engine):
    """A stream's opening (the notes before its playhead starts) takes a few steps; with many
    streams busy, those steps are the new stream's own, not whole batches of the crowd."""
    crowd = [RecordingSink() for _ in range(200)]
    for number, sink in enumerate(crowd):
        engine.start_stream(SamplingParams(bars=64, seed=number), sink, owner="crowd", paced=False)
    while not all(sink.notes for sink in crowd):
        await asyncio.sleep(0.001)
    sink = RecordingSink()
    crowd_steps = engine.steps - engine.queue.opening_steps
    engine.start_stream(SamplingParams(tempo=60, bars=16, seed=5), sink, owner="me")
    while not sink.notes:
        await asyncio.sleep(0.001)
    assert engine.steps - engine.queue.opening_steps - crowd_steps <= 2
    assert not any(sink.ended.is_set() for sink in crowd)


async def test_ending_a_stream_frees_it_at_once_and_stops_its_notes(engine):
    sink = RecordingSink()
    stream = engine.start_stream(SamplingParams(bars=64, seed=9), sink, owner="me")
    assert stream.id in engine.streams
    while not sink.notes:
        await asyncio.sleep(0.001)
    assert engine.end_stream(stream.id, EndReason.STOPPED) is stream
    assert stream.id not in engine.streams
    assert engine.end_stream(stream.id, EndReason.STOPPED) is None
    heard = len(sink.notes)
    await asyncio.sleep(0.2)
    assert sink.notes == stream.sent_notes and len(sink.notes) == heard
    assert not sink.ended.is_set()  # ending on request does not call the sink back
