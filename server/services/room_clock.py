"""The room's clock as the host moves it: pause, resume, seek and tempo, each a change of the
room's clock reference (`Room`) that takes effect SCHEDULE_LEAD_MS ahead, so that every member
hears of it before it sounds. Database only; no Quart, no Socket.IO.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import AppError, conflict
from server.models.room import PLAYBACK_FIELDS, Playback, Room, server_time_ms
from server.models.room_piece import RoomPiece
from server.services.rooms import require_host

# Milliseconds between a host's action and the server time it takes effect: more than a
# broadcast takes to reach every member (p99 well under 100 ms at 200 members, docs/performance.md).
SCHEDULE_LEAD_MS = 400.0
MIN_TEMPO, MAX_TEMPO = 40.0, 240.0  # quarter notes per minute, the studio's range
ClockChange = Callable[[Room, float], None]  # moves the room's clock at a server time (ms)


def nothing_loaded() -> AppError:
    return conflict("Nothing is loaded in the room yet.", "nothing_playing")


async def current_piece(room: Room) -> RoomPiece | None:
    return await RoomPiece.get_or_none(room=room)


async def pause(room: Room, user_id: int) -> Room:
    return await change_clock(room, user_id, lambda room, at: room.pause_at(at), Playback.PLAYING)


async def resume(room: Room, user_id: int) -> Room:
    def resume_at(room: Room, at_ms: float) -> None:
        room.play_from(room.paused_beats, at_ms)

    return await change_clock(room, user_id, resume_at, Playback.PAUSED)


async def seek(room: Room, user_id: int, beats: Any) -> Room:
    if not is_number(beats) or beats < 0:
        raise AppError("invalid_params", "beats: must be a number of 0 or more", field="beats")
    piece = await current_piece(room)
    end = piece.length_beats if piece is not None else 0.0
    return await change_clock(room, user_id, lambda room, at: room.seek(min(beats, end), at))


async def set_tempo(room: Room, user_id: int, tempo: Any) -> Room:
    if not is_number(tempo) or not MIN_TEMPO <= tempo <= MAX_TEMPO:
        message = f"tempo: must be a number from {MIN_TEMPO:g} to {MAX_TEMPO:g}"
        raise AppError("invalid_params", message, field="tempo")
    piece = await current_piece(room)
    if piece is not None and not piece.complete:
        raise AppError(
            "tempo_locked", "The tempo is fixed while the model writes live; change it after."
        )
    return await change_clock(room, user_id, lambda room, at: room.change_tempo(tempo, at))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


async def change_clock(
    room: Room, user_id: int, change: ClockChange, only_when: Playback | None = None
) -> Room:
    """Apply `change(room, at_ms)` to the freshest row (another worker may have moved it)."""
    require_host(room, user_id)
    async with in_transaction():
        room = await Room.select_for_update().get(id=room.id)
        if room.playback is Playback.IDLE:
            raise nothing_loaded()
        if only_when is not None and room.playback is not only_when:
            return room  # already paused, or already playing: nothing to change
        change(room, server_time_ms() + SCHEDULE_LEAD_MS)
        await room.save(update_fields=PLAYBACK_FIELDS)
    return room
