""" "Solo for me" (`jam:solo`, docs/protocol.md): any member of a room whose live piece
accompanies it asks the model to take the lead for 1 to 16 bars. The solo starts at the next bar
line every member hears of in time and the model has not written past, the same for everyone,
and is announced with it; outside solos an accompanying model leaves the lead to the members.
"""

from __future__ import annotations

from typing import Any

from server.errors import AppError
from server.generation.accompanying_melody import AccompanyingMelody
from server.services.room_broker import RoomBroker
from server.services.room_steering import (
    bar_line,
    checked_bar,
    next_bar,
    playing_stream,
    room_written_here,
)
from server.services.rooms import invalid_params

SOLO = "jam:solo"
SOLO_HERE = "solo"  # the relayed operation starting a solo
MAX_SOLO_BARS = 16


def solo_bars(data: Any) -> int:
    """`{bars}`, a whole number 1..MAX_SOLO_BARS, else `invalid_params`."""
    bars = data.get("bars") if isinstance(data, dict) else None
    if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= MAX_SOLO_BARS:
        raise invalid_params("bars", f"bars: a whole number of bars, 1 to {MAX_SOLO_BARS}")
    return bars


class JamSolos:
    """The `jam:solo` event, on the broker that holds the live streams."""

    def __init__(self, broker: RoomBroker) -> None:
        self.broker = broker
        broker.relay.add(SOLO_HERE, self._solo_here)

    async def solo(self, sid: str, data: Any) -> dict[str, Any]:
        connection = await self.broker.connection(sid)
        asked = {
            "bars": solo_bars(data),
            "user_id": connection.user_id,
            "display_name": connection.user.display_name,
        }
        return await self.broker.relay.ask(SOLO_HERE, connection.room.id, asked)

    async def _solo_here(self, room_id: str, asked: dict[str, Any]) -> dict[str, Any] | None:
        """Start the solo if this worker writes the room's live stream; None if not."""
        room = await room_written_here(self.broker, room_id)
        if room is None:
            return None
        bars = asked["bars"]
        stream = playing_stream(self.broker, room)
        melody = stream.melody
        if not isinstance(melody, AccompanyingMelody):
            raise AppError("not_accompanying", "The model takes solos in a piece it accompanies.")
        bar = checked_bar(stream, next_bar(room, stream))
        melody.solo(bar, bars)
        payload = {"stream_id": stream.id} | asked | bar_line(room, bar)
        await self.broker.channel.emit(SOLO, payload, to=room.channel)
        return payload
