"""What the studio's and the room's live streams share as the engine's `StreamSink`: notes, and
the chords they go with, go to one Socket.IO address (a client, or a room's channel) through the
outbox (a bar's chord in the frame of the bar's first note or before it), are stored about
once a second by a `NoteKeeper`, and when the stream ends it is saved as a song and the
listeners hear `generate:done` or `generate:error` after its last notes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from server.generation.live_stream import EndReason, LiveStream
from server.generation.notes import Note, WireNote, wire_notes
from server.generation.progression import Progression, WireSpan
from server.models.song import Song, SourceKind
from server.services.generation import GenerationService

log = logging.getLogger(__name__)

DONE, ERROR = "generate:done", "generate:error"
FAILED = {"code": "generation_failed", "message": "The model failed; what it wrote is a draft."}
SAVE_FAILED = {"code": "save_failed", "message": "The melody could not be saved."}
ErrorPayload = dict[str, str]


class NoteSender(Protocol):
    """The outbox: notes coalesced into `generate:notes` frames, and events sent after them."""

    def add(
        self, sid: str, stream_id: str, notes: list[WireNote], chords: list[WireSpan] | None = None
    ) -> None: ...
    async def send_after_notes(
        self, sid: str, stream_id: str, event: str, payload: dict[str, Any]
    ) -> None: ...
    def forget(self, sid: str, stream_id: str | None = None) -> None: ...


class ChordRelease:
    """Which chords of a stream's progression go out with its notes: with each batch, every chord
    that starts before the end of the bar after the last note's bar (the next bar is shown
    ahead), each once; the rest when the stream completes."""

    BARS_AHEAD = 1

    def __init__(self) -> None:
        self.sent = 0  # spans of the progression sent so far

    def due(self, chords: Progression | None, notes: Sequence[Note]) -> list[WireSpan]:
        if chords is None or not notes:
            return []
        bar = notes[-1].start // chords.bar_ticks
        return self._until(chords, (bar + 1 + self.BARS_AHEAD) * chords.bar_ticks)

    def rest(self, chords: Progression | None) -> list[WireSpan]:
        return [] if chords is None else self._until(chords, chords.total_ticks)

    def _until(self, chords: Progression, tick: int) -> list[WireSpan]:
        spans = chords.spans
        end = self.sent
        while end < len(spans) and spans[end].start < tick:
            end += 1
        wire = [span.to_wire() for span in spans[self.sent : end]]
        self.sent = end
        return wire


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
        self.chords = ChordRelease()

    def stream_notes(self, stream: LiveStream, notes: Sequence[Note], first_index: int) -> None:
        chords = self.chords.due(stream.params.chords, notes)
        self.send(stream, wire_notes(notes, first_index), chords)

    def send(self, stream: LiveStream, wire: list[WireNote], chords: list[WireSpan]) -> None:
        self.notes.add(self.address, stream.id, wire, chords)
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
        """Send `event` to the listeners after every note of the stream (and, when it is
        complete, the chords of its last bars that no note went with)."""
        if stream.end_reason is EndReason.COMPLETE:
            rest = self.chords.rest(stream.params.chords)
            if rest:
                self.notes.add(self.address, stream.id, [], rest)
        await self.notes.send_after_notes(self.address, stream.id, event, payload)
