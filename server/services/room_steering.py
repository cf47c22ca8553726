"""Steering the room's live piece: any member proposes a change (`jam:propose`, told to the
room), which is their vote (`room_votes`): a change backed by more than half of the people
present is applied; else the host decides (`jam:steer`). A change applies from a bar line of the
live piece that every member hears of in time and the model has not written past, the same bar
for everyone, announced with its number. What a live stream can change at a bar line is its
genre, its energy (the sampling temperature) and its key (`key_change`), for the bars not yet
written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from server.errors import AppError
from server.generation.key_change import change_key, first_bar_to_change
from server.generation.live_stream import BEATS_PER_BAR, LiveStream
from server.generation.melody import GENRES, PITCH_NAMES
from server.generation.melody_stream import BAR_TICKS, Steer
from server.generation.vocabulary import ANY_GENRE
from server.models.room import MS_PER_MINUTE, Playback, Room, server_time_ms
from server.services import room_votes
from server.services.room_broker import RoomBroker
from server.services.room_clock import SCHEDULE_LEAD_MS
from server.services.rooms import invalid_params

PROPOSAL, STEER = "jam:proposal", "jam:steer"
STEER_HERE = "steer"  # the relayed operation applying a change
# Energy as the melody's sampling temperature: calmer is more predictable, livelier more daring.
ENERGY_TEMPERATURES = {"calm": 0.8, "steady": 1.0, "lively": 1.2}


@dataclass(frozen=True)
class Change:
    """One steering change: a genre ("any" for the general model), an energy or a key."""

    field: str  # "genre", "energy" or "key"
    value: str

    def to_json(self) -> dict[str, Any]:
        return {self.field: self.value}

    def first_bar(self, stream: LiveStream) -> int:
        """The earliest bar this change can apply from, beyond the bar every member hears of
        in time: a key moves chords, which must not have gone out yet."""
        return first_bar_to_change(stream) if self.field == "key" else 0

    def apply(self, stream: LiveStream, bar: int) -> None:
        tick = bar * BAR_TICKS
        if self.field == "key":
            change_key(stream, bar, self.value)
        elif self.field == "genre":
            genre = None if self.value == ANY_GENRE else self.value
            stream.melody.steer(Steer(tick, sets_genre=True, genre=genre))
        else:
            stream.melody.steer(Steer(tick, temperature=ENERGY_TEMPERATURES[self.value]))


CHOICES = {
    "genre": (*GENRES, ANY_GENRE),
    "energy": tuple(ENERGY_TEMPERATURES),
    "key": PITCH_NAMES,
}


def change_from(data: Any) -> Change:
    """`{genre}`, `{energy}` or `{key}` (exactly one), else `invalid_params` naming the field."""
    given = [name for name in CHOICES if isinstance(data, dict) and name in data]
    if len(given) != 1:
        raise invalid_params("change", "change: give exactly one of genre, energy, key")
    name = given[0]
    value = data[name]
    if value not in CHOICES[name]:
        raise invalid_params(name, f"{name}: must be one of {', '.join(CHOICES[name])}")
    return Change(name, value)


def next_bar(room: Room, stream: LiveStream) -> int:
    """The first bar line (0 is the piece's start) that sounds at least SCHEDULE_LEAD_MS from
    now, so every member hears of the change before it, and that the model has not yet written
    past (a note already written stays as it is)."""
    heard = room.position_at(server_time_ms() + SCHEDULE_LEAD_MS)
    written = stream.melody.tick / BAR_TICKS
    return max(math.ceil(heard / BEATS_PER_BAR), math.floor(written) + 1)


def playing_stream(broker: RoomBroker, room: Room) -> LiveStream:
    """The room's live stream while it plays, when this worker writes it; else `not_live`."""
    stream = broker.live_stream(room.id)
    if stream is None or stream.ended or room.playback is not Playback.PLAYING:
        raise AppError("not_live", "Nothing is being written live here to steer.")
    return stream


async def room_written_here(broker: RoomBroker, room_id: str) -> Room | None:
    """The room, when this worker writes its live stream; None when it does not."""
    if broker.live_stream(room_id) is None:
        return None
    room = await Room.get_or_none(id=room_id)
    if room is None:  # closed meanwhile
        raise AppError("not_live", "Nothing is being written live here to steer.")
    return room


def checked_bar(stream: LiveStream, bar: int) -> int:
    """`bar`, when the live piece lasts until it; else `too_late`."""
    if bar * BAR_TICKS >= stream.melody.total_ticks:
        raise AppError("too_late", "The live piece ends before the next bar line.")
    return bar


def bar_line(room: Room, bar: int) -> dict[str, Any]:
    """Where bar `bar` of the playing room's piece starts: `{bar, at_beats, at_ms}`."""
    at_beats = bar * BEATS_PER_BAR
    assert room.anchor_ms is not None  # playing
    return {
        "bar": bar,
        "at_beats": at_beats,
        "at_ms": room.anchor_ms + at_beats * MS_PER_MINUTE / room.tempo,
    }


class JamSteering:
    """The `jam:propose` and `jam:steer` events, on the broker that holds the live streams."""

    def __init__(self, broker: RoomBroker) -> None:
        self.broker = broker
        broker.relay.add(STEER_HERE, self._apply_here)

    async def propose(self, sid: str, data: Any) -> dict[str, Any]:
        connection = await self.broker.connection(sid)
        change = change_from(data)
        room = connection.room
        tally = await room_votes.vote(room, connection.user_id, change.field, change.value)
        payload = {
            "user_id": connection.user_id,
            "display_name": connection.user.display_name,
            "change": change.to_json(),
            "votes": tally.backers,
            "present": tally.present,
        }
        await self.broker.channel.emit(PROPOSAL, payload, to=room.channel)
        if not tally.carried:
            return {"carried": False}
        try:
            return {"carried": True, "steer": await self.apply(room, change, None)}
        except AppError:  # nothing this worker can change: the host decides
            return {"carried": True, "steer": None}

    async def steer(self, sid: str, data: Any) -> dict[str, Any]:
        room, user = await self.broker.host_of(sid)
        return await self.apply(room, change_from(data), user.id)

    async def apply(self, room: Room, change: Change, by: int | None) -> dict[str, Any]:
        """Apply `change` to the room's live stream from its next bar line, on the worker that
        writes it; `by` is the host deciding, None a vote."""
        return await self.broker.relay.ask(
            STEER_HERE, room.id, {"change": change.to_json(), "by": by}
        )

    async def _apply_here(self, room_id: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a change to the room's live stream if this worker writes it (None if not), tell
        every member, and spend the votes on its field."""
        room = await room_written_here(self.broker, room_id)
        if room is None:
            return None
        change, by = change_from(args["change"]), args["by"]
        stream = playing_stream(self.broker, room)
        bar = checked_bar(stream, max(next_bar(room, stream), change.first_bar(stream)))
        change.apply(stream, bar)
        payload = {"stream_id": stream.id, "change": change.to_json()}
        payload |= bar_line(room, bar) | {"by": by}
        await self.broker.channel.emit(STEER, payload, to=room.channel)
        await room_votes.clear(room, change.field)
        return payload
