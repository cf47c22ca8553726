"""A room jam whose members are connected to different workers: the worker writing the room's
live piece hears the notes played on the other one (its chords follow them), and a host on the
other worker steers it, asks it for a solo and stops it, each announced to every member as when
everyone is on one worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.conftest import LiveServer
from tests.scale.workers import workers
from tests.sockets.test_jam_accompany import A_MINOR_PHRASE, PIECE, Announcements, play_phrase
from tests.sockets.test_rooms import Member, open_room


@pytest.fixture
def paced_pair(tmp_path, postgres_url, redis_url, channel) -> Iterator[list[LiveServer]]:
    with workers(tmp_path, postgres_url, redis_url, channel, CADENZA_STREAM_PACING="on") as pair:
        yield pair


@pytest.fixture
async def room_over_two_workers(paced_pair) -> AsyncIterator[tuple[Member, Member]]:
    """A host on the first worker and a guest on the second, in one room; streams paced."""
    first, second = paced_pair
    host = await Member(first, await first.session_cookie()).connect()
    guest = await Member(second, await second.session_cookie(source="127.0.0.2")).connect()
    try:
        await guest.join(await open_room(host))
        yield host, guest
    finally:
        for member in (host, guest):
            await member.sio.disconnect()


async def test_the_accompaniment_hears_a_member_playing_on_the_other_worker(room_over_two_workers):
    host, guest = room_over_two_workers
    heard = Announcements(host)
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    played_ms = await play_phrase(guest, A_MINOR_PHRASE)
    await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"], 30)
    after = [chord for chord in heard.payloads if chord["committed_ms"] > played_ms]
    assert after and after[0]["chord"]["symbol"] == "Am"  # what the guest played


async def test_a_host_on_the_other_worker_steers_solos_and_stops_the_live_piece(
    room_over_two_workers,
):
    host, guest = room_over_two_workers
    ack = await host.call("room:generate", PIECE)
    assert ack["ok"], ack
    await guest.wait_for("room:state", lambda s: s["playback"] == "playing")
    passed = await host.call("room:host", {"user_id": guest.user_id})
    assert passed["ok"], passed

    steer = await guest.call("jam:steer", {"energy": "lively"})
    assert steer["ok"], steer
    announced = [await m.wait_for("jam:steer") for m in (host, guest)]
    assert announced[0] == announced[1] == {k: v for k, v in steer.items() if k != "ok"}
    assert steer["stream_id"] == ack["stream_id"] and steer["by"] == guest.user_id

    solo = await guest.call("jam:solo", {"bars": 2})
    assert solo["ok"], solo
    assert (await host.wait_for("jam:solo"))["bar"] == solo["bar"]

    stopped = await guest.call("room:stop")
    assert stopped == {"ok": True, "stream_id": ack["stream_id"], "saving": True}
    done = await host.wait_for("generate:done", lambda d: d["stream_id"] == ack["stream_id"])
    assert done["song_id"]
    assert (await guest.call("jam:steer", {"energy": "calm"}))["error"]["code"] == "not_live"
