"""Steering a room's live piece, written at its real pace: members vote or the host decides,
and a change is announced to every member with one bar number, a bar line that sounds after the
announcement has reached everyone and that the model has not yet written past, even when the
request or the votes arrive in the last 50 ms of a bar; the piece is written on in the new
genre."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from server.services.room_clock import SCHEDULE_LEAD_MS
from tests.sockets.test_rooms import Member, members_from, open_room

PIECE = {"genre": "folk", "key": "C", "tempo": 240, "bars": 8, "seed": 3}  # a bar a second


@pytest.fixture
async def pair(paced_server) -> AsyncIterator[tuple[Member, Member]]:
    async with members_from(paced_server, "127.0.0.41", "127.0.0.42") as (host, guest):
        yield host, guest


def bar_line_ms(state: dict, bar: int) -> float:
    return state["anchor_ms"] + bar * 4 * 60_000 / state["tempo"]


async def test_steering_applies_at_one_announced_bar_for_everyone(pair):
    host, guest = pair
    room = await open_room(host)
    await guest.join(room)
    assert (await host.call("jam:steer", {"genre": "jazz"}))["error"]["code"] == "not_live"
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    state = await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    proposed = await guest.call("jam:propose", {"genre": "jazz"})
    assert proposed == {"ok": True, "carried": False}  # one of two is not a majority
    proposal = await host.wait_for("jam:proposal")
    assert proposal == {
        "user_id": guest.user_id,
        "display_name": "Live",
        "change": {"genre": "jazz"},
        "votes": 1,
        "present": 2,
    }
    refused = await guest.call("jam:steer", {"genre": "jazz"})
    assert refused["error"]["code"] == "not_host"

    # The host's change and both members' votes for another arrive in the last 50 ms of bar 2
    # (the room clock is this machine's clock); the second vote carries it.
    await asyncio.sleep(max(bar_line_ms(state, 2) - 40 - time.time() * 1000, 0) / 1000)
    sent_ms = time.time() * 1000
    decided, *votes = await asyncio.gather(
        host.call("jam:steer", {"genre": "jazz"}),
        guest.call("jam:propose", {"energy": "lively"}),
        host.call("jam:propose", {"energy": "lively"}),
    )
    assert decided["ok"] and all(vote["ok"] for vote in votes), (decided, votes)
    carried = [vote["steer"] for vote in votes if vote["carried"]]
    assert len(carried) == 1 and carried[0]["by"] is None
    for steer in ({k: v for k, v in decided.items() if k != "ok"}, carried[0]):
        announced = [
            await m.wait_for("jam:steer", lambda s, steer=steer: s["change"] == steer["change"])
            for m in (host, guest)
        ]
        assert announced[0] == announced[1] == steer
        assert steer["bar"] >= 3 and steer["at_beats"] == steer["bar"] * 4
        assert steer["at_ms"] == pytest.approx(bar_line_ms(state, steer["bar"]))
        assert steer["at_ms"] >= sent_ms + SCHEDULE_LEAD_MS
    done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"], 30)
    status, song = await host.http("GET", f"/api/songs/{done['song_id']}")
    assert status == 200 and song["genre"] == "jazz"
    late = await host.call("jam:steer", {"genre": "pop"})
    assert late["error"]["code"] == "not_live"


async def test_a_change_most_members_propose_is_applied_at_the_next_bar(pair):
    host, guest = pair
    room = await open_room(host)
    await guest.join(room)
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    assert (await guest.call("jam:propose", {"energy": "calm"}))["carried"] is False
    assert (await host.call("jam:propose", {"energy": "lively"}))["carried"] is False
    carried = await host.call("jam:propose", {"energy": "calm"})  # the host changes their mind
    assert carried["carried"] is True and carried["steer"]["by"] is None
    announced = [await m.wait_for("jam:steer") for m in (host, guest)]
    assert announced[0] == announced[1] == carried["steer"]
    assert announced[0]["change"] == {"energy": "calm"} and announced[0]["bar"] >= 1
    again = await guest.call("jam:propose", {"energy": "calm"})  # the votes were spent
    assert again["carried"] is False
    await host.call("room:stop")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "change"),
        ({"genre": "jazz", "energy": "calm"}, "change"),
        ({"key": "H"}, "key"),
        ({"key": "D", "genre": "pop"}, "change"),
        ({"genre": "polka"}, "genre"),
        ({"energy": 11}, "energy"),
        ("jazz", "change"),
    ],
)
async def test_a_malformed_change_is_refused_by_name(pair, change, field):
    host, _ = pair
    await open_room(host)
    for event in ("jam:propose", "jam:steer"):
        refused = await host.call(event, change)
        assert (refused["error"]["code"], refused["error"].get("field")) == (
            "invalid_params",
            field,
        )


async def test_a_key_change_moves_the_melody_chords_and_band_from_one_bar(pair):
    host, guest = pair
    room = await open_room(host)
    await guest.join(room)
    piece = PIECE | {"chords": "C G Am F", "band": True, "genre": "rock"}
    ack = await host.call("room:generate", piece)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    steer = await host.call("jam:steer", {"key": "D"})
    assert steer["ok"], steer
    announced = await guest.wait_for("jam:steer")
    assert announced["change"] == {"key": "D"} and announced["bar"] == steer["bar"]
    bar = steer["bar"]
    done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"], 30)

    frames = [f for f in guest.events["generate:notes"] if f["stream_id"] == ack["stream_id"]]
    spans = [span for frame in frames for span in frame.get("chords", [])]
    wanted = ["C", "G", "Am", "F", "C", "G", "Am", "F"]
    moved = ["D", "A", "Bm", "G", "D", "A", "Bm", "G"]
    assert [s["symbol"] for s in spans] == wanted[:bar] + moved[bar:]
    roots = {s["start"] // 4: s["root"] for s in spans}
    bass = [
        n for f in frames for n in f["notes"] if n.get("part") == "bass" and n["start"] % 4 == 0
    ]
    assert {n["start"] // 4 for n in bass} >= set(range(bar, 8))
    for note in bass:
        assert note["pitch"] % 12 == roots[note["start"] // 4]
    status, song = await host.http("GET", f"/api/songs/{done['song_id']}")
    assert status == 200 and song["key"] == "D"
