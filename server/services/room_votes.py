"""Members' votes on the room's live piece: each member's standing proposal per steering field
(their latest), counted among the people present; a change backed by more than half of them is
carried. In the database (`RoomMember.votes`), so votes cast through any worker count together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from tortoise.transactions import in_transaction

from server.models.room import Room
from server.models.room_connection import RoomConnection
from server.models.room_member import RoomMember


@dataclass(frozen=True)
class Tally:
    """How a change stands after a vote: who backs it among those present."""

    backers: int
    present: int

    @property
    def carried(self) -> bool:
        return 2 * self.backers > self.present


async def vote(room: Room, user_id: int, field: str, value: str) -> Tally:
    """Record `user_id`'s vote for `field` = `value` and count the present members backing it."""
    async with in_transaction():
        await Room.select_for_update().get(id=room.id)  # one vote counted at a time per room
        member = await RoomMember.get(room=room, user_id=user_id)
        member.votes = member.votes | {field: value}
        await member.save(update_fields=["votes"])
        present = set(
            cast(
                list[int], await RoomConnection.filter(room=room).values_list("user_id", flat=True)
            )
        )
        members = await RoomMember.filter(room=room, user_id__in=present)
        backers = sum(1 for m in members if m.votes.get(field) == value)
    return Tally(backers, len(present))


async def clear(room: Room, field: str) -> None:
    """The room decided `field`: every vote on it is spent."""
    async with in_transaction():
        for member in await RoomMember.filter(room=room).select_for_update():
            if field in member.votes:
                member.votes = {k: v for k, v in member.votes.items() if k != field}
                await member.save(update_fields=["votes"])
