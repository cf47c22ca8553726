"""The per-user limit on live streams, counted over every worker. Without Redis one process
writes every stream, so its engine's count is the count. With Redis each user has a sorted set
of their live stream ids scored by lease expiry (ms of Redis's clock): taking a slot is one
script (drop lapsed entries, count, add), the writing worker renews its entries once a second,
and a dead worker's streams stop counting when their entries lapse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, cast

import redis.asyncio as aioredis

from server.generation.live_stream import LiveStream

# KEYS[1]: the user's set. ARGV: lease ms, the limit, the new stream id, then ids this worker
# no longer writes. Returns 1 when the stream was counted, 0 when the user is at the limit.
TAKE_SCRIPT = """
local now_s, now_us = unpack(redis.call('TIME'))
local now = now_s * 1000 + math.floor(now_us / 1000)
local lease, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 4, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
"""
# KEYS[1]: the user's set. ARGV: lease ms, how many live ids follow, the live ids, then the ids
# this worker no longer writes. Renews the live entries (writing them again after a Redis
# restart) and drops the others.
RENEW_SCRIPT = """
local now_s, now_us = unpack(redis.call('TIME'))
local now = now_s * 1000 + math.floor(now_us / 1000)
local lease, live = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 3, 2 + live do redis.call('ZADD', KEYS[1], now + lease, ARGV[i]) end
for i = 3 + live, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], lease) end
return 0
"""


class SlotsUnavailableError(Exception):
    """The count could not be read or written (Redis away for a moment)."""


class StreamSlots(Protocol):
    """How the generation service asks whether a user may start one more stream."""

    async def take(self, user_id: int, stream_id: str, live: set[str], limit: int) -> bool:
        """Count `stream_id` for `user_id` unless they are at `limit`; `live` are the user's
        streams this worker writes now."""
        ...

    async def renew(self, live: dict[int, set[str]]) -> None:
        """Keep counting the streams this worker writes (`user id -> stream ids`), and those
        taken and not yet `started`."""
        ...

    def started(self, stream_id: str) -> None:
        """A taken stream is in the engine now (counted as live from here on), or never will be
        (its count ends at the next renewal)."""
        ...


class LocalSlots:
    """One process: the streams it writes are all there are."""

    async def take(self, user_id: int, stream_id: str, live: set[str], limit: int) -> bool:
        return len(live) < limit

    async def renew(self, live: dict[int, set[str]]) -> None:
        return None

    def started(self, stream_id: str) -> None:
        return None


class RedisSlots:
    """Every worker's streams, in Redis; see the module doc."""

    def __init__(self, client: aioredis.Redis, prefix: str, lease_ms: int) -> None:
        self.prefix, self.lease_ms = prefix, lease_ms
        self._take = client.register_script(TAKE_SCRIPT)
        self._renew = client.register_script(RENEW_SCRIPT)
        self._held: dict[int, set[str]] = {}  # user id -> ids this worker put in their set
        self._starting: set[str] = set()  # taken, not in the engine yet (e.g. a file is read)

    async def take(self, user_id: int, stream_id: str, live: set[str], limit: int) -> bool:
        gone = self._held.get(user_id, set()) - live - self._starting
        self._starting.add(stream_id)
        try:
            args: list[str | int] = [self.lease_ms, limit, stream_id, *gone]
            taken = await self._take(keys=[self.prefix + str(user_id)], args=args)
        except aioredis.RedisError as error:
            self._starting.discard(stream_id)
            raise SlotsUnavailableError(str(error)) from error
        held = self._held.setdefault(user_id, set())  # renew() may have dropped it meanwhile
        held -= gone
        if taken:
            held.add(stream_id)
        else:
            self._starting.discard(stream_id)
        return bool(taken)

    def started(self, stream_id: str) -> None:
        self._starting.discard(stream_id)

    async def renew(self, live: dict[int, set[str]]) -> None:
        for user_id in list(self._held):
            held = self._held.get(user_id)
            if held is None:  # a renewal running beside this one (a stop's) let it go
                continue
            now_live = held & (live.get(user_id, set()) | self._starting)
            gone = held - now_live
            if now_live or gone:
                args: list[str | int] = [self.lease_ms, len(now_live), *now_live, *gone]
                try:
                    await self._renew(keys=[self.prefix + str(user_id)], args=args)
                except aioredis.RedisError as error:
                    raise SlotsUnavailableError(str(error)) from error
            held -= gone
            if not held and self._held.get(user_id) is held:
                del self._held[user_id]


def live_by_owner(streams: Iterable[LiveStream]) -> dict[int, set[str]]:
    """`user id -> ids` of the given live streams."""
    owners: dict[int, set[str]] = {}
    for stream in streams:
        owner = cast(int, stream.owner)  # the studio's streams are owned by user ids
        owners.setdefault(owner, set()).add(stream.id)
    return owners
