"""A chat message in a room: plain text, bounded in length, only the latest few kept."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.models.room import Room
from server.models.user import User

MESSAGE_MAX_LENGTH = 500  # characters


class RoomMessage(Model):
    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "studio.Room", related_name="messages", on_delete=fields.CASCADE
    )
    room_id: str  # the column behind `room`
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="room_messages", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    text = fields.CharField(max_length=MESSAGE_MAX_LENGTH)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "room_messages"
        indexes = (("room_id", "created_at"), ("user_id", "created_at"))

    def to_json(self, display_name: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "display_name": display_name,
            "text": self.text,
            "sent_at": self.created_at.isoformat(),
        }
