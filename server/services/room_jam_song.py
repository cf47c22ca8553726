"""A room's jam saved as one song in a member's dashboard: a track for the model's part (the
room's piece) and one per member who played, named after them, their notes in the "played"
part; all timed in beats of the piece. Database only; no Quart, no Socket.IO.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.errors import conflict
from server.generation.midi_writing import NamedPart
from server.generation.notes import PLAYED, Note, beats_to_ticks
from server.generation.sampler import tonic_of
from server.models.room import MS_PER_MINUTE, Room
from server.models.room_jam_event import RoomJamEvent
from server.models.room_piece import RoomPiece
from server.models.song import TITLE_MAX_LENGTH, Song, SourceKind
from server.models.user import User
from server.services.room_clock import current_piece
from server.services.songs import save_song

MODEL_TRACK = "Cadenza"  # the name of the model's track in a saved jam
HELD_BEATS = 1.0  # how long a note sounds when its note-off never came
# Note events a saved jam holds at most (the first ones): about two hours of six members playing
# steadily, and a bound on what one save reads, however long a room was flooded.
MAX_SAVED_EVENTS = 20_000


async def save_jam(room: Room, user: User) -> Song:
    """The jam so far as `user`'s song: the piece (if any) and what members played over it;
    with nothing loaded, everything played in the room, timed from its first note."""
    piece = await current_piece(room)
    events = await jam_events(room, piece)
    parts = [NamedPart(MODEL_TRACK, piece.stored_notes())] if piece is not None else []
    by_member = played_notes(events)
    names = await display_names(by_member)
    parts += [NamedPart(names[user_id], notes) for user_id, notes in by_member.items()]
    if not any(part.notes for part in parts):
        raise conflict("Nothing has been played in this room yet.", "nothing_playing")
    title = f"Jam in {room.name}"[:TITLE_MAX_LENGTH]
    tempo = piece.tempo if piece is not None else room.tempo
    members = [{"user_id": user_id, "name": names[user_id]} for user_id in by_member]
    parameters = {"room": room.name, "jam": {"members": members}}
    if piece is not None:
        parameters |= {"instrument": piece.instrument} | piece.chords_parameters()
    return await save_song(
        user,
        [],
        parts=parts,
        title=title,
        tempo=tempo,
        tonic=tonic_of(piece.key) if piece is not None else 0,
        mode=piece.mode if piece is not None else "major",
        genre=piece.genre if piece is not None else None,
        source_kind=SourceKind.ROOM,
        parameters=parameters,
    )


async def display_names(user_ids: Iterable[int]) -> dict[int, str]:
    """Each member's display name (a deleted account's events went with it)."""
    rows = await User.filter(id__in=set(user_ids)).values_list("id", "display_name")
    return {int(user_id): str(name) for user_id, name in rows}


async def jam_events(room: Room, piece: RoomPiece | None) -> list[RoomJamEvent]:
    """The events played over the piece (timed in its beats), or, with no piece, all of the
    room's, timed from the first at the room's tempo."""
    query = RoomJamEvent.filter(room=room).order_by("at_ms", "id")
    if piece is not None:
        since_ms = piece.created_at.timestamp() * 1000
        query = query.filter(at_ms__gte=since_ms, beats__not_isnull=True)
        return list(await query.limit(MAX_SAVED_EVENTS))
    events = list(await query.limit(MAX_SAVED_EVENTS))
    if events:
        first_ms = events[0].at_ms
        for event in events:
            event.beats = (event.at_ms - first_ms) * room.tempo / MS_PER_MINUTE
    return events


def played_notes(events: Iterable[RoomJamEvent]) -> dict[int, list[Note]]:
    """Each member's notes (members in the order they first played, notes in time order) from
    their note-ons and note-offs (in time order): a note lasts from its note-on to the next
    note-off of its pitch, or HELD_BEATS without one."""
    notes: dict[int, list[Note]] = {}
    sounding: dict[tuple[int, int], RoomJamEvent] = {}
    for event in events:
        notes.setdefault(event.user_id, [])
        key = (event.user_id, event.pitch)
        started = sounding.pop(key, None)
        if started is not None:
            notes[event.user_id].append(played(started, event.beats))
        if event.on:
            sounding[key] = event
    for started in sounding.values():
        notes[started.user_id].append(played(started, None))
    return {user_id: sorted(played, key=lambda n: n.start) for user_id, played in notes.items()}


def played(start: RoomJamEvent, end_beats: float | None) -> Note:
    begin = start.beats or 0.0
    end = begin + HELD_BEATS if end_beats is None else end_beats
    duration = max(1, beats_to_ticks(end) - beats_to_ticks(begin))
    return Note(start.pitch, beats_to_ticks(begin), duration, start.velocity, PLAYED)
