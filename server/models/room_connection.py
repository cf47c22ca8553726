"""One open Socket.IO connection inside a room: presence is "has a connection here", and the
longest-present member is the one with the oldest connection. In the database, not a worker's
memory, so every worker sees the same presence and can reach any connection by its sid."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.room import Room
from server.models.user import User

SID_MAX_LENGTH = 64  # python-socketio sids are 20 characters


class RoomConnection(Model):
    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "studio.Room", related_name="connections", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="room_connections", on_delete=fields.CASCADE
    )
    sid = fields.CharField(max_length=SID_MAX_LENGTH, unique=True)
    connected_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "room_connections"
        indexes = (("room_id", "connected_at"),)
