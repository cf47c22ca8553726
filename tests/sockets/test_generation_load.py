"""Live generation under load and at its edges: HTTP stays responsive while 50 streams run, a
client that stops reading is dropped with server memory bounded, and the app's start-up and
shutdown hooks run under the Socket.IO wrapper."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from types import SimpleNamespace

import aiohttp
import psutil

from server.asgi import create_asgi_app
from server.generation.sampler import SamplingParams
from server.models.song import Song
from server.services.registry import services
from tests.generation.random_checkpoint import write_lively_checkpoint
from tests.sockets.streaming import LONG, StalledClient, drafts_of


async def test_the_server_keeps_answering_http_while_50_streams_run(paced_server, listen):
    sources = [f"127.0.0.{2 + user // 8}" for user in range(17)]  # 8 sign-ups per address
    cookies = await asyncio.gather(*(paced_server.session_cookie(source=s) for s in sources))
    running = []
    for listener in [await listen(paced_server, cookie) for cookie in cookies]:
        for seed in range(3):
            ack = await listener.start(**LONG | {"tempo": 240, "seed": seed})
            running.append((listener, ack["stream_id"]))
    assert len(running) == 51
    waits = []
    async with aiohttp.ClientSession() as http:
        for _ in range(20):
            began = time.monotonic()
            async with http.get(f"{paced_server.base_url}/healthz") as response:
                assert response.status == 200
            waits.append(time.monotonic() - began)
            await asyncio.sleep(0.05)
    assert max(waits) < 0.5, waits
    assert all(listener.notes[stream_id] for listener, stream_id in running)


async def test_a_client_that_stops_reading_is_dropped_and_memory_stays_bounded(
    unpaced_server, request
):
    cookie = await unpaced_server.session_cookie()
    server = psutil.Process(unpaced_server.pid)
    stalled = StalledClient(unpaced_server, cookie)
    request.addfinalizer(stalled.socket.close)
    before = server.memory_info().rss
    drafts, deadline = [], time.monotonic() + 90  # the kernel buffers MBs on loopback first
    while not drafts and time.monotonic() < deadline:
        for seed in range(10):  # three play at once; the rest are refused until one ends
            stalled.emit("generate:start", {"bars": 128, "tempo": 240, "seed": seed})
            await asyncio.sleep(0.05)
        drafts = await drafts_of(unpaced_server, cookie)
    assert drafts, "the stalled client was never dropped"
    assert server.memory_info().rss - before < 30 * 1024 * 1024
    in_flight = await asyncio.to_thread(stalled.read_until_closed)
    assert in_flight < 4 * 1024 * 1024


async def test_start_up_and_shutdown_hooks_run_under_the_socket_wrapper(config, tmp_path):
    """Hypercorn sends lifespan events to the Socket.IO app, which hands them to Quart."""
    checkpoint = write_lively_checkpoint(tmp_path / "melody")
    asgi = create_asgi_app(dataclasses.replace(config, model_dir=checkpoint))
    incoming, outgoing = asyncio.Queue(), asyncio.Queue()
    quart_app = asgi.app.other_asgi_app  # behind the security-header and Socket.IO layers
    lifespan = asyncio.create_task(asgi({"type": "lifespan"}, incoming.get, outgoing.put))
    await incoming.put({"type": "lifespan.startup"})
    try:
        assert (await asyncio.wait_for(outgoing.get(), 10))["type"] == "lifespan.startup.complete"
        engine = services(quart_app).generation.engine
        assert await Song.all().count() == 0  # the database is open
        assert await run_one_stream(engine)
    finally:  # a failure above must not leave the database open for the tests after this one
        await incoming.put({"type": "lifespan.shutdown"})
        assert (await asyncio.wait_for(outgoing.get(), 10))["type"] == "lifespan.shutdown.complete"
    assert services(quart_app).generation is None
    await lifespan


async def run_one_stream(engine) -> list:
    """The notes of one short unpaced stream, written by the engine's running loop."""
    notes, ended = [], asyncio.Event()
    sink = SimpleNamespace(
        stream_notes=lambda stream, new, first: notes.extend(new),
        stream_ended=lambda s: ended.set(),
    )
    engine.start_stream(SamplingParams(bars=1, seed=1), sink, owner=0, paced=False)
    await asyncio.wait_for(ended.wait(), 10)
    return notes
