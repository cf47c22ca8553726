"""`clock:ping`: the time-sync ping behind the rooms' shared clock. A client pings a few
times, keeps the answers that came back fastest and takes its offset to the server from them
(web/js/rooms/clock.js). The room's clock itself is `server/services/room_clock.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from quart import Quart

from server.models.room import server_time_ms
from server.services.token_bucket import TokenBucket

# Pings per connection: a burst, then per second. web/js/rooms/clock.js sends at most 60 pings
# when it starts (one every 40 ms or slower: each waits for the answer to the last) and then one
# every 2 s, so a full bucket covers its start and the refill is four times its steady rate,
# whatever its round trips (docs/protocol.md, "clock:ping"). A client pinging faster is refused.
PING_BURST, PING_RATE = 60, 2.0
RATE_LIMITED = {"code": "rate_limited", "message": "Too many clock pings; slow down."}


def register(sio: socketio.AsyncServer, app: Quart) -> Callable[[str], Awaitable[Any]]:
    """Add `clock:ping`; returns the clean-up to run when a client disconnects."""
    buckets: dict[str, TokenBucket] = {}

    @sio.on("clock:ping")
    async def clock_ping(sid: str, data: Any = None) -> dict[str, Any]:
        if not buckets.setdefault(sid, TokenBucket(PING_BURST, PING_RATE)).take():
            return {"ok": False, "error": RATE_LIMITED}
        return {"ok": True, "server_ms": server_time_ms()}

    async def forget(sid: str) -> None:
        buckets.pop(sid, None)

    return forget
