"""Someone who joined a room with its invite link: kept so "my rooms" lists it, so a member
the owner removed cannot come back with the same link, and with their votes on the room's live
piece (`room_votes`)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.room import Room
from server.models.user import User


class RoomMember(Model):
    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "studio.Room", related_name="members", on_delete=fields.CASCADE
    )
    room_id: str  # the column behind `room`
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="room_memberships", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    joined_at = fields.DatetimeField(auto_now_add=True)
    removed_at = fields.DatetimeField(null=True)  # set when the owner removed them
    # Their standing proposal for each steering field ({"genre": "jazz"}), until one is applied.
    votes: dict[str, str] = fields.JSONField(default=dict, db_default={})

    class Meta:
        table = "room_members"
        unique_together = (("room", "user"),)
        indexes = (("user_id", "joined_at"),)  # "my rooms"

    @property
    def removed(self) -> bool:
        return self.removed_at is not None
