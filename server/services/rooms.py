"""Listening rooms in the database: creating and finding them, who is present and who hosts,
the owner's powers, chat with its limits, and closing rooms nobody is in. No Quart and no
Socket.IO here; `server.services.room_broker` tells the members what changed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.errors import AppError, conflict, not_found
from server.models.ids import is_token
from server.models.room import ROOM_NAME_MAX_LENGTH, Room
from server.models.room_connection import RoomConnection
from server.models.room_member import RoomMember
from server.models.room_message import MESSAGE_MAX_LENGTH, RoomMessage
from server.models.user import User, is_user_id

MAX_OWNED_ROOMS = 5  # open rooms one user owns
MAX_PRESENT_MEMBERS = 256  # people connected to one room at once
EMPTY_ROOM_LIFETIME = timedelta(minutes=30)  # a room nobody is in closes after this
CHAT_BURST, CHAT_WINDOW = 5, timedelta(seconds=10)  # messages per user and room in the window
KEPT_MESSAGES = 50  # older chat is deleted: the room shows only this much history
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


async def list_rooms(user: User) -> list[Room]:
    """Open rooms the user owns or joined (and was not removed from), newest first."""
    await close_idle_rooms()
    joined = RoomMember.filter(user=user, removed_at__isnull=True).values_list("room_id", flat=True)
    joined = await joined
    rooms = await Room.filter(Q(owner=user) | Q(id__in=joined)).order_by("-created_at")
    counts = await present_counts([room.id for room in rooms])
    for room in rooms:
        room.present_count = counts.get(room.id, 0)
    return rooms


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
        present = await RoomConnection.filter(room=room).values_list("user_id", flat=True)
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


async def post_message(room: Room, user: User, text: Any) -> RoomMessage:
    """Store a chat message (plain text), within the per-user rate; old history is dropped."""
    text = clean_text(text, "text", MESSAGE_MAX_LENGTH)
    since = utc_now() - CHAT_WINDOW
    if await RoomMessage.filter(room=room, user=user, created_at__gte=since).count() >= CHAT_BURST:
        raise AppError("rate_limited", "You are sending messages too fast; wait a moment.")
    message = await RoomMessage.create(room=room, user=user, text=text)
    stale = await RoomMessage.filter(room=room).order_by("-id").offset(KEPT_MESSAGES).first()
    if stale is not None:
        await RoomMessage.filter(room=room, id__lte=stale.id).delete()
    return message


async def recent_messages(room: Room) -> list[dict[str, Any]]:
    messages = await RoomMessage.filter(room=room).order_by("-id").limit(KEPT_MESSAGES)
    users = dict(
        await User.filter(id__in={m.user_id for m in messages}).values_list("id", "display_name")
    )
    return [m.to_json(users.get(m.user_id, "")) for m in reversed(messages)]


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
    return list(
        await RoomConnection.filter(room=room, user_id=target).values_list("sid", flat=True)
    )


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
    ids = list(await Room.filter(empty_since__lt=cutoff).values_list("id", flat=True))
    if ids:
        await Room.filter(id__in=ids).delete()
    return ids


class TokenBucket:
    """A rate limit for one connection's messages: `burst` at once, `rate` per second after.
    In memory on purpose: a connection lives on one worker for its whole life."""

    def __init__(self, burst: int, rate: float) -> None:
        self.burst, self.rate = burst, rate
        self.tokens, self.updated = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
