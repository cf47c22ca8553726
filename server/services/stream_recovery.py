"""Live streams outliving their worker. On SIGTERM a worker stops taking streams and saves the
running ones as drafts before it exits. With Redis, each worker holds a short lease on every
stream it writes; when a worker dies (SIGKILL, a lost host) its leases lapse and another worker
saves the notes the room piece already holds as the host's draft, exactly once, and tells the
room.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from quart import Quart

from server.generation.engine import EndReason
from server.models.room import Room
from server.models.room_piece import PieceKind, RoomPiece
from server.models.song import Song, SongStatus, SourceKind
from server.models.user import User
from server.services.room_broker import Channel

log = logging.getLogger(__name__)

# The coroutines that save an ended stream: the studio's and a room's.
SAVES = {"Listeners._save_and_report", "RoomSink.save"}
DRAIN_SECONDS = 8.0  # how long shutdown waits for the running streams' saves
# How long a stream outlives a silent owner before it counts as lost (s); a piece younger than
# this is never recovered, since its owner may not have taken its first lease yet.
LEASE_SECONDS = 4.0
RENEW_SECONDS = 1.0  # how often an owner renews its leases (well inside LEASE_SECONDS)
LOST = {
    "code": "worker_lost",
    "message": "The server writing this melody stopped; its notes so far are a draft.",
}


def init_stream_recovery(app: Quart, sio: Channel) -> None:
    """Save the running streams when the worker shuts down; with Redis, hold leases on them
    and recover the room streams of workers that died."""
    config = app.extensions["studio_config"]

    @app.while_serving
    async def serve() -> AsyncIterator[None]:
        guard, client = None, None
        if config.redis_url:
            client = aioredis.from_url(config.redis_url)
            prefix = f"{config.socketio_channel}:lease:"
            guard = asyncio.get_running_loop().create_task(guard_streams(app, sio, client, prefix))
        yield
        # Runs before any after_serving hook: the database and the engine are still open.
        await drain_streams(app)
        if guard is not None and client is not None:
            guard.cancel()
            await client.aclose()


async def drain_streams(app: Quart) -> None:
    """Refuse new streams, end the running ones as interrupted and wait for their saves."""
    service = app.extensions.get("generation")
    if service is None:
        return
    app.extensions["generation"] = None  # handlers now answer "model_unavailable"
    for stream_id in list(service.engine.streams):
        stream = service.engine.end_stream(stream_id, EndReason.DISCONNECTED)
        if stream is not None:
            stream.sink.stream_ended(stream)  # each sink saves its stream as a draft
    app.extensions["generation"] = service  # the saves use it; its own hook stops the engine
    # Hypercorn has closed the connections by now, so saves started by their clean-up (a
    # client's streams end as it leaves) are in flight too: wait for every one.
    saves = {task for task in asyncio.all_tasks() if is_save(task)}
    if saves:
        await asyncio.wait(saves, timeout=DRAIN_SECONDS)


def is_save(task: asyncio.Task) -> bool:
    return getattr(task.get_coro(), "__qualname__", "") in SAVES


async def guard_streams(app: Quart, sio: Channel, client: aioredis.Redis, prefix: str) -> None:
    """Renew this worker's leases and recover any stream whose owner stopped renewing."""
    held: set[str] = set()
    while True:
        try:
            held = await renew_leases(app, client, prefix, held)
            await recover_lost_pieces(sio, client, prefix)
        except Exception:  # Redis or the database away for a moment: try again next round
            log.exception("renewing or recovering live streams failed")
        await asyncio.sleep(RENEW_SECONDS)


async def renew_leases(app: Quart, client: aioredis.Redis, prefix: str, held: set[str]) -> set[str]:
    """Renew the lease of every live stream, and of those that just ended while saves are in
    flight: a stream being saved is still this worker's, not one to recover. Returns the ids
    held now."""
    service = app.extensions.get("generation")
    live = set(service.engine.streams) if service is not None else set()
    saving = any(is_save(task) for task in asyncio.all_tasks())
    held = live | (held if saving else set())
    if held:
        async with client.pipeline(transaction=False) as pipe:
            for stream_id in held:
                pipe.set(prefix + stream_id, 1, px=int(LEASE_SECONDS * 1000))
            await pipe.execute()
    return held


async def recover_lost_pieces(sio: Channel, client: aioredis.Redis, prefix: str):
    """Every unfinished live piece whose stream holds no lease is saved once, by one worker."""
    settled = datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS)
    pieces = RoomPiece.filter(kind=PieceKind.LIVE, complete=False, created_at__lt=settled)
    for piece in await pieces.only("id", "stream_id"):
        if piece.stream_id and not await client.exists(prefix + piece.stream_id):
            await recover_piece(sio, piece.id)


async def recover_piece(sio: Channel, piece_id: str) -> None:
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
    piece.song_id = song_id  # type: ignore[attr-defined]
    await sio.emit("room:piece", piece.to_json(), to=channel)


async def save_draft(piece: RoomPiece) -> int | None:
    """The host's draft of the notes the piece holds; None when nothing was written."""
    room: Room = piece.room
    host_id = room.host_id  # type: ignore[attr-defined]
    host = await User.get_or_none(id=host_id) if host_id is not None else None
    if host is None or not piece.notes:
        return None
    fields = {"title": piece.title, "tempo": piece.tempo, "genre": piece.genre, "mode": piece.mode}
    fields |= {"status": SongStatus.DRAFT, "source_kind": SourceKind.ROOM}
    song = await asyncio.to_thread(Song.from_notes, host, piece.note_tuples(), **fields)
    await song.save()
    return song.id
