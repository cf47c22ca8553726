"""Room jams over Socket.IO (docs/protocol.md, "Jam"): members' played notes (`jam:note`),
steering the live piece (`jam:propose`, `jam:steer`), the model's solos (`jam:solo`) and saving
the jam (`jam:save`). Each event is read from its payload and handed to a service;
acknowledgements as for `room:*`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from quart import Quart

from server.services.registry import services
from server.services.room_jam import JamNotes
from server.services.room_jam_song import save_jam
from server.services.room_solo import JamSolos
from server.services.room_steering import JamSteering
from server.sockets.acks import acknowledge
from server.sockets.logins import Guard


def register(
    sio: socketio.AsyncServer, app: Quart, guard: Guard
) -> Callable[[str], Awaitable[Any]]:
    """Add the jam:* events (after `rooms.register`, whose broker they use); returns the
    clean-up to run when a client disconnects."""
    broker = services(app).rooms
    assert broker is not None  # rooms.register made it
    notes, steering = JamNotes(sio, broker.relay, broker.accompaniment), JamSteering(broker)
    solos = JamSolos(broker)

    @sio.on("jam:note")
    @guard
    async def jam_note(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(notes.note(sid, data))

    @sio.on("jam:propose")
    @guard
    async def jam_propose(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(steering.propose(sid, data))

    @sio.on("jam:steer")
    @guard
    async def jam_steer(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(steering.steer(sid, data))

    @sio.on("jam:solo")
    @guard
    async def jam_solo(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(solos.solo(sid, data))

    @sio.on("jam:save")
    @guard
    async def jam_save(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(save(sid))

    async def save(sid: str) -> dict[str, Any]:
        connection = await broker.connection(sid)
        await notes.flush()
        song = await save_jam(connection.room, connection.user)
        return {"song_id": song.id, "title": song.title}

    async def forget(sid: str) -> None:
        notes.forget(sid)

    return forget
