"""Live streams and room presence outliving their worker. On SIGTERM a worker stops taking
streams and saves the running ones as drafts before it exits. With Redis, each worker renews a
heartbeat and a short lease on every stream it writes; when a worker dies (SIGKILL, a lost host)
they lapse, and another worker saves the notes stored so far (a room's piece, a studio stream's
progress) as drafts, exactly once, tells the listeners, and clears the room connections the dead
worker held. One process without Redis does the same at start-up for what its last run left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from quart import Quart
from tortoise.exceptions import IntegrityError

from server.generation.live_stream import EndReason
from server.generation.sampler import tonic_of
from server.models.room import Room
from server.models.room_connection import RoomConnection
from server.models.room_piece import PieceKind, RoomPiece
from server.models.song import SongStatus, SourceKind
from server.models.user import User
from server.services.registry import services
from server.services.songs import save_song
from server.services.stream_slots import RedisSlots, live_by_owner
from server.services.studio_recovery import LOST, deliver_notices, recover_lost_streams

if TYPE_CHECKING:
    import socketio

log = logging.getLogger(__name__)

DRAIN_SECONDS = 8.0  # how long shutdown waits for the running streams' saves
# How long a stream or a worker outlives a silent owner before it counts as lost (s); a piece
# younger than this is never recovered, since its owner may not have taken its first lease yet.
LEASE_SECONDS = 6.0
LEASE_MS = int(LEASE_SECONDS * 1000)
RENEW_SECONDS = 1.0  # how often an owner renews its leases (well inside LEASE_SECONDS)
# How long a lease or heartbeat must stay missing before it counts as lapsed (s): after a Redis
# restart every live worker writes its keys again within one renewal.
MISSING_SECONDS = 2 * RENEW_SECONDS
FORGET_MISSING_SECONDS = 60.0  # keys missing this long were dealt with by some worker
Leased = Callable[[str], Awaitable[bool]]


def init_stream_recovery(app: Quart, sio: socketio.AsyncServer) -> None:
    """Give the worker an id, save the running streams when it shuts down, and guard against
    the faults of the others (see the module doc)."""
    config = app.extensions["studio_config"]

    @app.while_serving
    async def serve() -> AsyncGenerator[None, None]:
        guard = FaultGuard(app, sio, config.redis_url, f"{config.socketio_channel}:")
        await guard.open()
        task = asyncio.get_running_loop().create_task(guard.run())
        yield
        # Runs before any after_serving hook: the database and the engine are still open.
        await drain_streams(app)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await guard.aclose()


async def drain_streams(app: Quart) -> None:
    """Refuse new streams, end the running ones as interrupted and wait for their saves."""
    service = services(app).generation
    if service is None:
        return
    service.accepting = False  # handlers now answer "model_unavailable"
    for stream_id in list(service.engine.streams):
        stream = service.engine.end_stream(stream_id, EndReason.DISCONNECTED)
        if stream is not None:
            stream.sink.stream_ended(stream)  # each sink saves its stream as a draft
    # Hypercorn has closed the connections by now, so the streams of clients that left are
    # being saved too: wait for every stream this worker started.
    await service.wait_settled(DRAIN_SECONDS)


class FaultGuard:
    """One per worker: its heartbeat and leases, and the recovery of other workers' faults."""

    def __init__(
        self, app: Quart, sio: socketio.AsyncServer, redis_url: str | None, prefix: str
    ) -> None:
        self.app, self.sio, self.prefix = app, sio, prefix
        self.worker: str = services(app).worker_id
        self.client = aioredis.from_url(redis_url) if redis_url else None
        self._missing: dict[str, float] = {}  # Redis key -> monotonic s when first seen missing

    async def open(self) -> None:
        """Before the first connection: count streams in Redis and beat once, or, alone,
        recover what the last run left."""
        service = services(self.app).generation
        if self.client is None:
            await self.recover_previous_run()
            return
        if service is not None:
            service.slots = RedisSlots(self.client, self.prefix + "streams:", LEASE_MS)
        try:
            await self.renew()
        except aioredis.RedisError:
            log.exception("Redis is unreachable; renewing leases again in a second")

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def run(self) -> None:
        """Renew and recover side by side: a slow recovery pass (database scans on a busy
        machine) must never hold back the renewals that keep this worker's streams its own."""
        renewing = self.client is not None
        await asyncio.gather(
            self._every(self.renew, "renewing leases", renewing),
            self._every(self.check, "recovering streams"),
        )

    async def _every(
        self, step: Callable[[], Awaitable[None]], doing: str, on: bool = True
    ) -> None:
        while on:
            try:
                await step()
            except Exception:  # Redis or the database away for a moment: try again next round
                log.exception("%s failed", doing)
            await asyncio.sleep(RENEW_SECONDS)

    async def check(self) -> None:
        if self.client is not None:
            self.forget_old_missing()
            older_than = datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS)
            await recover_lost_pieces(self.sio, self.leased, older_than)
            await recover_lost_streams(self.leased, older_than)
            await self.clear_dead_workers()
        await deliver_notices(self.sio.emit, self.connected_here)

    async def renew(self) -> None:
        """The heartbeat, a lease on every stream this worker started and has not finished
        saving (a stream being saved is still this worker's, not one to recover), and the
        count of each user's live streams."""
        assert self.client is not None
        service = services(self.app).generation
        held = set(service.unsettled) if service is not None else set()
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.prefix + "worker:" + self.worker, 1, px=LEASE_MS)
            for stream_id in held:
                pipe.set(self.prefix + "lease:" + stream_id, 1, px=LEASE_MS)
            await pipe.execute()
        if service is not None:
            await service.slots.renew(live_by_owner(service.engine.streams.values()))

    def forget_old_missing(self) -> None:
        now = time.monotonic()
        old = [key for key, since in self._missing.items() if now - since > FORGET_MISSING_SECONDS]
        for key in old:
            del self._missing[key]

    async def leased(self, stream_id: str) -> bool:
        return not await self.lapsed(self.prefix + "lease:" + stream_id)

    async def lapsed(self, key: str) -> bool:
        """Whether `key` has been missing from Redis for MISSING_SECONDS, as seen from here."""
        assert self.client is not None
        now = time.monotonic()
        if await self.client.exists(key):
            self._missing.pop(key, None)
            return False
        return now - self._missing.setdefault(key, now) >= MISSING_SECONDS

    def connected_here(self, room: str) -> bool:
        return any(True for _ in self.sio.manager.get_participants("/", room))

    async def clear_dead_workers(self) -> None:
        """Connections held by a worker whose heartbeat lapsed leave their rooms (the host role
        moves on, members are told)."""
        assert self.client is not None
        for worker in await RoomConnection.workers() - {"", self.worker}:
            if await self.lapsed(self.prefix + "worker:" + worker):
                await self.leave_rooms(await RoomConnection.sids(worker))

    async def leave_rooms(self, sids: list[str]) -> None:
        broker = services(self.app).rooms
        if broker is None:
            return
        for sid in sids:
            await broker.leave(sid)

    async def recover_previous_run(self) -> None:
        """Alone and starting: every unfinished stream and room connection is the last run's."""
        now = datetime.now(UTC)
        await recover_lost_pieces(self.sio, never_leased, now)
        await recover_lost_streams(never_leased, now)
        await self.leave_rooms(await RoomConnection.sids())


