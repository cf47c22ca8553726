"""The melody network's steps in a process of their own: the same numbers as in the worker, the
same notes, nothing lost when the process dies, and no process left behind by a worker that
ends or is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from multiprocessing import shared_memory

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from server.config import REPO_ROOT
from server.generation import engine as engine_module
from server.generation.engine import GenerationEngine
from server.generation.live_stream import EndReason
from server.generation.lstm import INPUT_NAMES, LstmNetwork
from server.generation.network_process import NetworkProcess, NetworkProcessError
from server.generation.sampling_params import SamplingParams
from server.generation.stream_queue import MAX_BATCH
from tests.generation.random_checkpoint import lively_network
from tests.generation.test_engine import RecordingSink, run_unpaced


@pytest.fixture(scope="module")
def network() -> LstmNetwork:
    return lively_network()


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    """As the engine steps (`GenerationEngine.start`): with more threads a large batch sums
    in another order, and the same numbers are what the process promises."""
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture
async def process(network: LstmNetwork) -> AsyncIterator[NetworkProcess]:
    process = await NetworkProcess.started(network, MAX_BATCH)
    yield process
    await process.aclose()


def step_inputs(network: LstmNetwork, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    config = network.config
    rows = [len(table) for table in network.input_tables]
    ids = np.stack([rng.integers(0, rows[i], batch) for i in range(len(INPUT_NAMES))])
    state = rng.normal(size=(config.layers, 2, batch, config.hidden)).astype(np.float32)
    return ids.astype(np.int64), state


async def test_a_step_in_the_process_gives_the_workers_numbers_to_the_bit(network, process):
    for batch in (1, 2, 31, 33, 64, 129, MAX_BATCH):
        ids, state = step_inputs(network, batch, seed=batch)
        logits, new_state = network.step(ids, state)
        far_logits, far_state = await process.step(ids, state)
        assert np.array_equal(far_logits, logits) and np.array_equal(far_state, new_state)
    with pytest.raises(ValueError, match="at most"):
        await process.step(*step_inputs(network, MAX_BATCH + 1, seed=0))


async def test_a_step_the_process_cannot_take_is_an_error_and_the_next_step_goes_on(
    network, process
):
    ids, state = step_inputs(network, 4, seed=1)
    ids[0, 0] = 10**6  # no such pitch
    with pytest.raises(NetworkProcessError, match="IndexError"):
        await process.step(ids, state)
    ids, state = step_inputs(network, 4, seed=2)
    logits, _ = await process.step(ids, state)
    assert np.array_equal(logits, network.step(ids, state)[0])


async def test_a_process_ready_before_its_weights_are_all_sent_off_starts(network, monkeypatch):
    sending = NetworkProcess._send_weights

    def slow_to_return(self):
        sending(self)
        time.sleep(1.0)  # the process reads them, loads and answers meanwhile

    monkeypatch.setattr(NetworkProcess, "_send_weights", slow_to_return)
    process = await NetworkProcess.started(network, 8)
    try:
        assert process.alive
        ids, state = step_inputs(network, 2, seed=5)
        assert np.array_equal((await process.step(ids, state))[0], network.step(ids, state)[0])
    finally:
        await process.aclose()


async def test_closing_ends_the_process_and_frees_its_memory(network):
    process = await NetworkProcess.started(network, 8)
    pid, block = process.pid, process._block.name
    await process.aclose()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=block)


async def ready_engine(network: LstmNetwork) -> GenerationEngine:
    engine = GenerationEngine(network, own_process=True)
    engine.start()
    for _ in range(600):
        if engine.process is not None and engine.process.alive:
            return engine
        await asyncio.sleep(0.05)
    raise AssertionError("the network's process never became ready")


async def test_an_engine_with_its_network_in_a_process_writes_the_same_notes(network):
    requests = [SamplingParams(genre=g, bars=4, seed=s) for g in ("jazz", "folk") for s in (1, 2)]
    here = GenerationEngine(network)
    here.start()
    try:
        expected = await asyncio.gather(*(run_unpaced(here, p) for p in requests))
    finally:
        await here.aclose()
    engine = await ready_engine(network)
    try:
        answered = engine.process.steps
        sinks = await asyncio.gather(*(run_unpaced(engine, p) for p in requests))
        assert engine.process.steps > answered  # the steps went to the process
    finally:
        await engine.aclose()
    assert [s.triples() for s in sinks] == [s.triples() for s in expected]
    assert all(sink.reason is EndReason.COMPLETE for sink in sinks)


async def test_a_killed_network_process_loses_no_note_and_a_new_one_takes_over(
    network, monkeypatch
):
    monkeypatch.setattr(engine_module, "PROCESS_RESTART_SECONDS", 0.2)
    request = SamplingParams(genre="pop", bars=16, seed=9)
    here = GenerationEngine(network)
    here.start()
    try:
        expected = await run_unpaced(here, request)
    finally:
        await here.aclose()
    engine = await ready_engine(network)
    try:
        first = engine.process
        sink = RecordingSink()
        engine.start_stream(request, sink, owner="tester", paced=False)
        while not sink.notes:
            await asyncio.sleep(0.001)
        os.kill(first.pid, signal.SIGKILL)
        assert not sink.ended.is_set()  # killed while the stream is being written
        await asyncio.wait_for(sink.ended.wait(), 30)
        assert sink.reason is EndReason.COMPLETE
        assert sink.triples() == expected.triples()
        for _ in range(600):
            if engine.process is not None and engine.process is not first:
                break
            await asyncio.sleep(0.05)
        assert engine.process is not first and engine.process.alive
        again = await run_unpaced(engine, request)
        assert again.triples() == expected.triples()
    finally:
        await engine.aclose()


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for whoever adopted it to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_a_step_that_fails_in_the_process_fails_as_it_would_here_and_keeps_the_process(
    network,
):
    engine = await ready_engine(network)
    try:
        process = engine.process
        ids, state = step_inputs(network, 3, seed=3)
        ids[1, 0] = 10**6  # no such duration
        with pytest.raises(IndexError):
            await engine._network_step(ids, state)
        assert engine.process is process and process.alive
    finally:
        await engine.aclose()


async def test_a_network_process_that_dies_between_steps_is_replaced(network, monkeypatch):
    monkeypatch.setattr(engine_module, "PROCESS_RESTART_SECONDS", 0.2)
    engine = await ready_engine(network)
    try:
        first = engine.process
        os.kill(first.pid, signal.SIGKILL)
        while first.alive:  # the loop reads its end of the pipe
            await asyncio.sleep(0.01)
        request = SamplingParams(genre="rock", bars=2, seed=4)
        await run_unpaced(engine, request)
        for _ in range(600):
            if engine.process is not None and engine.process.alive:
                break
            await asyncio.sleep(0.05)
        assert engine.process is not first and engine.process.alive
        steps = engine.process.steps
        await run_unpaced(engine, request)
        assert engine.process.steps > steps
    finally:
        await engine.aclose()


async def test_a_network_process_that_cannot_start_is_tried_again(network, monkeypatch):
    monkeypatch.setattr(engine_module, "PROCESS_RESTART_SECONDS", 0.1)
    real = NetworkProcess.started
    tries = []

    async def failing_once(*args, **kwargs):
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("no process today")
        return await real(*args, **kwargs)

    monkeypatch.setattr(engine_module.NetworkProcess, "started", failing_once)
    engine = await ready_engine(network)
    try:
        assert len(tries) == 2
        sink = await run_unpaced(engine, SamplingParams(bars=1, seed=1))
        assert sink.reason is EndReason.COMPLETE
    finally:
        await engine.aclose()


KEEPER = """
import asyncio, sys
from server.generation.lstm import LstmNetwork
from server.generation.network_process import NetworkProcess
from server.generation.vocabulary import default_vocabulary

async def main():
    process = await NetworkProcess.started(LstmNetwork.random(default_vocabulary(), hidden=8), 4)
    print(process.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_a_killed_worker_leaves_no_network_process_behind():
    worker = subprocess.Popen(
        [sys.executable, "-c", KEEPER], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        pid = int(worker.stdout.readline())
        os.kill(pid, 0)  # running
        worker.kill()
        worker.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and running(pid):
            time.sleep(0.05)
        assert not running(pid), "the network's process outlived its worker"
    finally:
        worker.kill()
        worker.wait(10)
        worker.stdout.close()
