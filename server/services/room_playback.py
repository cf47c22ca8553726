"""What a room plays and where it is: loading the host's songs or a live piece, the host's
pause, resume, seek and tempo as changes of the room's clock reference, and copies of what the
room played. Every change takes effect SCHEDULE_LEAD_MS ahead, so that every member hears of it
before it sounds. Database only; no Quart, no Socket.IO.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import AppError, conflict
from server.generation.midi_io import midi_to_melody
from server.generation.notes import Note as StreamNote
from server.generation.sampler import SamplingParams, tonic_of
from server.models.room import PLAYBACK_FIELDS, Playback, Room, server_time_ms
from server.models.room_piece import Note, PieceKind, RoomPiece
from server.models.song import TITLE_MAX_LENGTH, Song, SourceKind
from server.models.user import User
from server.services.rooms import require_host
from server.services.songs import get_song, save_song

# Milliseconds between a host's action and the server time it takes effect: more than a
# broadcast takes to reach every member (p99 well under 100 ms at 200 members, docs/performance.md).
SCHEDULE_LEAD_MS = 400.0
# A live piece starts later: its first frame must reach every member, and the engine writes
# seconds ahead of its own playhead anyway, so members never wait for notes after that.
LIVE_START_LEAD_MS = 1000.0
MIN_TEMPO, MAX_TEMPO = 40.0, 240.0  # quarter notes per minute, the studio's range


def nothing_loaded() -> AppError:
    return conflict("Nothing is loaded in the room yet.", "nothing_playing")


async def current_piece(room: Room) -> RoomPiece | None:
    return await RoomPiece.get_or_none(room=room)


async def play_song(room: Room, user: User, song_id: Any) -> RoomPiece:
    """The host's saved song replaces whatever played, from its start."""
    require_host(room, user.id)
    try:
        song = await get_song(user, song_id if isinstance(song_id, str) else "")
    except AppError:  # not found
        raise AppError("unknown_song", "No such song in your library.", field="song_id") from None
    notes = await asyncio.to_thread(song_notes, song)
    fields = {"title": song.title, "song": song, "tempo": song.tempo, "key": song.key}
    fields |= {"mode": song.mode, "genre": song.genre, "notes": [list(n) for n in notes]}
    fields["instrument"] = str(song.parameters.get("instrument", "piano"))
    return await replace_piece(room, PieceKind.SONG, fields)


def song_notes(song: Song) -> list[Note]:
    """A saved song's notes from its MIDI (CPU work: run in a thread)."""
    return midi_to_melody(song.to_midi()).notes()


async def start_live_piece(
    room: Room, stream_id: str, params: SamplingParams, extra: dict[str, Any], title: str
) -> RoomPiece:
    """A piece the model is about to write for the room; it plays from its first note."""
    fields = {"title": title, "stream_id": stream_id, "tempo": params.tempo, "key": params.key}
    fields |= {"mode": params.mode, "genre": params.genre, "complete": False}
    fields |= {"instrument": extra.get("instrument", "piano"), "expected_beats": params.bars * 4}
    return await replace_piece(room, PieceKind.LIVE, fields, LIVE_START_LEAD_MS)


async def replace_piece(
    room: Room, kind: PieceKind, fields: dict[str, Any], lead_ms: float = SCHEDULE_LEAD_MS
) -> RoomPiece:
    async with in_transaction():
        await RoomPiece.filter(room=room).delete()
        piece = await RoomPiece.create(room=room, kind=kind, **fields)
        room.load(piece.tempo, server_time_ms() + lead_ms)
        await room.save(update_fields=PLAYBACK_FIELDS)
    return piece


async def save_live_notes(piece_id: str, notes: list[Note]) -> None:
    await RoomPiece.filter(id=piece_id).update(notes=[list(note) for note in notes])


async def finish_live_piece(piece_id: str, notes: list[Note], song: Song | None) -> None:
    """The live piece is written: all its notes, and the song it was saved as (if any)."""
    stored = [list(note) for note in notes]
    song_id = song.id if song is not None else None
    await RoomPiece.filter(id=piece_id).update(notes=stored, complete=True, song_id=song_id)


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


async def change_clock(room: Room, user_id: int, change, only_when: Playback | None = None) -> Room:
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


async def copy_piece(room: Room, user: User) -> Song:
    """A copy of what the room plays (so far, for a live piece) in the member's own songs."""
    piece = await current_piece(room)
    if piece is None:
        raise nothing_loaded()
    notes = [StreamNote.from_storage(note) for note in piece.note_tuples()]
    if not notes:
        raise conflict("No notes have been played yet.", "nothing_playing")
    title = f"{piece.title} (from {room.name})"[:TITLE_MAX_LENGTH]
    parameters = {"instrument": piece.instrument, "room": room.name}
    return await save_song(
        user,
        notes,
        title=title,
        tempo=piece.tempo,
        tonic=tonic_of(piece.key),
        mode=piece.mode,
        genre=piece.genre,
        source_kind=SourceKind.ROOM,
        parameters=parameters,
    )
