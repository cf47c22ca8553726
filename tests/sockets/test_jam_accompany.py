"""A room's live piece accompanying what its members play, written at its real pace: the chord of
each bar is committed ahead of time from what was played before, announced to every member
before its bar sounds, and the melody's chords and the band follow it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.sockets.test_rooms import Member, members_from, notes_of, open_room

# C major, a bar a second; an A minor phrase played over it should turn the chords to Am.
PIECE = {
    "genre": "rock",
    "key": "C",
    "tempo": 240,
    "bars": 12,
    "seed": 5,
    "band": True,
    "accompany": True,
}
A_MINOR_PHRASE = (57, 60, 64, 69, 64, 60)  # A C E A E C


def now_ms() -> float:
    return time.time() * 1000


class Announcements:
    """Every `jam:chord` a member gets, with the time it arrived (this machine's clock is the
    room clock)."""

    def __init__(self, member: Member) -> None:
        self.got: list[tuple[float, dict[str, Any]]] = []
        member.sio.on("jam:chord", lambda payload: self.got.append((now_ms(), payload)))

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [payload for _, payload in self.got]


@pytest.fixture
async def pair(paced_server) -> AsyncIterator[tuple[Member, Member]]:
    async with members_from(paced_server, "127.0.0.43", "127.0.0.44") as (host, guest):
        yield host, guest


async def play_phrase(member: Member, pitches: tuple[int, ...]) -> float:
    """Play `pitches` an eighth note apart (at 240 a minute); the time of the last note-off."""
    for pitch in pitches:
        assert (await member.call("jam:note", note(pitch, True)))["ok"]
        await asyncio.sleep(0.1)
        assert (await member.call("jam:note", note(pitch, False)))["ok"]
    return now_ms()


def note(pitch: int, on: bool) -> dict[str, Any]:
    return {"pitch": pitch, "on": on, "velocity": 90, "played_ms": now_ms()}


async def test_the_room_hears_the_chords_the_model_commits_from_what_it_played(pair):
    host, guest = pair
    room = await open_room(host)
    await guest.join(room)
    heard = {member: Announcements(member) for member in (host, guest)}
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    started_ms = now_ms()
    played_ms = await play_phrase(guest, A_MINOR_PHRASE)
    done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"], 30)

    chords = heard[host].payloads
    assert chords == heard[guest].payloads  # one announcement, the same for everyone
    assert [chord["bar"] for chord in chords] == list(range(PIECE["bars"]))
    for member in (host, guest):
        for arrived_ms, chord in heard[member].got:
            assert chord["at_beats"] == 4 * chord["bar"]
            assert arrived_ms < chord["at_ms"]  # told before its bar line sounds
    before = [c for c in chords if c["committed_ms"] < started_ms]
    after = [c for c in chords if c["committed_ms"] > played_ms]
    assert before and {c["chord"]["symbol"] for c in before} == {"C"}  # the key's tonic
    assert after and after[0]["chord"]["symbol"] == "Am"  # what the room played

    # The melody was written over the committed chords, and the band plays them.
    committed = {chord["bar"]: chord["chord"] for chord in chords}
    frames = [f for f in host.events["generate:notes"] if f["stream_id"] == ack["stream_id"]]
    spans = [span for frame in frames for span in frame.get("chords", [])]
    assert [(s["start"], s["symbol"]) for s in spans] == [
        (4.0 * bar, chord["symbol"]) for bar, chord in committed.items()
    ]
    bass = [n for n in notes_of(host, ack["stream_id"]) if n.get("part") == "bass"]
    on_downbeats = [n for n in bass if n["start"] % 4 == 0]
    assert len(on_downbeats) >= PIECE["bars"] - 1
    for bass_note in on_downbeats:
        assert bass_note["pitch"] % 12 == committed[int(bass_note["start"] // 4)]["root"]
    status, song = await host.http("GET", f"/api/songs/{done['song_id']}")
    assert status == 200
    assert [chord["symbol"] for chord in song["chords"]] == [
        chord["symbol"] for chord in committed.values()
    ]


async def test_a_member_joining_mid_piece_gets_the_chords_committed_so_far(pair, paced_server):
    """The chords already committed, those of bars still to come included, are in the piece a
    late joiner reads (stored with the notes about once a second, as any worker reads them)."""
    host, guest = pair
    room = await open_room(host)
    await guest.join(room)
    heard = Announcements(guest)
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    await play_phrase(guest, A_MINOR_PHRASE)
    await asyncio.sleep(1.5)  # a store of the piece since the phrase's chords were committed
    async with members_from(paced_server, "127.0.0.45") as (late,):
        joined_ms = now_ms()
        snapshot = await late.join(room)
    committed = [c for c in heard.payloads if c["committed_ms"] < joined_ms - 1200]
    assert any(c["chord"]["symbol"] == "Am" for c in committed), committed
    stored = snapshot["piece"].get("chords", [])
    assert [span["symbol"] for span in stored[: len(committed)]] == [
        c["chord"]["symbol"] for c in committed
    ]
    assert [span["start"] for span in stored[: len(committed)]] == [
        c["at_beats"] for c in committed
    ]
    await host.call("room:stop", {"discard": True})


async def test_a_malformed_accompaniment_or_solo_is_refused_by_name(pair):
    host, _ = pair
    await open_room(host)
    for payload, field in (
        ({"accompany": "yes"}, "accompany"),
        ({"accompany": 1}, "accompany"),
        ({"accompany": True, "chords": "C Am F G"}, "chords"),
        ({"accompany": True, "primer": [[60, 0, 1]]}, "primer"),
    ):
        refused = await host.call("room:generate", PIECE | payload)
        assert (refused["error"]["code"], refused["error"].get("field")) == (
            "invalid_params",
            field,
        )
    for payload in ({}, {"bars": 0}, {"bars": 17}, {"bars": "2"}, {"bars": True}, "4"):
        refused = await host.call("jam:solo", payload)
        assert (refused["error"]["code"], refused["error"].get("field")) == (
            "invalid_params",
            "bars",
        )
    assert host.events["generate:notes"] == []


async def test_solo_for_me_the_model_takes_the_lead_from_one_announced_bar(pair):
    host, guest = pair
    room = await open_room(host)
    await guest.join(room)
    assert (await guest.call("jam:solo", {"bars": 2}))["error"]["code"] == "not_live"
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    solo = await guest.call("jam:solo", {"bars": 4})
    assert solo["ok"], solo
    announced = [await m.wait_for("jam:solo") for m in (host, guest)]
    assert announced[0] == announced[1] == {k: v for k, v in solo.items() if k != "ok"}
    bar = solo["bar"]
    assert solo["bars"] == 4 and solo["user_id"] == guest.user_id and solo["at_beats"] == 4 * bar
    assert solo["at_ms"] > now_ms()
    await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"], 30)

    # The model leaves the lead to the room but for the bars it was asked to solo over.
    melody = [n for n in notes_of(host, ack["stream_id"]) if "part" not in n]
    assert melody, "the model played its solo"
    assert all(4 * bar <= n["start"] < 4 * (bar + 4) for n in melody)


async def test_the_model_solos_only_in_a_piece_it_accompanies(pair):
    host, _ = pair
    await open_room(host)
    ack = await host.call("room:generate", {k: v for k, v in PIECE.items() if k != "accompany"})
    assert ack["ok"], ack
    await host.wait_for("room:state", lambda s: s["playback"] == "playing")
    refused = await host.call("jam:solo", {"bars": 2})
    assert refused["error"]["code"] == "not_accompanying"
    await host.call("room:stop", {"discard": True})