async def never_leased(stream_id: str) -> bool:
    return False


async def recover_lost_pieces(
    sio: socketio.AsyncServer, leased: Leased, older_than: datetime
) -> None:
    """Every unfinished live piece begun before `older_than` whose stream holds no lease is
    saved once, by one worker."""
    pieces = RoomPiece.filter(kind=PieceKind.LIVE, complete=False, created_at__lt=older_than)
    for piece in await pieces.only("id", "stream_id"):
        if piece.stream_id and not await leased(piece.stream_id):
            await recover_piece(sio, piece.id)


async def recover_piece(sio: socketio.AsyncServer, piece_id: str) -> None:
    # The update is the claim: only the worker whose update changed the row goes on.
    claimed = await RoomPiece.filter(id=piece_id, complete=False).update(complete=True)
    if not claimed:
        return
    piece = await RoomPiece.get(id=piece_id).prefetch_related("room")
    song_id = await save_draft(piece)
    if song_id is not None:
        await RoomPiece.filter(id=piece_id).update(song_id=song_id)
    channel = piece.room.channel
    await sio.emit("generate:error", {"stream_id": piece.stream_id, "error": LOST}, to=channel)
    piece.song_id = song_id
    await sio.emit("room:piece", piece.to_json(), to=channel)


async def save_draft(piece: RoomPiece) -> str | None:
    """The draft of the notes the piece holds, its owner's, with the stream's id (so it is
    saved only once, whoever saves it); None when nothing was written."""
    room: Room = piece.room
    # A piece begun before pieces kept their owner is the host's, as it was then.
    owner_id = piece.owner_id if piece.owner_id is not None else room.host_id
    owner = await User.get_or_none(id=owner_id) if owner_id is not None else None
    if owner is None or not piece.notes:
        return None
    fields: dict[str, Any] = {
        "title": piece.title,
        "tempo": piece.tempo,
        "genre": piece.genre,
        "tonic": tonic_of(piece.key),
        "mode": piece.mode,
        "status": SongStatus.DRAFT,
        "source_kind": SourceKind.ROOM,
        "parameters": piece.chords_parameters(),
        "id": piece.stream_id,
    }
    try:
        return (await save_song(owner, piece.stored_notes(), **fields)).id
    except IntegrityError:
        log.warning("room stream %s was saved by its own worker after all", piece.stream_id)
        return piece.stream_id
