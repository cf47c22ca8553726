"""What a room plays: loading the host's songs or a live piece (from SCHEDULE_LEAD_MS ahead, a
live one later), its notes as the model writes them, and copies of what the room played.
Database only; no Quart, no Socket.IO. Where the room is in the piece is `room_clock`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tortoise.transactions import in_transaction

from server.errors import AppError, conflict
from server.generation.live_stream import LiveStream
from server.generation.midi_io import midi_to_melody
from server.generation.notes import Note, storage_rows
from server.generation.progression import Progression, StoredSpan
from server.generation.sampler import tonic_of
from server.generation.song_parts import song_midi_to_notes
from server.models.room import PLAYBACK_FIELDS, Room, server_time_ms
from server.models.room_piece import PieceKind, RoomPiece
from server.models.song import TITLE_MAX_LENGTH, Song, SourceKind
from server.models.user import User
from server.services.room_clock import SCHEDULE_LEAD_MS, current_piece, nothing_loaded
from server.services.rooms import require_host
from server.services.songs import get_song, save_song

# A live piece starts later: its first frame must reach every member, and the engine writes
# seconds ahead of its own playhead anyway, so members never wait for notes after that.
LIVE_START_LEAD_MS = 1000.0


async def play_song(room: Room, user: User, song_id: Any) -> RoomPiece:
    """The host's saved song replaces whatever played, from its start."""
    require_host(room, user.id)
    try:
        song = await get_song(user, song_id if isinstance(song_id, str) else "")
    except AppError:  # not found
        raise AppError("unknown_song", "No such song in your library.", field="song_id") from None
    notes = await asyncio.to_thread(song_notes, song)
    fields = {
        "title": song.title,
        "song": song,
        "tempo": song.tempo,
        "key": song.key,
        "mode": song.mode,
        "genre": song.genre,
        "notes": storage_rows(notes),
        "chords": song_chords(song),
        "instrument": str(song.parameters.get("instrument", "piano")),
    }
    return await replace_piece(room, PieceKind.SONG, fields)


def song_notes(song: Song) -> list[Note]:
    """A saved song's notes from its MIDI (CPU work: run in a thread): its melody, and every
    part of its band when it has one."""
    if song.parameters.get("band"):
        return song_midi_to_notes(song.to_midi())
    return midi_to_melody(song.to_midi()).notes()


def song_chords(song: Song) -> list[StoredSpan]:
    """The chords a saved song was written over (its `parameters.chords`), as storage rows."""
    rows = song.parameters.get("chords")
    return Progression.from_storage(rows).to_storage() if rows else []


async def start_live_piece(
    room: Room, stream: LiveStream, extra: dict[str, Any], title: str
) -> RoomPiece:
    """A piece the model is about to write for the room (`stream`, which its owner asked
    for); it plays from its first note."""
    params = stream.params
    fields = {
        "title": title,
        "stream_id": stream.id,
        "owner_id": stream.owner,
        "tempo": params.tempo,
        "key": params.key,
        "mode": params.mode,
        "genre": params.genre,
        "complete": False,
        "instrument": extra.get("instrument", "piano"),
        "expected_beats": params.bars * 4,
        "chords": [] if params.chords is None else params.chords.to_storage(),
    }
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


async def save_live_notes(
    piece_id: str, notes: list[Note], chords: Progression | None = None
) -> None:
    """The live piece's notes so far, and its chords when they are committed as it plays (an
    accompanying piece's), for members who join meanwhile on any worker."""
    fields: dict[str, Any] = {"notes": storage_rows(notes)}
    if chords is not None:
        fields["chords"] = chords.to_storage()
    await RoomPiece.filter(id=piece_id).update(**fields)


async def complete_live_piece(
    piece_id: str, notes: list[Note], song: Song | None, chords: Progression | None = None
) -> None:
    """The live piece is written: all its notes, the song it was saved as (if any), and its
    chords when they were committed as it played."""
    fields: dict[str, Any] = {"notes": storage_rows(notes), "complete": True}
    fields["song_id"] = song.id if song is not None else None
    if chords is not None:
        fields["chords"] = chords.to_storage()
    await RoomPiece.filter(id=piece_id).update(**fields)


async def copy_piece(room: Room, user: User) -> Song:
    """A copy of what the room plays (so far, for a live piece) in the member's own songs."""
    piece = await current_piece(room)
    if piece is None:
        raise nothing_loaded()
    notes = piece.stored_notes()
    if not notes:
        raise conflict("No notes have been played yet.", "nothing_playing")
    title = f"{piece.title} (from {room.name})"[:TITLE_MAX_LENGTH]
    parameters = {"instrument": piece.instrument, "room": room.name} | piece.chords_parameters()
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
