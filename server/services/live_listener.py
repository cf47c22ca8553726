"""What the studio's and the room's live streams share as the engine's `StreamSink`: notes go
to one Socket.IO address (a client, or a room's channel) through the outbox, are stored about
once a second by a `NoteKeeper`, and when the stream ends it is saved as a song and the
listeners hear `generate:done` or `generate:error` after its last notes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from server.generation.live_stream import EndReason, LiveStream
from server.generation.notes import Note, WireNote, wire_notes
from server.models.song import Song, SourceKind
from server.services.generation import GenerationService

log = logging.getLogger(__name__)

DONE, ERROR = "generate:done", "generate:error"
FAILED = {"code": "generation_failed", "message": "The model failed; what it wrote is a draft."}
SAVE_FAILED = {"code": "save_failed", "message": "The melody could not be saved."}
ErrorPayload = dict[str, str]


class NoteSender(Protocol):
    """The outbox: notes coalesced into `generate:notes` frames, and events sent after them."""

    def add(self, sid: str, stream_id: str, notes: list[WireNote]) -> None: ...
    async def send_after_notes(
        self, sid: str, stream_id: str, event: str, payload: dict[str, Any]
    ) -> None: ...
    def forget(self, sid: str, stream_id: str | None = None) -> None: ...


class LiveListener:
    """One stream's listeners at `address`; `extra` parameters (e.g. the instrument) are saved
    with its song, of `source_kind`. Subclasses keep the notes (`keep`) and end the stream."""

    source_kind = SourceKind.GENERATED

    def __init__(
        self,
        notes: NoteSender,
        address: str,
        extra: dict[str, Any],
        generation: Callable[[], GenerationService],
    ) -> None:
        self.notes, self.address, self.extra = notes, address, extra
        self.generation = generation  # the service, or `model_unavailable` once it is gone

    def stream_notes(self, stream: LiveStream, notes: Sequence[Note], first_index: int) -> None:
        self.send(stream, wire_notes(notes, first_index))

    def send(self, stream: LiveStream, wire: list[WireNote]) -> None:
        self.notes.add(self.address, stream.id, wire)
        self.keep(stream)

    def keep(self, stream: LiveStream) -> None:
        """The stream's notes changed: store them soon."""

    async def settle_kept(self) -> None:
        """Wait for the notes being stored, and store no more: the song is saved next."""

    def stream_ended(self, stream: LiveStream) -> None:
        raise NotImplementedError

    async def save_song(self, stream: LiveStream) -> tuple[Song | None, ErrorPayload | None]:
        """The ended stream saved as a song (None when not worth keeping), and the error to
        report, if any: a failed model still leaves a draft; a failed save leaves nothing."""
        error = FAILED if stream.end_reason is EndReason.FAILED else None
        try:
            await self.settle_kept()  # the final notes must be written last
            song = await self.generation().save(stream, self.extra, self.source_kind)
        except Exception:
            log.exception("saving stream %s failed", stream.id)
            return None, error or SAVE_FAILED
        return song, error

    async def tell(self, stream: LiveStream, event: str, payload: dict[str, Any]) -> None:
        """Send `event` to the listeners after every note of the stream."""
        await self.notes.send_after_notes(self.address, stream.id, event, payload)
