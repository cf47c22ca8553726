"""A room's live generation as the engine sees it: a `StreamSink` whose notes go to every member
of the room, are kept in the room's piece about once a second (so late joiners on any worker
read them), and become the host's song (source kind "room") when the stream ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from server.errors import AppError
from server.generation.engine import EndReason, LiveStream
from server.generation.notes import Note, WireNote, wire_notes
from server.models.song import SourceKind
from server.services.live_notes import NoteKeeper, triples
from server.services.room_playback import finish_live_piece, save_live_notes

if TYPE_CHECKING:
    from server.services.room_broker import RoomBroker

log = logging.getLogger(__name__)

__all__ = ["RoomSink", "triples"]
DONE, ERROR = "generate:done", "generate:error"
FAILED = {"code": "generation_failed", "message": "The model failed; what it wrote is a draft."}
SAVE_FAILED = {"code": "save_failed", "message": "The melody could not be saved."}


class RoomSink:
    """Where a room's stream goes. Notes are held until the room has been told of the piece
    (`announce`), so that no member receives notes of a stream it does not know yet."""

    def __init__(self, broker: RoomBroker, room_id: str, channel: str, extra: dict[str, Any]):
        self.broker, self.room_id, self.channel, self.extra = broker, room_id, channel, extra
        self.stream: LiveStream | None = None
        self.piece_id: str | None = None
        self._held: list[WireNote] | None = []  # None once announced
        self._keeper = NoteKeeper(self._store_notes)
        self._announced = asyncio.Event()  # set once the room knows the piece, or never will

    def announce(self, stream: LiveStream, piece_id: str) -> None:
        self.stream, self.piece_id = stream, piece_id
        held, self._held = self._held or [], None
        self._announced.set()
        if held:
            self.broker.notes.add(self.channel, stream.id, held)
            self._keeper.changed(stream)

    def abandon(self) -> None:
        """The piece could not be set up: the room never hears of this stream."""
        self._announced.set()

    def stream_notes(self, stream: LiveStream, notes: Sequence[Note], first_index: int) -> None:
        self.stream = stream
        wire = wire_notes(notes, first_index)
        if self._held is not None:
            self._held.extend(wire)
            return
        self.broker.notes.add(self.channel, stream.id, wire)
        self._keeper.changed(stream)

    def stream_ended(self, stream: LiveStream) -> None:
        self.broker.live_ended(self, stream)

    async def _store_notes(self, notes: list) -> None:
        if self.piece_id is not None:
            await save_live_notes(self.piece_id, notes)

    async def save(self, stream: LiveStream) -> None:
        """The stream ended (perhaps before the piece was announced, when written flat out):
        save the host's song, complete the piece, tell the room."""
        try:
            await self._announced.wait()
            await self._keeper.settle()  # the final notes must be written last
            if self.piece_id is not None:  # else never announced: the room never heard of it
                await self._save_announced(stream, self.piece_id)
        finally:
            self._settled(stream)

    def _settled(self, stream: LiveStream) -> None:
        try:
            self.broker.generation().settled(stream)
        except AppError:
            pass  # the service is gone: the worker has stopped waiting for saves

    async def _save_announced(self, stream: LiveStream, piece_id: str) -> None:
        song, error = None, FAILED if stream.end_reason is EndReason.FAILED else None
        try:
            song = await self.broker.generation().save(stream, self.extra, SourceKind.ROOM)
        except Exception:
            log.exception("saving room stream %s failed", stream.id)
            error = error or SAVE_FAILED
        await finish_live_piece(piece_id, triples(stream.notes), song)
        event, payload = DONE, {"stream_id": stream.id, "song_id": song.id if song else None}
        if error is not None:
            event, payload = ERROR, {"stream_id": stream.id, "error": error}
        await self.broker.notes.send_after_notes(self.channel, stream.id, event, payload)
