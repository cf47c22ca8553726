"""A room's chat: plain-text messages within a per-user rate, and only the latest kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from server.errors import AppError
from server.models.room import Room
from server.models.room_message import MESSAGE_MAX_LENGTH, RoomMessage
from server.models.user import User
from server.services.rooms import clean_text, utc_now

CHAT_BURST, CHAT_WINDOW = 5, timedelta(seconds=10)  # messages per user and room in the window
KEPT_MESSAGES = 50  # older chat is deleted: the room shows only this much history


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
    authors = User.filter(id__in={m.user_id for m in messages}).values_list("id", "display_name")
    users = dict(cast(list[tuple[int, str]], await authors))
    return [m.to_json(users.get(m.user_id, "")) for m in reversed(messages)]
