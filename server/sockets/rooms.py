"""Listening rooms over Socket.IO (docs/protocol.md, "Rooms"): each `room:*` event is read from
its payload and handed to the room broker; every acknowledgement is `{ok: true, ...}` or
`{ok: false, error: {code, message}}`. A member's connection leaves its room when it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from quart import Quart

from server.services.registry import services
from server.services.room_accompany import accompany_from
from server.services.room_broker import RoomBroker
from server.services.room_relay import RoomRelay
from server.services.stream_params import params_from_payload
from server.sockets.acks import acknowledge
from server.sockets.logins import Guard
from server.sockets.manager import WorkerMessages
from server.sockets.outbox import DROP_BACKLOG, Outbox

STALL_CHECK_SECONDS = 1.0  # how often a room's members are checked for a stalled connection


def register(
    sio: socketio.AsyncServer, app: Quart, guard: Guard
) -> Callable[[str], Awaitable[Any]]:
    """Add the room:* events; returns the clean-up to run when a client disconnects."""
    held = services(app)
    relay = RoomRelay(None, held.worker_id)
    if isinstance(sio.manager, WorkerMessages):  # several workers: a room's piece is on one
        relay.publish = sio.manager.publish_to_workers
        sio.manager.worker_message = relay.received
    broker = RoomBroker(sio, RoomOutbox(sio), held.live_generation, held.worker_id, relay)
    held.rooms = broker

    @sio.on("room:join")
    @guard
    async def room_join(sid: str, data: Any = None) -> dict[str, Any]:
        user_id = (await sio.get_session(sid))["user_id"]
        return await acknowledge(broker.join(sid, user_id, field(data, "token")))

    @sio.on("room:leave")
    async def room_leave(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.leave(sid))

    @sio.on("room:chat")
    @guard
    async def room_chat(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.chat(sid, field(data, "text")))

    @sio.on("room:play")
    @guard
    async def room_play(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.play(sid, field(data, "song_id")))

    @sio.on("room:generate")
    @guard
    async def room_generate(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(generate(broker, sid, data))

    @sio.on("room:stop")
    @guard
    async def room_stop(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.stop(sid, field(data, "discard") is True))

    register_controls(sio, broker, guard)
    register_owner_actions(sio, broker, guard)
    return broker.disconnected


def register_controls(sio: socketio.AsyncServer, broker: RoomBroker, guard: Guard) -> None:
    """The host's transport: pause, resume, seek, tempo."""

    @sio.on("room:pause")
    @guard
    async def room_pause(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.pause(sid))

    @sio.on("room:resume")
    @guard
    async def room_resume(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.resume(sid))

    @sio.on("room:seek")
    @guard
    async def room_seek(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.seek(sid, field(data, "beats")))

    @sio.on("room:tempo")
    @guard
    async def room_tempo(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.tempo(sid, field(data, "tempo")))


def register_owner_actions(sio: socketio.AsyncServer, broker: RoomBroker, guard: Guard) -> None:
    """Rename, close, remove a member (the owner) and pass the host role (host or owner)."""

    @sio.on("room:rename")
    @guard
    async def room_rename(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.rename(sid, field(data, "name")))

    @sio.on("room:close")
    @guard
    async def room_close(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.close(sid))

    @sio.on("room:remove")
    @guard
    async def room_remove(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.remove(sid, field(data, "user_id")))

    @sio.on("room:host")
    @guard
    async def room_host(sid: str, data: Any = None) -> dict[str, Any]:
        return await acknowledge(broker.pass_host(sid, field(data, "user_id")))


def field(data: Any, name: str) -> Any:
    return data.get(name) if isinstance(data, dict) else None


async def generate(broker: RoomBroker, sid: str, data: Any) -> dict[str, Any]:
    data, accompany = accompany_from(data)
    params, extra = params_from_payload(data)
    return await broker.generate(sid, params, extra, accompany)


class RoomOutbox(Outbox):
    """The studio's outbox addressed to a whole room (its `sid` is the room's channel); members
    whose connection stops reading are dropped, as a stalled studio client is."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        super().__init__(sio)
        self._checks: dict[str, asyncio.TimerHandle] = {}  # channel -> next stall check

    def added(self, sid: str) -> None:
        if sid not in self._checks:
            loop = asyncio.get_running_loop()
            self._checks[sid] = loop.call_later(STALL_CHECK_SECONDS, self._check, sid)

    def _check(self, channel: str) -> None:
        del self._checks[channel]
        try:
            members = [sid for sid, _ in self._sio.manager.get_participants("/", channel)]
        except KeyError:
            return  # everyone has left
        for sid in members:
            if self.backlog(sid) > DROP_BACKLOG:
                self._tasks.add(asyncio.get_running_loop().create_task(self.drop(sid)))
