"""The limit of 3 live streams per user holds over every worker: streams on two workers count
together, a stop on one frees a slot on the other, and the streams of a worker that died stop
counting once their lease lapses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer
from tests.scale.test_faults import kill_with_workers
from tests.scale.workers import workers
from tests.sockets.streaming import LONG, Listener, eventually


@pytest.fixture
def paced_pair(tmp_path, postgres_url, redis_url, channel) -> Iterator[list[LiveServer]]:
    with workers(tmp_path, postgres_url, redis_url, channel, CADENZA_STREAM_PACING="on") as pair:
        yield pair


def ok(ack: dict) -> bool:
    return ack["ok"]


def refused(ack: dict) -> bool:
    return ack == {
        "ok": False,
        "error": {"code": "too_many_streams", "message": ack.get("error", {}).get("message")},
    }


async def test_streams_on_two_workers_count_together(paced_pair):
    first, second = paced_pair
    cookie = await first.session_cookie()
    on_first = await Listener().connect(first, cookie)
    on_second = await Listener().connect(second, cookie)
    try:
        acks = [await on_first.start(**LONG), await on_first.start(**LONG)]
        acks.append(await on_second.start(**LONG))
        assert all(ack["ok"] for ack in acks), acks
        assert refused(await on_second.start(**LONG))
        assert refused(await on_first.start(**LONG))
        stop = {"stream_id": acks[0]["stream_id"], "discard": True}
        assert (await on_first.sio.call("generate:stop", stop))["ok"]
        assert (await on_second.start(**LONG))["ok"]
        assert refused(await on_first.start(**LONG))
    finally:
        for listener in (on_first, on_second):
            await listener.sio.disconnect()


async def test_the_streams_of_a_dead_worker_stop_counting(paced_pair):
    first, second = paced_pair
    cookie = await first.session_cookie()
    doomed = await Listener().connect(first, cookie)
    assert all([(await doomed.start(**LONG))["ok"] for _ in range(3)])
    survivor = await Listener().connect(second, cookie)
    assert refused(await survivor.start(**LONG))
    kill_with_workers(first.pid)
    for _ in range(3):  # each dead stream's count lapses 4 s after its last renewal
        started = await eventually(lambda: survivor.start(**LONG), ok, timeout=15)
        assert started["ok"], started
    assert refused(await survivor.start(**LONG))
    await survivor.sio.disconnect()
