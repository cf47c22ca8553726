"""One deployment, two worker processes: a login made through one holds on the other, logging
out through one closes that login's sockets on the other, and a room whose members are
connected to different workers shares chat, presence and one live generation, in order, and
hears a note a member played on either worker at one scheduled room-clock time."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import LiveServer, unique_email
from tests.scale.workers import workers
from tests.sockets.logins import Socket, http, login
from tests.sockets.streaming import Listener
from tests.sockets.test_rooms import FAST, Member, notes_of, open_room


@pytest.fixture
def pair(tmp_path, postgres_url, redis_url, channel) -> Iterator[list[LiveServer]]:
    with workers(tmp_path, postgres_url, redis_url, channel) as servers:
        yield servers


async def test_a_login_through_one_worker_holds_on_the_other(pair):
    first, second = pair
    cookie = await first.session_cookie()
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
        async with http.get(f"{second.base_url}/api/me") as response:
            assert response.status == 200
            assert (await response.json())["display_name"] == "Live"
        async with http.get(f"{second.base_url}/healthz") as response:
            assert (await response.json())["redis"] == "ok"


async def test_logging_out_on_one_worker_closes_that_logins_socket_on_the_other(pair):
    first, second = pair
    email = unique_email()
    cookie = await first.session_cookie(email=email)
    leaving = await Socket(second, cookie).connect()
    staying = await Socket(second, await login(second, email)).connect()
    status, _ = await http(first, cookie, "POST", "/api/auth/logout")
    assert status == 204
    assert await leaving.disconnected()
    assert (await staying.call("clock:ping"))["ok"] and staying.sio.connected
    await staying.sio.disconnect()


async def test_a_room_spread_over_two_workers_hears_chat_presence_and_generation(pair):
    first, second = pair
    host = await Member(first, await first.session_cookie()).connect()
    guest = await Member(second, await second.session_cookie(source="127.0.0.2")).connect()
    try:
        room = await open_room(host)
        await guest.join(room)
        arrived = await host.wait_for("room:presence", lambda p: p["present"] is True)
        assert arrived["member"]["id"] == guest.user_id
        assert (await guest.call("room:chat", {"text": "hello from the other worker"}))["ok"]
        assert (await host.wait_for("room:chat"))["text"] == "hello from the other worker"
        ack = await host.call("room:generate", FAST | {"bars": 4})
        assert ack["ok"], ack
        stream_id = ack["stream_id"]
        dones = [
            await member.wait_for("generate:done", lambda d: d["stream_id"] == stream_id)
            for member in (host, guest)
        ]
        assert dones[0]["song_id"] and dones[0] == dones[1]
        heard = [notes_of(member, stream_id) for member in (host, guest)]
        assert heard[0] and heard[0] == heard[1]
        assert [note["index"] for note in heard[1]] == list(range(len(heard[1])))
        await guest.sio.disconnect()
        left = await host.wait_for("room:presence", lambda p: p["present"] is False)
        assert left["member"]["id"] == guest.user_id
    finally:
        for member in (host, guest):
            await member.sio.disconnect()


async def test_a_studio_streams_frames_stay_on_its_worker_and_a_rooms_cross(
    pair, redis_url, channel
):
    """A studio stream's client is always on the worker writing it: its frames are not published
    to the other workers (who could do nothing with them); a room's still reach them."""
    first, second = pair
    redis = aioredis.from_url(redis_url)
    published = redis.pubsub()
    await published.subscribe(channel)
    listener = await Listener().connect(first, await first.session_cookie(source="127.0.0.3"))
    host = await Member(first, await first.session_cookie()).connect()
    guest = await Member(second, await second.session_cookie(source="127.0.0.2")).connect()
    try:
        song_id, notes = await listener.stream(bars=2, tempo=120)
        assert song_id and notes
        room = await open_room(host)
        await guest.join(room)
        ack = await host.call("room:generate", FAST | {"bars": 2})
        assert ack["ok"], ack
        await guest.wait_for("generate:done", lambda done: done["stream_id"] == ack["stream_id"])
        events = await published_events(published)
        to_listener = {event for event, address in events if address == listener.sio.get_sid()}
        assert to_listener.isdisjoint({"generate:notes", "generate:done"}), to_listener
        room_frames = {address for event, address in events if event == "generate:notes"}
        assert room_frames, events  # the room's frames, for the guest on the other worker
    finally:
        await published.aclose()
        await redis.aclose()
        for client in (listener, host, guest):
            await client.sio.disconnect()


async def published_events(pubsub: aioredis.client.PubSub) -> set[tuple[str, str]]:
    """(event, address) of every emit published on the channel so far."""
    events = set()
    while (message := await pubsub.get_message(timeout=0.5)) is not None:
        data = json.loads(message["data"]) if message["type"] == "message" else {}
        if data.get("method") == "emit":
            events.add((data["event"], data["room"]))
    return events


async def test_a_note_played_on_one_worker_reaches_a_member_on_the_other_at_its_time(pair):
    first, second = pair
    host = await Member(first, await first.session_cookie()).connect()
    guest = await Member(second, await second.session_cookie(source="127.0.0.2")).connect()
    near = await Member(first, await first.session_cookie(source="127.0.0.3")).connect()
    try:
        room = await open_room(host)
        await guest.join(room)
        await near.join(room)
        played_ms = time.time_ns() / 1_000_000
        ack = await host.call("jam:note", {"pitch": 62, "on": True, "played_ms": played_ms})
        assert ack["ok"], ack
        heard = [await member.wait_for("jam:note") for member in (guest, near)]
        assert heard[0] == heard[1] and heard[0]["at_ms"] == ack["at_ms"]
        assert (heard[0]["user_id"], heard[0]["pitch"]) == (host.user_id, 62)
        back = await guest.call("jam:note", {"pitch": 65, "on": True, "played_ms": played_ms})
        assert (await host.wait_for("jam:note"))["at_ms"] == back["at_ms"]
    finally:
        for member in (host, guest, near):
            await member.sio.disconnect()
