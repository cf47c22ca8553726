"""Workers stopping under live streams: SIGTERM saves the running streams as drafts before the
worker exits. SIGKILL of the worker writing a room's stream leaves the room told, the partial
song saved once by another worker, the dead worker's members gone and the host role passed on;
SIGKILL of the worker writing a studio stream leaves the notes streamed so far saved once as
the user's draft, and the user's client, reconnecting to another worker, told so."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import psutil
import pytest

from tests.conftest import LiveServer
from tests.scale.workers import workers
from tests.sockets.streaming import (
    Listener,
    drafts_of,
    eventually,
    get_bytes,
    get_json,
    midi_notes,
)
from tests.sockets.test_rooms import FAST, Member, notes_of, open_room

LONG_ROOM = FAST | {"tempo": 240, "bars": 64}  # paced: about a minute, still live when killed
STORED_SECONDS = 1.5  # live notes are stored about once a second: wait for one store at least


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


async def test_sigkill_of_the_streaming_worker_saves_the_room_piece_once_and_moves_the_host(
    paced_pair,
):
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
    await asyncio.sleep(STORED_SECONDS)
    kill_with_workers(first.pid)
    lost = await guest.wait_for("generate:error", timeout=15)
    assert lost == {"stream_id": ack["stream_id"], "error": lost["error"]}
    assert lost["error"]["code"] == "worker_lost"
    piece = await guest.wait_for("room:piece", lambda p: p.get("song_id") is not None)
    drafts = await drafts_of(second, host_cookie)
    assert [d["id"] for d in drafts] == [piece["song_id"]]
    assert 0 < drafts[0]["note_count"] <= len(notes_of(guest, ack["stream_id"]))
    assert (await guest.call("room:chat", {"text": "still here"}))["ok"]
    # The host's connection died with its worker: they are gone, and the guest hosts now.
    gone = await guest.wait_for("room:presence", lambda p: p["present"] is False)
    assert gone["member"]["id"] == host.user_id
    info = await guest.wait_for("room:info", lambda info: info["host_id"] == guest.user_id)
    assert info["owner_id"] == host.user_id
    again = await guest.call("room:generate", FAST)
    assert again["ok"], again
    await guest.wait_for("generate:done", lambda d: d["stream_id"] == again["stream_id"])
    host = await Member(second, host_cookie).connect()
    joined = await host.join(room)
    assert [m["id"] for m in joined["members"]] == [guest.user_id, host.user_id]
    await asyncio.sleep(2)
    assert [d["id"] for d in await drafts_of(second, host_cookie)] == [piece["song_id"]]
    for member in (host, guest):
        await member.sio.disconnect()


async def test_sigkill_of_the_streaming_worker_saves_the_studio_stream_once(paced_pair):
    first, second = paced_pair
    cookie = await first.session_cookie()
    listener = await Listener().connect(first, cookie)
    stream_id = (await listener.start(tempo=120, bars=64))["stream_id"]
    await listener.wait_for_notes(stream_id, 4)
    await asyncio.sleep(STORED_SECONDS)
    assert (await get_json(second, cookie, "/api/songs"))["total"] == 0  # being written: no song
    kill_with_workers(first.pid)
    back = await Listener().connect(second, cookie)  # the client reconnects, to another worker
    lost = await asyncio.wait_for(back.done[stream_id], 15)
    assert lost == {"stream_id": stream_id, "error": lost["error"], "song_id": lost["song_id"]}
    assert lost["error"]["code"] == "worker_lost"
    drafts = await drafts_of(second, cookie)
    assert [draft["id"] for draft in drafts] == [lost["song_id"]]
    midi = await get_bytes(second, cookie, f"/api/songs/{lost['song_id']}/midi")
    streamed = listener.triples(stream_id)
    assert 0 < len(midi_notes(midi)) <= len(streamed)
    assert midi_notes(midi) == streamed[: len(midi_notes(midi))]
    await asyncio.sleep(2)  # every worker sweeps once a second: none saves it again
    assert (await get_json(second, cookie, "/api/songs"))["total"] == 1
    assert (await get_json(second, cookie, "/api/songs"))["songs"][0]["parameters"]["bars"] == 64
    again = await Listener().connect(second, cookie)
    await asyncio.sleep(2)  # the notice was delivered once: a later connection is not told
    assert stream_id not in again.done
    for client in (back, again):
        await client.sio.disconnect()


def kill_with_workers(pid: int) -> None:
    """SIGKILL Hypercorn and its worker processes (the ones that own the streams)."""
    parent = psutil.Process(pid)
    for process in [*parent.children(recursive=True), parent]:
        process.send_signal(signal.SIGKILL)


async def test_the_chords_of_a_room_piece_reach_every_worker_and_its_recovered_draft(paced_pair):
    first, second = paced_pair
    host_cookie = await first.session_cookie()
    host = await Member(first, host_cookie).connect()
    guest = await Member(second, await second.session_cookie(source="127.0.0.3")).connect()
    room = await open_room(host)
    ack = await host.call("room:generate", LONG_ROOM | {"chords": "Am | F C | G"})
    assert ack["ok"], ack
    await host.wait_for("generate:notes", lambda frame: frame["stream_id"] == ack["stream_id"])
    snapshot = await guest.join(room)  # the piece as the other worker reads it
    assert snapshot["piece"]["stream_id"] == ack["stream_id"]
    assert snapshot["piece"]["chords"] == ack["chords"]
    while len(notes_of(guest, ack["stream_id"])) < 8:
        await asyncio.sleep(0.05)
    await asyncio.sleep(STORED_SECONDS)
    kill_with_workers(first.pid)
    piece = await guest.wait_for("room:piece", lambda p: p.get("song_id") is not None, 15)
    assert piece["chords"] == ack["chords"]
    [draft] = await drafts_of(second, host_cookie)
    assert draft["id"] == piece["song_id"]
    assert draft["parameters"]["chords"][:2] == [["A:min", 0, 48], ["F:maj", 48, 24]]
    await guest.sio.disconnect()
