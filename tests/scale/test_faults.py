"""Workers stopping under live streams: SIGTERM saves the running streams as drafts before the
worker exits; SIGKILL of the worker writing a room's stream leaves the room told, the partial
song saved once by another worker, and the room usable."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import psutil
import pytest

from tests.conftest import LiveServer
from tests.scale.workers import workers
from tests.sockets.streaming import Listener, drafts_of, eventually
from tests.sockets.test_rooms import FAST, Member, notes_of, open_room

LONG_ROOM = FAST | {"tempo": 240, "bars": 64}  # paced: about a minute, still live when killed


@pytest.fixture
def paced_pair(tmp_path, postgres_url, redis_url, channel) -> Iterator[list[LiveServer]]:
    with workers(tmp_path, postgres_url, redis_url, channel, CADENZA_STREAM_PACING="on") as pair:
        yield pair


async def test_sigterm_saves_the_running_stream_as_a_draft(paced_pair):
    first, second = paced_pair
    cookie = await first.session_cookie()
    listener = await Listener().connect(first, cookie)
    ack = await listener.start(tempo=120, bars=64)
    await listener.wait_for_notes(ack["stream_id"], 4)
    os.kill(first.pid, signal.SIGTERM)
    drafts = await eventually(lambda: drafts_of(second, cookie), bool, timeout=15)
    assert len(drafts) == 1 and drafts[0]["note_count"] >= 4


async def test_sigkill_of_the_streaming_worker_saves_the_room_piece_once(paced_pair):
    first, second = paced_pair
    host_cookie = await first.session_cookie()
    host = await Member(first, host_cookie).connect()
    guest = await Member(second, await second.session_cookie(source="127.0.0.2")).connect()
    room = await open_room(host)
    await guest.join(room)
    ack = await host.call("room:generate", LONG_ROOM)
    assert ack["ok"], ack
    while len(notes_of(guest, ack["stream_id"])) < 8:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # the piece's notes are stored about once a second
    kill_with_workers(first.pid)
    lost = await guest.wait_for("generate:error", timeout=15)
    assert lost == {"stream_id": ack["stream_id"], "error": lost["error"]}
    assert lost["error"]["code"] == "worker_lost"
    piece = await guest.wait_for("room:piece", lambda p: p.get("song_id") is not None)
    drafts = await drafts_of(second, host_cookie)
    assert [d["id"] for d in drafts] == [piece["song_id"]]
    assert 0 < drafts[0]["note_count"] <= len(notes_of(guest, ack["stream_id"]))
    assert (await guest.call("room:chat", {"text": "still here"}))["ok"]
    host = await Member(second, host_cookie).connect()
    await host.join(room)
    again = await host.call("room:generate", FAST)
    assert again["ok"], again
    await guest.wait_for("generate:done", lambda d: d["stream_id"] == again["stream_id"])
    await asyncio.sleep(2)
    assert [d["id"] for d in await drafts_of(second, host_cookie)] == [piece["song_id"]]
    for member in (host, guest):
        await member.sio.disconnect()


def kill_with_workers(pid: int) -> None:
    """SIGKILL Hypercorn and its worker processes (the ones that own the streams)."""
    parent = psutil.Process(pid)
    for process in [*parent.children(recursive=True), parent]:
        process.send_signal(signal.SIGKILL)
