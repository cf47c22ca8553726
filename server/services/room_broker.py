"""The real-time side of rooms: joins and departures, chat, the owner's and host's actions and the
room's live generation, each change told to the members through their Socket.IO room. Imports
neither Quart nor Socket.IO: the socket module hands in a `Channel` (python-socketio's server)
and a `NoteSender` (the outbox that coalesces `generate:notes` frames), so that with a Redis
message queue the same calls reach members connected to other workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from server.errors import AppError
from server.generation.accompaniment import Accompaniment
from server.generation.live_stream import EndReason, LiveStream
from server.generation.sampler import SamplingParams
from server.models.room import Room, server_time_ms
from server.models.room_connection import RoomConnection
from server.models.room_piece import PieceKind, RoomPiece
from server.models.user import User
from server.services import room_chat, room_clock, room_presence, rooms
from server.services import room_playback as playback
from server.services.generation import GenerationService
from server.services.live_listener import NoteSender
from server.services.room_accompany import accompanying_melody, announce
from server.services.room_live import RoomSink
from server.services.room_presence import Presence
from server.services.room_relay import RoomRelay, not_live
from server.services.stream_songs import song_title, status_to_keep
from server.services.token_bucket import TokenBucket

log = logging.getLogger(__name__)

STATE, PIECE, PRESENCE, INFO = "room:state", "room:piece", "room:presence", "room:info"
CHAT, CLOSED, REMOVED = "room:chat", "room:closed", "room:removed"
CONTROL_BURST, CONTROL_RATE = 30, 5.0  # room events per connection: burst, then per second
END = "end"  # the relayed operation ending a room's live piece
ClockAction = Callable[[Room, int], Awaitable[Room]]  # a room_clock change by a user


class Channel(Protocol):
    """What the broker needs of python-socketio's AsyncServer."""

    async def emit(self, event: str, data: Any = None, to: str | None = None, **kw: Any) -> Any: ...
    async def enter_room(self, sid: str, room: str, namespace: str | None = None) -> Any: ...
    async def leave_room(self, sid: str, room: str, namespace: str | None = None) -> Any: ...
    async def close_room(self, room: str, namespace: str | None = None) -> Any: ...


