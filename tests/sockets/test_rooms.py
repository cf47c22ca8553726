"""Listening rooms through a real Hypercorn and two or three real python-socketio clients: join
by link, presence, chat for members only, host-only controls, host hand-over, late joiners at
the current position, a live generation heard by every member and saved for the host, and a
member's copy of what the room played."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import socketio

from tests.conftest import LiveServer
from tests.sockets.streaming import start_server

FAST = {"key": "D", "mode": "minor", "tempo": 240, "bars": 2, "seed": 5, "instrument": "pluck"}
EVENTS = (
    "room:state",
    "room:piece",
    "room:presence",
    "room:info",
    "room:chat",
    "room:closed",
    "room:removed",
    "generate:notes",
    "generate:done",
    "generate:error",
    "jam:note",
    "jam:proposal",
    "jam:steer",
    "jam:solo",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases) -> Iterator[LiveServer]:
    """Live generation on (random weights, written flat out); sign-up limits off."""
    env = {"CADENZA_STREAM_PACING": "off", "RATE_LIMITS": "off"}
    with start_server(tmp_path_factory, databases, **env) as live:
        yield live


class Member:
    """A logged-in socket client that records every room event it receives."""

    def __init__(self, server: LiveServer, cookie: str) -> None:
        self.server, self.cookie = server, cookie
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list[Any]] = defaultdict(list)
        for event in EVENTS:
            self.sio.on(event, lambda payload, event=event: self.events[event].append(payload))
        self.user_id: int | None = None

    async def connect(self) -> Member:
        await self.sio.connect(
            self.server.base_url,
            headers={"Cookie": self.cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
        return self

    async def call(self, event: str, data: Any = None) -> dict:
        return await self.sio.call(event, data, timeout=10)

    async def join(self, room: dict) -> dict:
        ack = await self.call("room:join", {"token": room["invite_path"].split("/")[-1]})
        assert ack["ok"], ack
        self.user_id = ack["you"]
        return ack

    async def wait_for(
        self, event: str, matches: Callable[[Any], bool] = lambda _: True, timeout: float = 10
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [payload for payload in self.events[event] if matches(payload)]
            if found:
                return found[-1]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no {event} matching within {timeout} s: {self.events[event]}")

    async def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        csrf = dict(part.split("=", 1) for part in self.cookie.split("; "))["csrf_token"]
        headers = {"Cookie": self.cookie, "X-CSRF-Token": csrf}
        async with aiohttp.ClientSession(headers=headers) as http:
            async with http.request(method, self.server.base_url + path, json=body) as response:
                text = await response.text()
                return response.status, json.loads(text) if text else None


@asynccontextmanager
async def members_from(server: LiveServer, *sources: str) -> AsyncIterator[list[Member]]:
    """A new user signed up from each address in `sources`, connected; closed afterwards."""
    made = []
    for source in sources:
        cookie = await server.session_cookie(source=source)
        made.append(await Member(server, cookie).connect())
    try:
        yield made
    finally:
        for member in made:
            await member.sio.disconnect()


@pytest.fixture
async def people(server) -> AsyncIterator[Callable]:
    """Builder: `await people(n)` is n new users, each connected once, to the module's server
    (or `on` another, signing up from `source`); closed after the test."""
    members: list[Member] = []

    async def make(count: int, on: LiveServer | None = None, source: str = "127.0.0.1"):
        live = on or server
        cookies = [await live.session_cookie(source=source) for _ in range(count)]
        made = [await Member(live, cookie).connect() for cookie in cookies]
        members.extend(made)
        return made

    yield make
    for member in members:
        await member.sio.disconnect()


async def open_room(host: Member, name: str = "Listening club") -> dict:
    status, room = await host.http("POST", "/api/rooms", {"name": name})
    assert status == 201, room
    await host.join(room)
    return room


async def saved_song(host: Member) -> str:
    """A song in the host's library, written by the studio's live generation."""
    ack = await host.call("generate:start", FAST)
    assert ack["ok"], ack
    done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"])
    return done["song_id"]


def notes_of(member: Member, stream_id: str) -> list[dict]:
    frames = [frame for frame in member.events["generate:notes"] if frame["stream_id"] == stream_id]
    return [note for frame in frames for note in frame["notes"]]


async def test_members_join_by_link_and_see_each_other_come_and_go(people):
    host, guest = await people(2)
    room = await open_room(host)
    snapshot = await guest.join(room)
    assert snapshot["room"]["name"] == "Listening club"
    assert [(m["id"], m["host"]) for m in snapshot["members"]] == [
        (host.user_id, True),
        (guest.user_id, False),
    ]
    arrived = await host.wait_for("room:presence", lambda p: p["member"]["id"] == guest.user_id)
    assert arrived["present"] is True and arrived["member"]["display_name"] == "Live"
    await guest.sio.disconnect()
    left = await host.wait_for("room:presence", lambda p: p["present"] is False)
    assert left["member"]["id"] == guest.user_id
    status, listed = await host.http("GET", "/api/rooms")
    assert listed["rooms"][0]["present_count"] == 1


async def test_chat_reaches_members_only_and_stays_plain_text(people):
    host, guest, outsider = await people(3)
    room = await open_room(host)
    await guest.join(room)
    text = "<img src=x onerror=alert(1)> hello"
    sent = await guest.call("room:chat", {"text": f"  {text} "})
    assert sent["ok"] and sent["message"]["text"] == text
    heard = await host.wait_for("room:chat")
    assert (heard["text"], heard["user_id"]) == (text, guest.user_id)
    assert (await outsider.call("room:chat", {"text": "let me in"}))["error"]["code"] == (
        "not_in_room"
    )
    too_long = await guest.call("room:chat", {"text": "x" * 501})
    assert too_long["error"]["code"] == "invalid_params" and too_long["error"]["field"] == "text"
    for number in range(4):
        assert (await guest.call("room:chat", {"text": f"line {number}"}))["ok"]
    assert (await guest.call("room:chat", {"text": "spam"}))["error"]["code"] == "rate_limited"
    late = await outsider.join(room)
    assert [m["text"] for m in late["messages"]] == [text, "line 0", "line 1", "line 2", "line 3"]
    await asyncio.sleep(0.2)
    assert outsider.events["room:chat"] == []  # nothing from before it joined


async def test_a_wrong_token_is_refused_and_hears_nothing(people):
    host, stranger = await people(2)
    room = await open_room(host)
    token = room["invite_path"].split("/")[-1]
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "short", None, room["id"]):
        refused = await stranger.call("room:join", {"token": wrong})
        assert refused["ok"] is False and refused["error"]["code"] == "room_not_found"
    await host.call("room:chat", {"text": "members only"})
    assert (await stranger.call("room:pause"))["error"]["code"] == "not_in_room"
    await asyncio.sleep(0.2)
    assert not any(stranger.events.values())


async def test_a_member_cannot_control_the_hosts_playback(people):
    host, guest = await people(2)
    room = await open_room(host)
    song_id = await saved_song(host)
    await guest.join(room)
    refused = await guest.call("room:play", {"song_id": song_id})
    assert refused["error"]["code"] == "not_host"
    assert (await host.call("room:play", {"song_id": song_id}))["ok"]
    piece = await guest.wait_for("room:piece")
    assert piece["song_id"] == song_id and piece["notes"] and piece["instrument"] == "pluck"
    for event, data in [
        ("room:pause", None),
        ("room:seek", {"beats": 1}),
        ("room:tempo", {"tempo": 90}),
    ]:
        assert (await guest.call(event, data))["error"]["code"] == "not_host", event
    state = (await host.call("room:pause"))["state"]
    heard = await guest.wait_for("room:state", lambda s: s["revision"] == state["revision"])
    assert heard["playback"] == "paused" and heard == state | {"server_ms": heard["server_ms"]}
    assert (await guest.call("room:resume"))["error"]["code"] == "not_host"


async def test_the_host_role_passes_to_the_longest_present_member(people):
    owner, first, second = await people(3)
    room = await open_room(owner)
    await first.join(room)
    await second.join(room)
    await owner.sio.disconnect()
    for member in (first, second):
        info = await member.wait_for("room:info", lambda i: i["host_id"] == first.user_id)
        assert info["owner_id"] == owner.user_id
    assert (await second.call("room:pause"))["error"]["code"] == "not_host"
    assert (await first.call("room:host", {"user_id": second.user_id}))["ok"]
    await first.wait_for("room:info", lambda i: i["host_id"] == second.user_id)
    assert (await first.call("room:remove", {"user_id": second.user_id}))["error"]["code"] == (
        "not_owner"
    )


@pytest.mark.parametrize("nobody", [0, -1, 2**31, 2**63, True, "1"])
async def test_an_id_no_member_can_have_is_refused_with_a_reason(people, nobody):
    owner, guest = await people(2)
    await guest.join(await open_room(owner))
    removed = await owner.call("room:remove", {"user_id": nobody})
    assert removed["error"]["code"] in {"invalid_params", "not_a_member"}
    assert (await owner.call("room:host", {"user_id": nobody}))["error"]["code"] == "not_present"


async def test_the_owner_removes_a_member_for_good_and_closes_the_room(people):
    owner, guest, other = await people(3)
    room = await open_room(owner)
    await guest.join(room)
    await other.join(room)
    assert (await owner.call("room:remove", {"user_id": guest.user_id}))["ok"]
    await guest.wait_for("room:removed")
    await other.wait_for("room:presence", lambda p: p["present"] is False)
    assert (await guest.call("room:chat", {"text": "still here?"}))["error"]["code"] == (
        "not_in_room"
    )
    assert (await guest.call("room:join", {"token": room["invite_path"].split("/")[-1]}))["error"][
        "code"
    ] == "removed"
    assert (await owner.call("room:rename", {"name": "Renamed"}))["ok"]
    assert await other.wait_for("room:info", lambda i: i["name"] == "Renamed")
    assert (await owner.call("room:close"))["ok"]
    closed = await other.wait_for("room:closed")
    assert closed["reason"] == "closed_by_owner"
    status, _ = await other.http("GET", f"/api/rooms/invite/{room['invite_path'].split('/')[-1]}")
    assert status == 404


async def test_a_late_joiner_starts_at_the_current_position(people):
    host, late = await people(2)
    room = await open_room(host)
    song_id = await saved_song(host)
    await host.call("room:tempo", {"tempo": 100})  # nothing loaded yet
    assert (await host.call("room:play", {"song_id": song_id}))["ok"]
    seek = await host.call("room:seek", {"beats": 2.5})
    anchor = seek["state"]["anchor_ms"]
    await asyncio.sleep(0.8)
    snapshot = await late.join(room)
    state, piece = snapshot["state"], snapshot["piece"]
    assert state["playback"] == "playing" and state["anchor_ms"] == anchor
    elapsed_beats = (state["server_ms"] - anchor) * state["tempo"] / 60_000
    assert state["position_beats"] == pytest.approx(elapsed_beats)
    assert elapsed_beats > 2.5 + 0.3 * state["tempo"] / 60  # the seek, plus time since it sounded
    assert piece["song_id"] == song_id and len(piece["notes"]) == len(
        (await host.wait_for("room:piece"))["notes"]
    )


async def test_a_live_generation_reaches_every_member_in_order_and_is_saved_for_the_host(
    people,
):
    host, first, second = await people(3)
    room = await open_room(host)
    await first.join(room)
    await second.join(room)
    ack = await host.call("room:generate", FAST | {"bars": 4})
    assert ack["ok"], ack
    stream_id = ack["stream_id"]
    dones = [
        await m.wait_for("generate:done", lambda d: d["stream_id"] == stream_id)
        for m in (host, first, second)
    ]
    song_id = dones[0]["song_id"]
    assert song_id and all(done["song_id"] == song_id for done in dones)
    heard = [notes_of(member, stream_id) for member in (host, first, second)]
    assert heard[0] and heard[0] == heard[1] == heard[2]
    assert [note["index"] for note in heard[0]] == list(range(len(heard[0])))
    assert (await first.wait_for("room:piece"))["stream_id"] == stream_id
    status, songs = await host.http("GET", "/api/songs")
    saved = songs["songs"][0]
    assert (saved["id"], saved["source_kind"], saved["note_count"]) == (
        song_id,
        "room",
        len(heard[0]),
    )
    status, copy = await first.http("POST", f"/api/rooms/{room['id']}/copy")
    assert status == 201 and copy["note_count"] == len(heard[0]) and copy["source_kind"] == "room"
    status, mine = await first.http("GET", "/api/songs")
    assert [song["id"] for song in mine["songs"]] == [copy["id"]]


async def test_a_live_generation_with_bad_parameters_is_refused_naming_the_field(people):
    (host,) = await people(1)
    await open_room(host)
    refused = await host.call("room:generate", FAST | {"tempo": 500})
    assert refused["error"]["code"] == "invalid_params" and refused["error"]["field"] == "tempo"


async def test_the_clock_answers_with_server_time(people):
    (member,) = await people(1)
    before = time.time() * 1000
    ack = await member.call("clock:ping")
    after = time.time() * 1000
    assert ack["ok"] and before <= ack["server_ms"] <= after


async def test_a_member_joining_a_live_generation_gets_the_notes_so_far_then_the_rest(
    people, paced_server
):
    host, late = await people(2, on=paced_server, source="127.0.0.71")
    room = await open_room(host)
    stream_id = (await host.call("room:generate", FAST | {"tempo": 120, "bars": 8}))["stream_id"]
    await host.wait_for("generate:notes", lambda frame: frame["notes"][-1]["index"] >= 8)
    snapshot = await late.join(room)
    so_far = snapshot["piece"]["notes"]
    assert snapshot["piece"]["stream_id"] == stream_id and len(so_far) >= 8
    assert snapshot["state"]["playback"] == "playing"
    await late.wait_for("generate:done", timeout=40)
    later = [note for note in notes_of(late, stream_id) if note["index"] >= len(so_far)]
    heard = [(n["index"], n["pitch"], n["start"]) for n in so_far + later]
    everything = [(n["index"], n["pitch"], n["start"]) for n in notes_of(host, stream_id)]
    assert heard == everything


async def test_chords_of_a_live_piece_stay_with_it_for_late_joiners_replays_and_copies(people):
    host, late = await people(2)
    room = await open_room(host)
    ack = await host.call("room:generate", FAST | {"bars": 4, "chords": "Dm7 G7 | Cmaj7"})
    assert ack["ok"], ack
    symbols = ["Dm7", "G7", "Cmaj7", "Dm7", "G7", "Cmaj7"]
    assert [chord["symbol"] for chord in ack["chords"]] == symbols
    done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"])
    snapshot = await late.join(room)  # read from the stored piece, as on any other worker
    assert snapshot["piece"]["stream_id"] == ack["stream_id"]
    assert snapshot["piece"]["chords"] == ack["chords"]
    status, copy = await late.http("POST", f"/api/rooms/{room['id']}/copy")
    assert status == 201
    status, copied = await late.http("GET", f"/api/songs/{copy['id']}")
    assert len(copied["parameters"]["chords"]) == len(symbols)
    played = await host.call("room:play", {"song_id": done["song_id"]})
    assert played["ok"], played
    piece = await late.wait_for("room:piece", lambda p: p["id"] == played["piece_id"])
    assert piece["kind"] == "song" and piece["chords"] == ack["chords"]
