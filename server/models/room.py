"""A listening room: its name, secret invite token, owner and host, and its playback clock.

Playback is stored as a clock reference, never as a running position: while playing, beat 0
of the piece sounds at server time `anchor_ms` at `tempo`, so any worker derives where the
room is now from the row alone.
"""

from __future__ import annotations

import secrets
import time
import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from server.models.user import User

if TYPE_CHECKING:
    from server.models.room_connection import RoomConnection
    from server.models.room_member import RoomMember

ROOM_NAME_MAX_LENGTH = 60
INVITE_TOKEN_BYTES = 24  # 192 random bits, 32 URL-safe characters
MS_PER_MINUTE = 60_000.0


class Playback(StrEnum):
    IDLE = "idle"  # nothing loaded
    PLAYING = "playing"
    PAUSED = "paused"


def new_room_id() -> str:
    return uuid.uuid4().hex


def new_invite_token() -> str:
    """The secret in the invite link: whoever has it (and is logged in) may join."""
    return secrets.token_urlsafe(INVITE_TOKEN_BYTES)


def server_time_ms() -> float:
    """The room clock: Unix time in milliseconds. Wall time, not a monotonic clock, so that
    workers on different hosts (NTP-synchronised) share it."""
    return time.time_ns() / 1_000_000


class Room(Model):
    id = fields.CharField(max_length=32, primary_key=True, default=new_room_id)
    name = fields.CharField(max_length=ROOM_NAME_MAX_LENGTH)
    invite_token = fields.CharField(max_length=64, unique=True, default=new_invite_token)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="owned_rooms", on_delete=fields.CASCADE
    )
    owner_id: int  # the column behind `owner`
    host: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="hosted_rooms", null=True, on_delete=fields.SET_NULL
    )
    host_id: int | None  # the column behind `host`
    created_at = fields.DatetimeField(auto_now_add=True)
    empty_since = fields.DatetimeField(null=True)  # nobody connected since then
    playback = fields.CharEnumField(Playback, max_length=8, default=Playback.IDLE)
    tempo = fields.FloatField(default=120.0)  # quarter notes per minute, as the room plays
    anchor_ms = fields.FloatField(null=True)  # server ms at which beat 0 sounds, while playing
    paused_beats = fields.FloatField(default=0.0)  # the position while paused
    effective_ms = fields.FloatField(default=0.0)  # server ms from which this state holds
    revision = fields.IntField(default=0)  # +1 per playback change; clients drop older states

    members: fields.ReverseRelation[RoomMember]
    connections: fields.ReverseRelation[RoomConnection]

    class Meta:
        table = "rooms"
        indexes = (("owner_id", "created_at"),)

    @property
    def channel(self) -> str:
        """The Socket.IO room every connected member is in."""
        return f"room:{self.id}"

    def position_at(self, now_ms: float) -> float:
        """Beats into the piece at server time `now_ms`."""
        if self.playback is not Playback.PLAYING or self.anchor_ms is None:
            return self.paused_beats
        return max((now_ms - self.anchor_ms) * self.tempo / MS_PER_MINUTE, 0.0)

    def play_from(self, beats: float, at_ms: float) -> None:
        """Play on from `beats` at server time `at_ms`."""
        self.playback = Playback.PLAYING
        self.anchor_ms = at_ms - beats * MS_PER_MINUTE / self.tempo
        self._changed(at_ms)

    def pause_at(self, at_ms: float) -> None:
        self.paused_beats = self.position_at(at_ms)
        self.playback = Playback.PAUSED
        self.anchor_ms = None
        self._changed(at_ms)

    def seek(self, beats: float, at_ms: float) -> None:
        if self.playback is Playback.PLAYING:
            self.play_from(beats, at_ms)
        else:
            self.paused_beats = beats
            self._changed(at_ms)

    def change_tempo(self, tempo: float, at_ms: float) -> None:
        """A new tempo from `at_ms` on; the position at `at_ms` stays where it was."""
        beats = self.position_at(at_ms)
        self.tempo = tempo
        self.seek(beats, at_ms)

    def load(self, tempo: float, at_ms: float, *, playing: bool = True) -> None:
        """A new piece, from its start."""
        self.tempo = tempo
        self.playback = Playback.PAUSED
        self.paused_beats = 0.0
        if playing:
            self.play_from(0.0, at_ms)
        else:
            self._changed(at_ms)

    def _changed(self, at_ms: float) -> None:
        self.effective_ms = at_ms
        self.revision += 1

    def clock_json(self, now_ms: float) -> dict[str, Any]:
        """The `room:state` payload: enough for a client to place every note in server time."""
        return {
            "revision": self.revision,
            "playback": self.playback.value,
            "tempo": self.tempo,
            "anchor_ms": self.anchor_ms,
            "position_beats": self.position_at(max(now_ms, self.effective_ms)),
            "effective_ms": self.effective_ms,
            "server_ms": now_ms,
        }


PLAYBACK_FIELDS = ("playback", "tempo", "anchor_ms", "paused_beats", "effective_ms", "revision")