class RoomBroker:
    """One per worker. Public coroutines are the `room:*` events; each returns the
    acknowledgement's fields or raises `AppError`."""

    def __init__(
        self,
        channel: Channel,
        notes: NoteSender,
        generation: Callable[[], GenerationService],
        worker: str = "",
        relay: RoomRelay | None = None,
    ) -> None:
        self.channel, self.notes, self.generation = channel, notes, generation
        self.worker = worker  # this worker's id, kept with each room connection it holds
        # to the worker writing a room's live piece, when another one does
        self.relay = relay or RoomRelay(None, worker)
        self.relay.add(END, self._end_here)
        self._live: dict[str, RoomSink] = {}  # room id -> the live stream this worker writes
        self._buckets: dict[str, TokenBucket] = {}  # sid -> its room event allowance
        self._tasks: set[asyncio.Task[None]] = set()

    async def join(self, sid: str, user_id: int, token: Any) -> dict[str, Any]:
        self._limit(sid)
        room = await rooms.room_for_token(token)
        user = await User.get_or_none(id=user_id)
        if user is None:  # the account was deleted while this connection was open
            raise AppError("unauthorized", "Your account no longer exists.")
        await self.leave(sid)  # a connection is in one room at a time
        presence = await room_presence.join(room, user, sid, self.worker)
        await self.channel.enter_room(sid, room.channel)
        await self._announce(presence, user, skip_sid=sid)
        return await self.snapshot(presence.room, user_id)

    async def disconnected(self, sid: str) -> None:
        self._buckets.pop(sid, None)
        await self.leave(sid)

    async def leave(self, sid: str) -> dict[str, Any]:
        """Leave the room (also when the connection ends); an empty room stops writing."""
        presence = await room_presence.leave(sid)
        if presence is not None:
            await self.channel.leave_room(sid, presence.room.channel)
            await self._announce(presence)
            if presence.room.empty_since is not None:
                await self.relay.tell(END, presence.room.id, {"discard": False})
        return {}

    async def snapshot(self, room: Room, user_id: int) -> dict[str, Any]:
        """Everything a member needs on joining: the room, who is here, chat, piece, clock."""
        piece = await room_clock.current_piece(room)
        return {
            "room": room_json(room),
            "you": user_id,
            "members": await room_presence.present_members(room),
            "messages": await room_chat.recent_messages(room),
            "piece": self._piece_json(piece),
            "state": room.clock_json(server_time_ms()),
        }

    async def chat(self, sid: str, text: Any) -> dict[str, Any]:
        connection = await self.connection(sid)
        message = await room_chat.post_message(connection.room, connection.user, text)
        payload = message.to_json(connection.user.display_name)
        await self.channel.emit(CHAT, payload, to=connection.room.channel)
        return {"message": payload}

    async def play(self, sid: str, song_id: Any) -> dict[str, Any]:
        room, user = await self.host_of(sid)
        await self._end_anywhere(room)
        piece = await playback.play_song(room, user, song_id)
        await self._send_piece(room, piece)
        return {"piece_id": piece.id}

    async def generate(
        self, sid: str, params: SamplingParams, extra: dict[str, Any], accompany: bool = False
    ) -> dict[str, Any]:
        """Start a live generation for the whole room, written for the host like the studio's;
        `accompany`: its chords follow what the members play (`room_accompany`)."""
        room, user = await self.host_of(sid)
        service = self.generation()
        await self._end_anywhere(room)
        sink = RoomSink(self.notes, room.id, room.channel, extra, self.generation, self.live_ended)
        melody = accompanying_melody(params, service.engine.vocabulary) if accompany else None
        sink.stream = stream = await service.start(user.id, params, sink, melody)
        if melody is not None:
            melody.band = stream.band
            sink.accompaniment = melody.accompaniment
            stream_id = stream.id  # not the stream: it holds the sink, which holds this
            sink.on_chords = lambda commits: self.spawn(
                announce(self.channel, room.id, stream_id, commits)
            )
        self._end_live(room.id, EndReason.STOPPED)  # one started by a request during the wait
        self._live[room.id] = sink
        try:
            piece = await playback.start_live_piece(room, stream, extra, song_title(stream.params))
        except Exception:
            self._end_live(room.id, EndReason.DISCARDED)
            sink.discarded()
            raise
        await self._send_piece(room, piece)
        sink.announce(stream, piece.id)  # its notes go out after the piece that names them
        return {"stream_id": stream.id, "piece_id": piece.id} | piece.chords_json()

    async def stop(self, sid: str, discard: bool) -> dict[str, Any]:
        room, _ = await self.host_of(sid)
        return await self.relay.ask(END, room.id, {"discard": discard})

    async def _end_here(self, room_id: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """End the room's live piece if this worker writes it (the relayed `END`); None if
        another worker does."""
        if room_id not in self._live:
            return None
        stream = self._end_live(
            room_id, EndReason.DISCARDED if args["discard"] else EndReason.STOPPED
        )
        if stream is None:
            raise not_live()
        return {"stream_id": stream.id, "saving": status_to_keep(stream) is not None}

    async def _end_anywhere(self, room: Room) -> None:
        """End the room's live piece, kept for the host, whichever worker writes it, before
        something else plays; a worker that does not answer in time has died, and its stream
        is recovered by lease."""
        if self._end_live(room.id, EndReason.STOPPED) is not None:
            return
        piece = await room_clock.current_piece(room)
        if piece is None or piece.kind is not PieceKind.LIVE or piece.complete:
            return
        try:
            await self.relay.ask(END, room.id, {"discard": False})
        except AppError:
            pass  # ended meanwhile, or its worker is gone

    async def pause(self, sid: str) -> dict[str, Any]:
        return await self._clock_change(sid, room_clock.pause)

    async def resume(self, sid: str) -> dict[str, Any]:
        return await self._clock_change(sid, room_clock.resume)

    async def seek(self, sid: str, beats: Any) -> dict[str, Any]:
        return await self._clock_change(
            sid, lambda room, user_id: room_clock.seek(room, user_id, beats)
        )

    async def tempo(self, sid: str, tempo: Any) -> dict[str, Any]:
        return await self._clock_change(
            sid, lambda room, user_id: room_clock.set_tempo(room, user_id, tempo)
        )

    async def rename(self, sid: str, name: Any) -> dict[str, Any]:
        connection = await self.connection(sid)
        await rooms.rename(connection.room, connection.user.id, name)
        await self.channel.emit(INFO, room_json(connection.room), to=connection.room.channel)
        return {"room": room_json(connection.room)}

    async def pass_host(self, sid: str, user_id: Any) -> dict[str, Any]:
        connection = await self.connection(sid)
        await rooms.pass_host(connection.room, connection.user.id, user_id)
        await self.channel.emit(INFO, room_json(connection.room), to=connection.room.channel)
        return {"room": room_json(connection.room)}

    async def remove(self, sid: str, user_id: Any) -> dict[str, Any]:
        """The owner removes a member: their connections leave and they cannot come back."""
        connection = await self.connection(sid)
        room = connection.room
        for removed_sid in await rooms.remove_member(room, connection.user.id, user_id):
            await self.channel.emit(REMOVED, {"room_id": room.id}, to=removed_sid)
            await self.leave(removed_sid)
        return {}

    async def close(self, sid: str) -> dict[str, Any]:
        connection = await self.connection(sid)
        rooms.require_owner(connection.room, connection.user.id)
        await self.close_room(connection.room, "closed_by_owner")
        return {}

    async def close_room(self, room: Room, reason: str) -> None:
        """Tell the members, stop the room's live stream (kept for the host) and delete it."""
        await self.relay.tell(END, room.id, {"discard": False})
        await self.channel.emit(CLOSED, {"room_id": room.id, "reason": reason}, to=room.channel)
        await self.channel.close_room(room.channel)
        await room.delete()

    def _limit(self, sid: str) -> None:
        bucket = self._buckets.setdefault(sid, TokenBucket(CONTROL_BURST, CONTROL_RATE))
        if not bucket.take():
            raise AppError("rate_limited", "Too many room actions at once; wait a moment.")

    def accompaniment(self, room_id: str) -> Accompaniment | None:
        """The chords of the room's accompanying piece, if this worker writes one."""
        sink = self._live.get(room_id)
        return None if sink is None else sink.accompaniment

    def live_stream(self, room_id: str) -> LiveStream | None:
        """The room's live stream, if this worker writes it."""
        sink = self._live.get(room_id)
        return None if sink is None else sink.stream

    async def connection(self, sid: str) -> RoomConnection:
        """The connection's room membership, within its allowance of room events."""
        self._limit(sid)
        return await room_presence.connection_of(sid)

    async def host_of(self, sid: str) -> tuple[Room, User]:
        connection = await self.connection(sid)
        rooms.require_host(connection.room, connection.user.id)
        return connection.room, connection.user

    async def _clock_change(self, sid: str, change: ClockAction) -> dict[str, Any]:
        connection = await self.connection(sid)
        room = await change(connection.room, connection.user.id)
        state = room.clock_json(server_time_ms())
        await self.channel.emit(STATE, state, to=room.channel)
        return {"state": state}

    async def _send_piece(self, room: Room, piece: RoomPiece) -> None:
        now = server_time_ms()
        await self.channel.emit(PIECE, piece.to_json(), to=room.channel)
        await self.channel.emit(STATE, room.clock_json(now), to=room.channel)

    async def _announce(self, presence: Presence, user: User | None = None, **kw: Any) -> None:
        room = presence.room
        if presence.changed:
            member = room_presence.member_json(room, user) if user else {"id": presence.user_id}
            payload = {"member": member, "present": user is not None}
            await self.channel.emit(PRESENCE, payload, to=room.channel, **kw)
        if presence.new_host_id is not None:
            await self.channel.emit(INFO, room_json(room), to=room.channel)

    def _piece_json(self, piece: RoomPiece | None) -> dict[str, Any] | None:
        if piece is None:
            return None
        sink = self._live.get(piece.room_id)
        stream = sink.stream if sink is not None and sink.piece_id == piece.id else None
        local = stream is not None and piece.kind is PieceKind.LIVE
        return piece.to_json(stream.notes if stream is not None and local else None)

    def _end_live(self, room_id: str, reason: EndReason) -> LiveStream | None:
        """End the room's live stream, if this worker writes one; it is saved as it ends."""
        sink = self._live.get(room_id)
        if sink is None or sink.stream is None:
            return None
        try:
            engine = self.generation().engine
        except AppError:
            return None  # shutting down: the engine is gone with its streams
        stream = engine.end_stream(sink.stream.id, reason)
        if stream is not None:
            self.live_ended(sink, stream)
        return stream

    def live_ended(self, sink: RoomSink, stream: LiveStream) -> None:
        """Called by the sink (or `_end_live`) when a room's stream is over."""
        if self._live.get(sink.room_id) is sink:
            del self._live[sink.room_id]
        self.spawn(sink.save(stream))

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def room_json(room: Room) -> dict[str, Any]:
    """The `room:info` payload."""
    return {
        "id": room.id,
        "name": room.name,
        "owner_id": room.owner_id,
        "host_id": room.host_id,
        "invite_path": f"/rooms/{room.invite_token}",
    }
