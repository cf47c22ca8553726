"""Live generation over Socket.IO (docs/protocol.md): `generate:start` and `generate:stop` from
the client; `generate:notes`, `generate:done` and `generate:error` back to it, sent by the
studio's live service (server/services/studio_live.py) through the outbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from quart import Quart

from server.services.registry import services
from server.services.studio_live import StudioLive, sink_of
from server.sockets.acks import acknowledge
from server.sockets.logins import Guard
from server.sockets.outbox import Outbox


def register(
    sio: socketio.AsyncServer, app: Quart, guard: Guard
) -> Callable[[str], Awaitable[None]]:
    """Add the generate:* events; returns the clean-up to run when a client disconnects."""
    studio = StudioLive(Outbox(sio), services(app))

    @sio.on("generate:start")
    @guard
    async def generate_start(sid: str, data: Any = None) -> dict[str, Any]:
        user_id = (await sio.get_session(sid))["user_id"]
        return await acknowledge(started(studio, sid, user_id, data))

    @sio.on("generate:stop")
    @guard
    async def generate_stop(sid: str, data: Any = None) -> dict[str, Any]:
        data = data if isinstance(data, dict) else {}
        user_id = (await sio.get_session(sid))["user_id"]
        discard = data.get("discard") is True
        return await acknowledge(studio.stop(user_id, data.get("stream_id"), discard))

    return studio.disconnected


async def started(studio: StudioLive, sid: str, user_id: int, data: Any) -> dict[str, Any]:
    stream = await studio.start(sid, user_id, data)
    chords = stream.params.chords  # sent before the first note, so the studio can show them
    ack = {"stream_id": stream.id} | ({} if chords is None else {"chords": chords.to_wire()})
    note = sink_of(stream).extra.get("chords_note")  # a conversion that keeps no chords: why
    return ack | ({"chords_note": note} if note else {})
