"""`clock:ping`: the server's clock for rooms. A client pings a few times, keeps the answers
that came back fastest and takes its offset to the server from them (web/js/clock.js)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from quart import Quart

from server.models.room import server_time_ms
from server.services.rooms import TokenBucket

PING_BURST, PING_RATE = 20, 2.0  # pings per connection: a burst on joining, then per second
RATE_LIMITED = {"code": "rate_limited", "message": "Too many clock pings; slow down."}


def register(sio: socketio.AsyncServer, app: Quart) -> Callable[[str], Awaitable[Any]]:
    """Add `clock:ping`; returns the clean-up to run when a client disconnects."""
    buckets: dict[str, TokenBucket] = {}

    @sio.on("clock:ping")
    async def clock_ping(sid: str, data: Any = None) -> dict:
        if not buckets.setdefault(sid, TokenBucket(PING_BURST, PING_RATE)).take():
            return {"ok": False, "error": RATE_LIMITED}
        return {"ok": True, "server_ms": server_time_ms()}

    async def forget(sid: str) -> None:
        buckets.pop(sid, None)

    return forget
