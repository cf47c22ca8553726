"""Who is in a room: each connection's arrival and departure, the host role moving to the
longest-present member when its holder leaves, and the members as `room:presence` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from tortoise.transactions import in_transaction

from server.errors import AppError
from server.models.room import Room
from server.models.room_connection import RoomConnection
from server.models.room_member import RoomMember
from server.models.user import User
from server.services.rooms import not_in_room, utc_now

MAX_PRESENT_MEMBERS = 256  # people connected to one room at once


@dataclass(frozen=True)
class Presence:
    """A connection arrived or left: whether the person came or went, and any new host."""

    room: Room
    user_id: int
    changed: bool  # the person appeared or disappeared (not just another tab)
    new_host_id: int | None = None  # set when the host role moved


async def join(room: Room, user: User, sid: str, worker: str = "") -> Presence:
    """Add a connection (held by `worker`); the room's first present member becomes host if
    the host is away."""
    async with in_transaction():
        member, _ = await RoomMember.get_or_create(room=room, user=user)
        if member.removed:
            raise AppError("removed", "The owner removed you from this room.")
        connected = RoomConnection.filter(room=room).values_list("user_id", flat=True)
        present = cast(list[int], await connected)
        if user.id not in present and len(set(present)) >= MAX_PRESENT_MEMBERS:
            raise AppError("room_full", f"This room is full ({MAX_PRESENT_MEMBERS} people).")
        await RoomConnection.create(room=room, user=user, sid=sid, worker=worker)
        new_host = None
        if room.host_id not in present:
            new_host = room.host_id = user.id
        room.empty_since = None
        await room.save(update_fields=["host_id", "empty_since"])
    return Presence(room, user.id, changed=user.id not in present, new_host_id=new_host)


async def leave(sid: str) -> Presence | None:
    """Remove a connection; if it was the host's last, the longest-present member hosts. None
    when there is no such connection, or another worker removed it first."""
    async with in_transaction():
        connection = await RoomConnection.get_or_none(sid=sid).select_related("room")
        # The delete is the claim: of two workers clearing one connection, one goes on.
        if connection is None or not await RoomConnection.filter(id=connection.id).delete():
            return None
        room, user_id = connection.room, connection.user_id
        still_here = await RoomConnection.filter(room=room, user_id=user_id).exists()
        new_host = None
        if not still_here and room.host_id == user_id:
            new_host = await longest_present(room)
            if new_host is not None:
                room.host_id = new_host
        if not await RoomConnection.filter(room=room).exists():
            room.empty_since = utc_now()
        await room.save(update_fields=["host_id", "empty_since"])
    return Presence(room, user_id, changed=not still_here, new_host_id=new_host)


async def longest_present(room: Room) -> int | None:
    oldest = await RoomConnection.filter(room=room).order_by("connected_at", "id").first()
    return oldest.user_id if oldest else None


async def connection_of(sid: str) -> RoomConnection:
    """The room connection of `sid` with its room, or `not_in_room`."""
    connection = await RoomConnection.get_or_none(sid=sid).select_related("room", "user")
    if connection is None:
        raise not_in_room()
    return connection


async def present_members(room: Room) -> list[dict[str, Any]]:
    """Everyone present, longest-present first, as `room:presence` members."""
    connections = await RoomConnection.filter(room=room).order_by("connected_at", "id")
    users = {user.id: user for user in await User.filter(id__in={c.user_id for c in connections})}
    order = dict.fromkeys(c.user_id for c in connections)
    return [member_json(room, users[user_id]) for user_id in order if user_id in users]


def member_json(room: Room, user: User) -> dict[str, Any]:
    photo_url = None
    if user.photo_updated_at is not None:
        photo_url = f"/api/users/{user.id}/photo?v={int(user.photo_updated_at.timestamp() * 1000)}"
    return {
        "id": user.id,
        "display_name": user.display_name,
        "photo_url": photo_url,
        "host": user.id == room.host_id,
        "owner": user.id == room.owner_id,
    }
