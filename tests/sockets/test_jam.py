"""Room jams through a real Hypercorn and real python-socketio clients: a member's played notes
reach every other member at one scheduled room-clock time, one fixed look-ahead after they were
played; bad notes, floods, leavers and removed members are refused by name; a member who comes
back plays on; the jam is saved as one song with a track per member and one for the model."""

from __future__ import annotations

import asyncio
import io
import time

import aiohttp
import mido
import pytest

from server.services.room_jam import JAM_BURST, JAM_LEAD_MS
from tests.sockets import test_rooms
from tests.sockets.test_rooms import FAST, Member, open_room

# The rooms tests' fixtures: a live server for this module and a builder of its members.
server, people = test_rooms.server, test_rooms.people


def now_ms() -> float:
    """The room clock as a client on the server's machine reads it (offset 0)."""
    return time.time_ns() / 1_000_000


def note(pitch: int = 60, on: bool = True, **fields) -> dict:
    return {"pitch": pitch, "on": on, "velocity": 100, "played_ms": now_ms()} | fields


def heard(member: Member, user_id: int) -> list[dict]:
    return [n for n in member.events["jam:note"] if n["user_id"] == user_id]


async def jam_room(people, count: int) -> tuple[dict, list[Member]]:
    members = await people(count)
    room = await open_room(members[0])
    for member in members[1:]:
        await member.join(room)
    return room, members


async def test_a_played_note_reaches_every_other_member_at_one_scheduled_time(people):
    _, (host, first, second) = await jam_room(people, 3)
    sent = note(64)
    ack = await first.call("jam:note", sent)
    assert ack["ok"], ack
    assert ack["at_ms"] == pytest.approx(sent["played_ms"] + JAM_LEAD_MS)
    got = [await m.wait_for("jam:note") for m in (host, second)]
    assert (
        got[0]
        == got[1]
        == {
            "user_id": first.user_id,
            "pitch": 64,
            "velocity": 100,
            "on": True,
            "at_ms": ack["at_ms"],
        }
    )
    off = await first.call("jam:note", note(64, on=False))
    assert off["ok"] and off["at_ms"] > ack["at_ms"]
    offs = [await m.wait_for("jam:note", lambda n: n["on"] is False) for m in (host, second)]
    assert offs[0] == offs[1] and offs[0]["velocity"] == 0 and offs[0]["at_ms"] == off["at_ms"]
    await asyncio.sleep(0.1)
    assert first.events["jam:note"] == []  # the player hears themself at once, locally


async def test_a_note_played_late_or_early_is_still_scheduled_ahead_of_now(people):
    _, (host, guest) = await jam_room(people, 2)
    for played_ms in (now_ms() - 5_000, now_ms() + 5_000):
        before = now_ms()
        ack = await guest.call("jam:note", note(played_ms=played_ms))
        assert before <= ack["at_ms"] <= now_ms() + JAM_LEAD_MS


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (["not", "an", "object"], "payload"),
        ({"on": True, "played_ms": 1.0}, "pitch"),
        (note(128), "pitch"),
        (note(60.5), "pitch"),
        (note(True), "pitch"),
        (note(on="yes"), "on"),
        (note(velocity=0), "velocity"),
        (note(velocity=128), "velocity"),
        (note(played_ms="now"), "played_ms"),
        (note(played_ms=None), "played_ms"),
    ],
)
async def test_a_malformed_note_is_refused_by_name_and_nobody_hears_it(people, payload, field):
    _, (host, guest) = await jam_room(people, 2)
    refused = await guest.call("jam:note", payload)
    assert refused["ok"] is False
    assert (refused["error"]["code"], refused["error"]["field"]) == ("invalid_params", field)
    await asyncio.sleep(0.1)
    assert host.events["jam:note"] == []


async def test_a_flood_from_one_member_is_refused_and_the_others_play_on(people):
    _, (host, flooder, player) = await jam_room(people, 3)
    flood = [flooder.call("jam:note", note(60 + n % 12, on=n % 2 == 0)) for n in range(1000)]
    played = [player.call("jam:note", note(72 + n, on=True)) for n in range(5)]
    acks = await asyncio.gather(*flood, *played)
    flooded, others = acks[:1000], acks[1000:]
    accepted = sum(ack["ok"] for ack in flooded)
    assert JAM_BURST <= accepted < 1000
    refused = [ack["error"] for ack in flooded if not ack["ok"]]
    assert {error["code"] for error in refused} == {"rate_limited"}
    assert all(ack["ok"] for ack in others), others
    pitches = {n["pitch"] for n in await wait_for_count(host, player.user_id, 5)}
    assert pitches == {72, 73, 74, 75, 76}
    await wait_for_count(host, flooder.user_id, accepted)


async def wait_for_count(member: Member, user_id: int, count: int) -> list[dict]:
    await member.wait_for("jam:note", lambda _: len(heard(member, user_id)) >= count)
    return heard(member, user_id)


async def test_only_members_play_and_a_member_who_comes_back_plays_on(people, server):
    room, (host, guest, leaver) = await jam_room(people, 3)
    await leaver.call("room:leave")
    assert (await leaver.call("jam:note", note()))["error"]["code"] == "not_in_room"
    await guest.sio.disconnect()
    back = await Member(server, guest.cookie).connect()
    try:
        await back.join(room)
        assert (await back.call("jam:note", note(67)))["ok"]
        assert (await host.wait_for("jam:note"))["pitch"] == 67
    finally:
        await back.sio.disconnect()


async def test_a_removed_member_can_no_longer_play(people):
    room, (host, guest) = await jam_room(people, 2)
    assert (await host.call("room:remove", {"user_id": guest.user_id}))["ok"]
    await guest.wait_for("room:removed")
    assert (await guest.call("jam:note", note()))["error"]["code"] == "not_in_room"
    assert (await guest.call("room:join", {"token": room["invite_path"].split("/")[-1]}))["error"][
        "code"
    ] == "removed"


async def test_the_jam_is_saved_with_a_track_per_member_and_one_for_the_model(people):
    _, (host, guest) = await jam_room(people, 2)
    assert (await host.call("jam:save"))["error"]["code"] == "nothing_playing"
    ack = await host.call("room:generate", FAST)
    assert ack["ok"], ack
    await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"])
    for member, pitch in ((host, 48), (guest, 76), (guest, 79)):
        assert (await member.call("jam:note", note(pitch)))["ok"]
    assert (await guest.call("jam:note", note(76, on=False)))["ok"]
    saved = await guest.call("jam:save")
    assert saved["ok"], saved
    status, song = await guest.http("GET", f"/api/songs/{saved['song_id']}")
    assert status == 200 and song["source_kind"] == "room"
    assert [m["user_id"] for m in song["parameters"]["jam"]["members"]] == [
        host.user_id,
        guest.user_id,
    ]
    tracks = await midi_tracks(guest, song["midi_url"])
    assert tracks["Cadenza"] and sorted(tracks["Live"]) == [48, 76, 79]


async def midi_tracks(member: Member, url: str) -> dict[str, list[int]]:
    """Track name -> the pitches of its notes, from the song's MIDI file; members are all named
    "Live" by the test server's sign-up, so their tracks' notes are pooled."""
    async with aiohttp.ClientSession(headers={"Cookie": member.cookie}) as http:
        async with http.get(member.server.base_url + url) as response:
            data = await response.read()
    tracks: dict[str, list[int]] = {}
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks:
        pitches = [m.note for m in track if m.type == "note_on" and m.velocity > 0]
        tracks.setdefault(track.name, []).extend(pitches)
    return tracks
