"""Call and response over Socket.IO (docs/protocol.md, "Call and response"): `duet:start`,
`duet:phrase` and `duet:stop` from the client; the answers come back as `generate:notes` frames
and `duet:answered`, sent by the duet service (server/services/duets.py) through the outbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from quart import Quart

from server.services.duets import StudioDuets
from server.services.registry import services
from server.sockets.acks import acknowledge
from server.sockets.logins import Guard
from server.sockets.outbox import Outbox


def register(
    sio: socketio.AsyncServer, app: Quart, guard: Guard
) -> Callable[[str], Awaitable[None]]:
    """Add the duet:* events; returns the clean-up to run when a client disconnects."""
    duets = StudioDuets(Outbox(sio), services(app))

    @sio.on("duet:start")
    @guard
    async def duet_start(sid: str, data: Any = None) -> dict[str, Any]:
        user_id = (await sio.get_session(sid))["user_id"]
        return await acknowledge(duets.start(sid, user_id, data))

    @sio.on("duet:phrase")
    @guard
    async def duet_phrase(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(duets.phrase(sid, data))

    @sio.on("duet:stop")
    @guard
    async def duet_stop(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(duets.stop(sid, data))

    return duets.disconnected
