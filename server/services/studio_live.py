"""The studio's live generation: each client's streams, started from a `generate:start` payload
(a new melody, or a conversion of an upload) and ended on request or when the client leaves.
Their notes so far are stored about once a second in case this worker dies, and every stream
that ends is saved as the user's song (a draft when the client left), then reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, cast

from server.generation.live_stream import EndReason, LiveStream
from server.generation.sampler import MelodyStream, SamplingParams
from server.generation.style_search import StyleSearch
from server.services.conversions import stream_from_payload, style_search
from server.services.ended_streams import EndedStreams
from server.services.generation import GenerationService
from server.services.live_listener import DONE, ERROR, SAVE_FAILED, LiveListener, NoteSender
from server.services.progress_writes import ProgressWrites
from server.services.registry import Services
from server.services.stream_params import (
    INSTRUMENT_NAMES,
    params_from_payload,
    refuse_chords_with_source,
)
from server.services.stream_songs import status_to_keep
from server.services.studio_recovery import StudioProgress

log = logging.getLogger(__name__)

NOT_SAVED = {
    EndReason.DISCARDED: ("discarded", "Stopped; nothing was saved, as asked."),
    EndReason.STOPPED: ("too_short", "Stopped before a full bar was written; nothing was saved."),
}


class StudioSink(LiveListener):
    """One studio stream: its notes to the client `sid` that started it, and to the database
    about once a second (`StudioProgress`)."""

    def __init__(self, studio: StudioLive, sid: str, extra: dict[str, Any]) -> None:
        super().__init__(studio.notes, sid, extra, studio.held.live_generation)
        self.studio, self.sid = studio, sid
        self.progress: StudioProgress | None = None  # made with the first notes

    def keep(self, stream: LiveStream) -> None:
        if self.progress is None:
            service = self.generation()
            fields = service.song_fields(stream.melody, self.extra, self.source_kind)
            self.progress = StudioProgress(stream, fields, self.studio.progress_writes)
        self.progress.keeper.changed(stream)

    async def settle_kept(self) -> None:
        if self.progress is not None:
            await self.progress.keeper.settle()

    def stream_ended(self, stream: LiveStream) -> None:
        self.studio.stream_ended(stream)


class StudioLive:
    """One per worker: the streams of each connected client, and the saving of every stream
    that ends. Notes and reports go out through `notes` (the outbox)."""

    def __init__(self, notes: NoteSender, held: Services) -> None:
        self.notes, self.held = notes, held
        self._streams: dict[str, set[str]] = {}  # sid -> ids of its live streams
        self._tasks: set[asyncio.Task[None]] = set()  # saves in flight (kept from collection)
        self.progress_writes = ProgressWrites()  # every stream's progress, stored together
        self.ended = EndedStreams()  # so that a stop crossing its stream's end is answered

    async def start(self, sid: str, user_id: int, data: Any) -> LiveStream:
        """A new stream for the client `sid` of `user_id`, as `data` asks."""
        service = self.held.live_generation()
        # The limit first: a conversion reads its upload, and that is work.
        stream_id = await service.reserve(user_id)
        try:
            params, extra, melody = await stream_request(
                service, user_id, data, style_search(self.held)
            )
            sink = StudioSink(self, sid, extra)
            stream = await service.start(user_id, params, sink, melody, stream_id)
        finally:
            service.release(user_id, stream_id)  # started, or refused
        self._streams.setdefault(sid, set()).add(stream.id)
        return stream

    async def stop(self, user_id: int, stream_id: object, discard: bool) -> dict[str, Any]:
        """Stop one of the user's streams: the `generate:stop` acknowledgement's fields. The
        song, if kept, is saved in the background. A stream that has ended already (on its own,
        while its listener still hears the notes written ahead) is left as it ended."""
        ended = self.ended.stop_answer(user_id, stream_id)
        if ended is not None:
            return ended
        reason = EndReason.DISCARDED if discard else EndReason.STOPPED
        stream = await self.held.live_generation().end(user_id, stream_id, reason)
        if status_to_keep(stream) is not None:
            self.stream_ended(stream)
            return {"stream_id": stream.id, "saving": True}
        sid = sink_of(stream).sid
        self._streams.get(sid, set()).discard(stream.id)
        self.notes.forget(sid, stream.id)
        self.ended.add(stream, saving=False)
        self._spawn(self._settle(stream))
        reason_code, message = NOT_SAVED[cast(EndReason, stream.end_reason)]  # it has ended
        return {"stream_id": stream.id, "saving": False, "reason": reason_code, "message": message}

    async def disconnected(self, sid: str) -> None:
        """A client left: end its streams now and keep what they wrote as drafts."""
        self.notes.forget(sid)
        stream_ids = self._streams.pop(sid, set())
        service = self.held.generation  # gone once the server shuts down
        if service is None:
            return
        for stream_id in stream_ids:
            stream = service.engine.end_stream(stream_id, EndReason.DISCONNECTED)
            if stream is not None:
                self.stream_ended(stream)

    def stream_ended(self, stream: LiveStream) -> None:
        """Save the ended stream (or drop it) and tell its client, in the background."""
        self.ended.add(stream, saving=stream.end_reason is not EndReason.DISCONNECTED)
        self._spawn(self._save_and_report(stream))

    async def _save_and_report(self, stream: LiveStream) -> None:
        sink = sink_of(stream)
        self._streams.get(sink.sid, set()).discard(stream.id)
        song, error = await sink.save_song(stream)
        await self._settle(stream)
        if stream.end_reason is EndReason.DISCONNECTED:
            return
        if error is not None or song is None:
            await sink.tell(stream, ERROR, {"stream_id": stream.id, "error": error or SAVE_FAILED})
            return
        await sink.tell(stream, DONE, {"stream_id": stream.id, "song_id": song.id})

    async def _settle(self, stream: LiveStream) -> None:
        """Saved or dropped: its stored progress goes, and shutdown no longer waits for it."""
        progress = sink_of(stream).progress
        try:
            if progress is not None:
                await progress.discard()
        except Exception:  # left in the table, it is recovered as a draft once its lease lapses
            log.exception("clearing the progress of stream %s failed", stream.id)
        service = self.held.generation  # gone once the server has stopped
        if service is not None:
            service.settled(stream)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def sink_of(stream: LiveStream) -> StudioSink:
    return cast(StudioSink, stream.sink)  # every stream started here has a StudioSink


async def stream_request(
    service: GenerationService, user_id: int, data: Any, search: StyleSearch | None = None
) -> tuple[SamplingParams, dict[str, Any], MelodyStream | None]:
    """A conversion of an upload (each bar chosen by `search`, when there is one) when the
    payload names a `source`, else a new melody."""
    if isinstance(data, dict) and "source" in data:
        refuse_chords_with_source(data)
        network = service.engine.network
        melody, extra = await stream_from_payload(user_id, data, network, INSTRUMENT_NAMES, search)
        return melody.params, extra, melody
    params, extra = params_from_payload(data)
    return params, extra, None
