"""A note a member played in a room jam, as a note-on or note-off at its scheduled room-clock
time: what every member heard, kept so that the jam can be saved as a song with a part per
member. In the database, so that a save through any worker finds every member's notes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.room import Room
from server.models.user import User


class RoomJamEvent(Model):
    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "studio.Room", related_name="jam_events", on_delete=fields.CASCADE
    )
    room_id: str  # the column behind `room`
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="jam_events", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    pitch = fields.SmallIntField()  # MIDI 0..127
    velocity = fields.SmallIntField()  # MIDI 1..127 for a note-on; 0 for a note-off
    at_ms = fields.FloatField()  # server ms at which every member plays it
    # Beats into the room's piece at `at_ms` while one plays; None when nothing played.
    beats = fields.FloatField(null=True)

    class Meta:
        table = "room_jam_events"
        indexes = (("room_id", "at_ms"),)

    @property
    def on(self) -> bool:
        return int(self.velocity) > 0
