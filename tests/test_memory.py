"""The server holds glibc's mmap threshold, which keeps a long-running worker's memory flat
(server/memory.py); the machines it runs on use glibc. A worker freezes its start-up heap, so
that full collections are short, and still makes them often enough that cycles do not pile up;
what a stream leaves when it ends is freed without them."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio
from quart import Quart

from server import memory
from server.app import create_app
from server.config import Config
from server.memory import hold_mmap_threshold
from server.models.user import User
from server.services import room_presence, rooms
from server.services.registry import services
from server.services.room_broker import RoomBroker
from server.services.stream_params import params_from_payload
from server.services.studio_live import StudioLive
from server.sockets.outbox import Outbox
from server.sockets.rooms import RoomOutbox
from tests.conftest import PASSWORD, config_for_tests, unique_email


def test_the_mmap_threshold_is_held_on_glibc():
    assert hold_mmap_threshold() is True


@pytest.fixture
def unsettled_heap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """CPython's own collector settings, as a process starts, restored afterwards."""
    thresholds = gc.get_threshold()
    monkeypatch.setattr(memory, "_heap_settled", False)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*thresholds)


async def test_a_worker_freezes_its_start_up_heap_once_its_models_are_loaded(
    config: Config, unsettled_heap: None
):
    app = create_app(config)
    assert gc.get_freeze_count() == 0
    async with app.test_app():
        assert services(app).generation is not None  # the models are loaded
        assert gc.get_freeze_count() > 10_000  # modules, models, the app: out of every collection
        assert gc.get_threshold() == memory.GC_THRESHOLDS
        frozen = gc.get_freeze_count()
        assert memory.settle_heap() is False  # once a process
        assert gc.get_freeze_count() == frozen


def test_a_settled_worker_still_collects_cycles_that_outlived_young_collections(
    unsettled_heap: None,
):
    """Objects that live a while (a connection's, a stream's) reach the older generations, and
    when they die in a cycle only a full collection frees them. With young collections made
    rarer, full ones must still come within about as many new objects as CPython's settings
    allow (one in 70,000), not once in millions (docs/performance.md, "Soak")."""
    assert memory.settle_heap() is True
    full = gc.get_stats()[2]["collections"]
    alive: deque[list] = deque(maxlen=20_000)  # each cycle outlives a young collection
    for _ in range(300_000):
        cycle: list = []
        cycle.append(cycle)
        alive.append(cycle)
    assert gc.get_stats()[2]["collections"] > full


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Only reference counting frees anything: what a cycle holds stays."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


async def eventually_freed(ref: weakref.ref, seconds: float = 5.0) -> bool:
    """Whether `ref`'s object goes within `seconds` (the stream queue lets go of an ended stream
    at the time its next notes would have been due)."""
    deadline = time.monotonic() + seconds
    while ref() is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return ref() is None


async def signed_up(app: Quart, name: str) -> User:
    user = User(email=unique_email(), display_name=name)
    await user.set_password(PASSWORD, app.extensions["password_hasher"])
    await user.save()
    return user


@pytest.mark.parametrize("ending", ["complete", "stopped", "disconnected"])
async def test_a_studio_stream_is_freed_once_saved_without_the_cycle_collector(
    tmp_path: Path, database_url: str, no_collector: None, ending: str
):
    paced = ending != "complete"
    app = create_app(config_for_tests(tmp_path, database_url, stream_pacing=paced))
    async with app.test_app():
        user = await signed_up(app, "Listener")
        held = services(app)
        studio = StudioLive(Outbox(socketio.AsyncServer(async_mode="asgi")), held)
        request = {"genre": "jazz", "tempo": 240, "bars": 2 if ending == "complete" else 32}
        stream = await studio.start("sid", user.id, request | {"seed": 5})
        ref = weakref.ref(stream)
        while not stream.notes:  # its opening is written
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # a few frames sent: the sink keeps the stream for storing
        if ending == "stopped":
            assert (await studio.stop(user.id, stream.id, discard=False))["saving"] is True
        elif ending == "disconnected":
            await studio.disconnected("sid")
        del stream
        await held.live_generation().wait_settled(timeout=10.0)
        assert not held.live_generation().unsettled  # saved
        assert await eventually_freed(ref)


@pytest.mark.parametrize("accompany", [False, True], ids=["written", "accompanying"])
async def test_a_room_piece_is_freed_once_saved_without_the_cycle_collector(
    tmp_path: Path, database_url: str, no_collector: None, accompany: bool
):
    app = create_app(config_for_tests(tmp_path, database_url, stream_pacing=False))
    async with app.test_app():
        host = await signed_up(app, "Host")
        held = services(app)
        sio = socketio.AsyncServer(async_mode="asgi")
        broker = RoomBroker(sio, RoomOutbox(sio), held.live_generation, held.worker_id)
        room = await rooms.create_room(host, "Freed")
        await room_presence.join(room, host, "sid", held.worker_id)  # the host, connected
        params, extra = params_from_payload({"genre": "jazz", "tempo": 240, "bars": 2, "seed": 5})
        ack = await broker.generate("sid", params, extra, accompany=accompany)
        ref = weakref.ref(held.live_generation().unsettled[ack["stream_id"]])
        await held.live_generation().wait_settled(timeout=10.0)
        assert not held.live_generation().unsettled  # saved
        assert broker.live_stream(room.id) is None
        assert await eventually_freed(ref)
