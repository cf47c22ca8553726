"""Listening rooms in the database: creating and finding them, the owner's and the host's
powers, and closing rooms nobody is in. Who is present is `room_presence`, chat `room_chat`.
No Quart and no Socket.IO here; `server.services.room_broker` tells the members what changed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.errors import AppError, conflict, not_found
from server.models.ids import is_token
from server.models.room import ROOM_NAME_MAX_LENGTH, Room
from server.models.room_connection import RoomConnection
from server.models.room_member import RoomMember
from server.models.user import User, is_user_id

MAX_OWNED_ROOMS = 5  # open rooms one user owns
EMPTY_ROOM_LIFETIME = timedelta(minutes=30)  # a room nobody is in closes after this
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def no_such_room() -> AppError:
    return not_found("This room does not exist or has been closed.", code="room_not_found")


def not_in_room() -> AppError:
    return AppError("not_in_room", "Join the room first.")


def invalid_params(field: str, message: str) -> AppError:
    return AppError("invalid_params", message, field=field)


def utc_now() -> datetime:
    return datetime.now(UTC)


def clean_text(value: Any, field: str, max_length: int) -> str:
    """Trimmed single-line text of 1..max_length characters, else `invalid_params`."""
    if not isinstance(value, str) or not value.strip():
        raise invalid_params(field, f"{field}: must be some text")
    text = value.strip()
    if len(text) > max_length:
        raise invalid_params(field, f"{field}: must be at most {max_length} characters")
    if _CONTROL_CHARACTERS.search(text):
        raise invalid_params(field, f"{field}: must not contain control characters")
    return text


async def create_room(owner: User, name: str) -> Room:
    """A new room owned (and hosted) by `owner`, unless they already own too many."""
    name = clean_text(name, "name", ROOM_NAME_MAX_LENGTH)
    await close_idle_rooms()
    if await Room.filter(owner=owner).count() >= MAX_OWNED_ROOMS:
        raise conflict(
            f"You already have {MAX_OWNED_ROOMS} rooms open; close one first.", "too_many_rooms"
        )
    async with in_transaction():
        room = await Room.create(name=name, owner=owner, host=owner, empty_since=utc_now())
        await RoomMember.create(room=room, user=owner)
    return room


async def list_rooms(user: User) -> list[tuple[Room, int]]:
    """Open rooms the user owns or joined (and was not removed from), newest first, each with
    the number of people present."""
    await close_idle_rooms()
    memberships = RoomMember.filter(user=user, removed_at__isnull=True)
    joined = cast(list[str], await memberships.values_list("room_id", flat=True))
    rooms = await Room.filter(Q(owner=user) | Q(id__in=joined)).order_by("-created_at")
    counts = await present_counts([room.id for room in rooms])
    return [(room, counts.get(room.id, 0)) for room in rooms]


async def present_counts(room_ids: list[str]) -> dict[str, int]:
    """People (not connections) present in each room."""
    rows = (
        await RoomConnection.filter(room_id__in=room_ids)
        .annotate(people=Count("user_id", distinct=True))
        .group_by("room_id")
        .values_list("room_id", "people")
    )
    return dict(rows)


async def room_for_token(token: Any) -> Room:
    if not is_token(token) or len(token) < 16:
        raise no_such_room()
    room = await Room.get_or_none(invite_token=token)
    if room is None:
        raise no_such_room()
    return room


async def room_of_member(user: User, room_id: str) -> Room:
    """The room, if `user` is a member; anyone else gets the same error as for no room."""
    if not is_token(room_id):
        raise no_such_room()
    member = await RoomMember.get_or_none(room_id=room_id, user=user, removed_at__isnull=True)
    if member is None:
        raise no_such_room()
    return await member.room


def require_owner(room: Room, user_id: int) -> None:
    if room.owner_id != user_id:
        raise AppError("not_owner", "Only the room's owner can do that.", status=403)


def require_host(room: Room, user_id: int) -> None:
    if room.host_id != user_id:
        raise AppError("not_host", "Only the host controls the music.")


async def rename(room: Room, user_id: int, name: Any) -> None:
    require_owner(room, user_id)
    room.name = clean_text(name, "name", ROOM_NAME_MAX_LENGTH)
    await room.save(update_fields=["name"])


async def remove_member(room: Room, user_id: int, target: Any) -> list[str]:
    """The owner removes a member for good; returns the sids of their connections here."""
    require_owner(room, user_id)
    if not is_user_id(target) or target == user_id:
        raise invalid_params("user_id", "user_id: must be another member's id")
    updated = await RoomMember.filter(room=room, user_id=target).update(removed_at=utc_now())
    if not updated:
        raise AppError("not_a_member", "That person is not a member of this room.")
    sids = await RoomConnection.filter(room=room, user_id=target).values_list("sid", flat=True)
    return cast(list[str], sids)  # Tortoise's hints know no flat=True


async def pass_host(room: Room, user_id: int, target: Any) -> None:
    """The host (or the owner) hands the host role to a present member."""
    if user_id not in (room.host_id, room.owner_id):
        raise AppError("not_host", "Only the host or the owner can pass the host role.")
    present = is_user_id(target) and await RoomConnection.filter(room=room, user_id=target).exists()
    if not present:
        raise AppError("not_present", "Pass the host role to someone who is in the room.")
    room.host_id = target
    await room.save(update_fields=["host_id"])


async def close_idle_rooms(now: datetime | None = None) -> list[str]:
    """Delete rooms nobody has been in for EMPTY_ROOM_LIFETIME (with their chat and piece)."""
    cutoff = (now or utc_now()) - EMPTY_ROOM_LIFETIME
    ids = cast(list[str], await Room.filter(empty_since__lt=cutoff).values_list("id", flat=True))
    if ids:
        await Room.filter(id__in=ids).delete()
    return ids
