"""One open Socket.IO connection inside a room: presence is "has a connection here", and the
longest-present member is the one with the oldest connection. In the database, not a worker's
memory, so every worker sees the same presence and can reach any connection by its sid; each row
names the worker holding the socket, so the rows of a worker that died can be cleared."""

from __future__ import annotations

from typing import cast

from tortoise import fields
from tortoise.models import Model

from server.models.room import Room
from server.models.user import User

SID_MAX_LENGTH = 64  # python-socketio sids are 20 characters
WORKER_MAX_LENGTH = 32  # a worker id is 32 hex characters


class RoomConnection(Model):
    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "studio.Room", related_name="connections", on_delete=fields.CASCADE
    )
    room_id: str  # the column behind `room`
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="room_connections", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    sid = fields.CharField(max_length=SID_MAX_LENGTH, unique=True)
    connected_at = fields.DatetimeField(auto_now_add=True)
    worker = fields.CharField(max_length=WORKER_MAX_LENGTH, default="")  # "": not known

    class Meta:
        table = "room_connections"
        indexes = (("room_id", "connected_at"),)

    @classmethod
    async def workers(cls) -> set[str]:
        """The workers holding room connections ("" for rows that do not say)."""
        workers = await cls.all().distinct().values_list("worker", flat=True)
        return set(cast(list[str], workers))  # Tortoise's hints know no flat=True

    @classmethod
    async def sids(cls, worker: str | None = None) -> list[str]:
        """The sids of the connections `worker` holds (every connection's when None)."""
        query = cls.all() if worker is None else cls.filter(worker=worker)
        return cast(list[str], await query.values_list("sid", flat=True))
