"""Members playing together in a room: each note-on and note-off a member plays is scheduled on
the room clock one fixed look-ahead (JAM_LEAD_MS) after it was played, told to every other
member and kept, so that the jam can be saved as one song with a part per member
(`room_jam_song`). No Quart, no Socket.IO: the broker's `Channel` carries the events.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

from server.errors import AppError
from server.generation.accompaniment import Accompaniment
from server.generation.notes import DEFAULT_VELOCITY
from server.models.room import Playback, Room, server_time_ms
from server.models.room_jam_event import RoomJamEvent
from server.services import room_presence
from server.services.room_broker import Channel
from server.services.room_relay import RoomRelay
from server.services.rooms import invalid_params
from server.services.token_bucket import TokenBucket

log = logging.getLogger(__name__)

NOTE = "jam:note"
HEAR = "hear"  # the relayed operation: the room's accompaniment hears a played note
KEEP_EVERY_SECONDS = 0.25  # played notes are stored together, this often at most
# Milliseconds from the moment a member plays a note to the room-clock time every member hears
# it: more than a note takes to reach every member (fan-out p99 well under 100 ms at 200
# members, docs/performance.md), plus room for a member's clock estimate to be a little off.
JAM_LEAD_MS = 200.0
# Note events (a note-on and its note-off are two) per connection: a burst, then per second.
# A fast trill is about 15 notes a second and a chord 10 at once, each with its note-off.
JAM_BURST, JAM_RATE = 60, 40.0
RATE_LIMITED = "You are playing notes faster than the room can take; slow down."


@dataclass(frozen=True)
class PlayedNote:
    """A note-on (velocity 1..127) or note-off (velocity 0) as a member sent it, at the room
    time (server ms) their clock estimate gave when they played it."""

    pitch: int
    velocity: int
    played_ms: float

    @property
    def on(self) -> bool:
        return self.velocity > 0


def played_note(data: Any) -> PlayedNote:
    """A `jam:note` payload `{pitch, on, velocity?, played_ms}`, else `invalid_params`."""
    if not isinstance(data, dict):
        raise invalid_params("payload", "payload: expected {pitch, on, velocity, played_ms}")
    pitch = data.get("pitch")
    if not whole(pitch) or not 0 <= pitch <= 127:
        raise invalid_params("pitch", f"pitch: must be a MIDI number 0..127, got {pitch!r}")
    on = data.get("on")
    if not isinstance(on, bool):
        raise invalid_params("on", "on: must be true (note-on) or false (note-off)")
    velocity = data.get("velocity", DEFAULT_VELOCITY) if on else 0
    if on and (not whole(velocity) or not 1 <= velocity <= 127):
        raise invalid_params("velocity", f"velocity: must be 1..127, got {velocity!r}")
    played_ms = data.get("played_ms")
    if isinstance(played_ms, bool) or not isinstance(played_ms, int | float):
        raise invalid_params("played_ms", "played_ms: must be the room time (server ms)")
    if not math.isfinite(played_ms):
        raise invalid_params("played_ms", "played_ms: must be a finite number")
    return PlayedNote(pitch, velocity, float(played_ms))


def whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def scheduled_ms(played_ms: float, now_ms: float) -> float:
    """When every member plays a note played at `played_ms`: JAM_LEAD_MS later. A time in the
    future counts as now, one older than the look-ahead as just too late, so that a note is
    never scheduled in the past nor more than the look-ahead ahead."""
    return min(max(played_ms, now_ms - JAM_LEAD_MS), now_ms) + JAM_LEAD_MS


def piece_beats(room: Room, at_ms: float) -> float | None:
    """Beats into the room's piece at `at_ms` while it plays; None when nothing plays."""
    if room.playback is not Playback.PLAYING:
        return None
    return room.position_at(at_ms)


class JamNotes:
    """One per worker: the `jam:note` event. Each connection's allowance is checked before
    anything else, so one member's flood costs the others nothing but its refusals."""

    def __init__(
        self,
        channel: Channel,
        relay: RoomRelay,
        accompaniment_of: Callable[[str], Accompaniment | None] = lambda room_id: None,
    ) -> None:
        self.channel, self.relay = channel, relay
        self.accompaniment_of = accompaniment_of  # room id -> its piece's, when written here
        relay.add(HEAR, self._hear_here)
        self._buckets: dict[str, TokenBucket] = {}  # sid -> its note allowance
        self._unsaved: list[RoomJamEvent] = []  # played on this worker, not yet stored
        self._writing: asyncio.Task[None] | None = None  # the next store, when one is due

    async def note(self, sid: str, data: Any) -> dict[str, Any]:
        if not self._buckets.setdefault(sid, TokenBucket(JAM_BURST, JAM_RATE)).take():
            raise AppError("rate_limited", RATE_LIMITED)
        played = played_note(data)
        connection = await room_presence.connection_of(sid)  # not_in_room: left or removed
        room = connection.room
        at_ms = scheduled_ms(played.played_ms, server_time_ms())
        payload = {
            "user_id": connection.user_id,
            "pitch": played.pitch,
            "velocity": played.velocity,
            "on": played.on,
            "at_ms": at_ms,
        }
        await self.channel.emit(NOTE, payload, to=room.channel, skip_sid=sid)
        beats = piece_beats(room, at_ms)
        if beats is not None:  # a piece plays: its accompaniment, if any, hears the note
            heard = {"user_id": connection.user_id, "pitch": played.pitch, "on": played.on}
            await self.relay.tell(HEAR, room.id, heard | {"beats": beats})
        self._keep(
            RoomJamEvent(
                room_id=room.id,
                user_id=connection.user_id,
                pitch=played.pitch,
                velocity=played.velocity,
                at_ms=at_ms,
                beats=beats,
            )
        )
        return {"at_ms": at_ms}

    async def _hear_here(self, room_id: str, heard: dict[str, Any]) -> dict[str, Any] | None:
        """The room's accompaniment hears the note, if this worker writes it; None if not."""
        accompaniment = self.accompaniment_of(room_id)
        if accompaniment is None:
            return None
        accompaniment.hear(heard["user_id"], heard["pitch"], heard["on"], heard["beats"])
        return {}

    def forget(self, sid: str) -> None:
        self._buckets.pop(sid, None)

    def _keep(self, event: RoomJamEvent) -> None:
        """Store `event` with the others played within KEEP_EVERY_SECONDS, in one write: a
        write per note would queue every member's next note behind the database."""
        self._unsaved.append(event)
        if self._writing is None:
            self._writing = asyncio.get_running_loop().create_task(self._write_soon())

    async def _write_soon(self) -> None:
        await asyncio.sleep(KEEP_EVERY_SECONDS)
        await self.flush()

    async def flush(self) -> None:
        """Store every note played on this worker so far (a save calls it first)."""
        self._writing = None
        events, self._unsaved = self._unsaved, []
        if not events:
            return
        try:
            await RoomJamEvent.bulk_create(events)
        except Exception:  # a room closed meanwhile: its notes went with it
            log.warning("%d jam notes could not be stored", len(events), exc_info=True)
