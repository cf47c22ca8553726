"""A worker whose Redis subscription is cut (`CLIENT KILL TYPE pubsub`, as after a Redis restart)
subscribes again by itself, and members on different workers hear each other afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis

from tests.conftest import LiveServer
from tests.scale.workers import workers
from tests.sockets.test_rooms import Member, open_room


@pytest.fixture
def pair(tmp_path, postgres_url, redis_url, channel) -> Iterator[list[LiveServer]]:
    with workers(tmp_path, postgres_url, redis_url, channel) as servers:
        yield servers


async def subscribers(redis: aioredis.Redis, channel: str) -> int:
    return dict(await redis.pubsub_numsub(channel))[channel.encode()]


async def kill_subscriptions(redis: aioredis.Redis, channel: str) -> int:
    """Close this deployment's pub/sub connections only (others share the Redis server)."""
    ours = [c for c in await redis.client_list(_type="pubsub") if c["name"] == channel]
    for client in ours:
        await redis.execute_command("CLIENT", "KILL", "ID", client["id"])
    return len(ours)


async def wait_for_subscribers(redis: aioredis.Redis, channel: str, count: int) -> None:
    deadline = time.monotonic() + 10
    while await subscribers(redis, channel) != count:
        assert time.monotonic() < deadline, (
            f"subscribers stayed at {await subscribers(redis, channel)}"
        )
        await asyncio.sleep(0.1)


async def chat_until_heard(speaker: Member, listener: Member, text: str) -> None:
    for attempt in range(10):
        assert (await speaker.call("room:chat", {"text": f"{text} {attempt}"}))["ok"]
        try:
            await listener.wait_for("room:chat", lambda chat: chat["text"].startswith(text), 1)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{text!r} never heard")


async def test_workers_subscribe_again_after_their_connection_is_killed(pair, redis_url, channel):
    redis = aioredis.from_url(redis_url)
    first, second = pair
    try:
        await wait_for_subscribers(redis, channel, 2)  # every worker, before any client
        assert await kill_subscriptions(redis, channel) == 2
        host = await Member(first, await first.session_cookie()).connect()
        guest = await Member(second, await second.session_cookie(source="127.0.0.2")).connect()
        room = await open_room(host)
        await guest.join(room)
        await chat_until_heard(guest, host, "still heard")  # a second's gap while resubscribing
        await wait_for_subscribers(redis, channel, 2)  # one each again, no stale connection
        assert (await host.call("room:chat", {"text": "and back"}))["ok"]
        await guest.wait_for("room:chat", lambda chat: chat["text"] == "and back")
        for member in (host, guest):
            await member.sio.disconnect()
    finally:
        await redis.aclose()
