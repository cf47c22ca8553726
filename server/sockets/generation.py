"""Live generation over Socket.IO (docs/protocol.md): `generate:start` and `generate:stop` from
the client; `generate:notes`, `generate:done` and `generate:error` back to it. A client's
streams end the moment it disconnects, and what they wrote is kept as a draft; while they run,
their notes so far are stored about once a second, in case this worker dies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, cast

import socketio
from quart import Quart

from server.errors import AppError
from server.generation.instruments import INSTRUMENTS as PLAYER_INSTRUMENTS
from server.generation.live_stream import EndReason, LiveStream
from server.generation.notes import Note, wire_notes
from server.generation.sampler import InvalidParamsError, MelodyStream, SamplingParams
from server.generation.style_search import StyleSearch
from server.models.song import SourceKind
from server.services.conversions import stream_from_payload, style_search
from server.services.generation import GenerationService, status_to_keep, unavailable
from server.services.studio_recovery import StudioProgress
from server.sockets.logins import Guard
from server.sockets.outbox import Outbox

log = logging.getLogger(__name__)

PARAM_FIELDS = ("genre", "key", "mode", "tempo", "bars", "temperature", "top_p", "seed")
INSTRUMENTS = tuple(PLAYER_INSTRUMENTS)  # the player's instruments, the default (piano) first
MAX_PRIMER_NOTES = 256
FAILED = {"code": "generation_failed", "message": "The model failed; what it wrote is a draft."}
SAVE_FAILED = {"code": "save_failed", "message": "The melody could not be saved."}
NOT_SAVED = {
    EndReason.DISCARDED: ("discarded", "Stopped; nothing was saved, as asked."),
    EndReason.STOPPED: ("too_short", "Stopped before a full bar was written; nothing was saved."),
}


def register(
    sio: socketio.AsyncServer, app: Quart, guard: Guard
) -> Callable[[str], Awaitable[None]]:
    """Add the generate:* events; returns the clean-up to run when a client disconnects."""
    listeners = Listeners(sio, app)

    @sio.on("generate:start")
    @guard
    async def generate_start(sid: str, data: Any = None) -> dict:
        try:
            service = listeners.service()
            user_id = (await sio.get_session(sid))["user_id"]
            # The limit first: a conversion reads its upload, and that is work.
            stream_id = await service.reserve(user_id)
            try:
                params, extra, melody = await stream_request(
                    service, user_id, data, style_search(app)
                )
                sink = ListenerSink(listeners, sid, extra)
                stream = await service.start(user_id, params, sink, melody, stream_id)
            finally:
                service.release(user_id, stream_id)  # started, or refused
        except AppError as error:
            return {"ok": False, "error": error.to_json()}
        listeners.track(sid, stream)
        return {"ok": True, "stream_id": stream.id}

    @sio.on("generate:stop")
    @guard
    async def generate_stop(sid: str, data: Any = None) -> dict:
        data = data if isinstance(data, dict) else {}
        reason = EndReason.DISCARDED if data.get("discard") is True else EndReason.STOPPED
        try:
            user_id = (await sio.get_session(sid))["user_id"]
            stream = await listeners.service().end(user_id, data.get("stream_id"), reason)
        except AppError as error:
            return {"ok": False, "error": error.to_json()}
        return listeners.ended_on_request(stream)

    return listeners.release


class ListenerSink:
    """Where one stream's output goes: its notes to the client that started it, and to the
    database about once a second (`StudioProgress`)."""

    def __init__(self, listeners: Listeners, sid: str, extra: dict[str, Any]) -> None:
        self.listeners, self.sid, self.extra = listeners, sid, extra
        self.progress: StudioProgress | None = None  # made with the first notes

    def stream_notes(self, stream: LiveStream, notes: Sequence[Note], first_index: int) -> None:
        self.listeners.outbox.add(self.sid, stream.id, wire_notes(notes, first_index))
        if self.progress is None:
            fields = self.listeners.service().song_fields(stream, self.extra, SourceKind.GENERATED)
            self.progress = StudioProgress(stream, fields)
        self.progress.keeper.changed(stream)

    def stream_ended(self, stream: LiveStream) -> None:
        self.listeners.finish(stream)


class Listeners:
    """The streams of each connected client, and the saving of every stream that ends."""

    def __init__(self, sio: socketio.AsyncServer, app: Quart) -> None:
        self.sio, self.app = sio, app
        self.outbox = Outbox(sio)
        self._streams: dict[str, set[str]] = {}  # sid -> ids of its live streams
        self._tasks: set[asyncio.Task] = set()  # saves in flight (kept so none is collected)

    def service(self) -> GenerationService:
        service = self.app.extensions.get("generation")
        if service is None:
            raise unavailable()
        return service

    def track(self, sid: str, stream: LiveStream) -> None:
        self._streams.setdefault(sid, set()).add(stream.id)

    def ended_on_request(self, stream: LiveStream) -> dict:
        """The `generate:stop` acknowledgement; the song, if kept, is saved in the background."""
        if status_to_keep(stream) is not None:
            self.finish(stream)
            return {"ok": True, "stream_id": stream.id, "saving": True}
        sid = sink_of(stream).sid
        self._streams.get(sid, set()).discard(stream.id)
        self.outbox.forget(sid, stream.id)
        self._spawn(self._settle(stream))
        reason, message = NOT_SAVED[stream.end_reason]  # type: ignore[index]
        return {"ok": True, "stream_id": stream.id, "saving": False, "reason": reason,
                "message": message}  # fmt: skip

    async def release(self, sid: str) -> None:
        """A client left: end its streams now and keep what they wrote as drafts."""
        self.outbox.forget(sid)
        stream_ids = self._streams.pop(sid, set())
        service = self.app.extensions.get("generation")  # gone once the server shuts down
        for stream_id in stream_ids if service is not None else ():
            stream = service.engine.end_stream(stream_id, EndReason.DISCONNECTED)
            if stream is not None:
                self.finish(stream)

    def finish(self, stream: LiveStream) -> None:
        self._spawn(self._save_and_report(stream))

    async def _save_and_report(self, stream: LiveStream) -> None:
        sink = sink_of(stream)
        self._streams.get(sink.sid, set()).discard(stream.id)
        error = FAILED if stream.end_reason is EndReason.FAILED else None
        try:
            if sink.progress is not None:
                await sink.progress.keeper.settle()
            song = await self.service().save(stream, sink.extra)
        except Exception:
            log.exception("saving stream %s failed", stream.id)
            song, error = None, error or SAVE_FAILED
        await self._settle(stream)
        if stream.end_reason is EndReason.DISCONNECTED:
            return
        if error is not None or song is None:
            payload = {"stream_id": stream.id, "error": error or SAVE_FAILED}
            await self.outbox.send_after_notes(sink.sid, stream.id, "generate:error", payload)
            return
        done = {"stream_id": stream.id, "song_id": song.id}
        await self.outbox.send_after_notes(sink.sid, stream.id, "generate:done", done)

    async def _settle(self, stream: LiveStream) -> None:
        """Saved or dropped: its stored progress goes, and shutdown no longer waits for it."""
        progress = sink_of(stream).progress
        try:
            if progress is not None:
                await progress.discard()
        except Exception:  # left in the table, it is recovered as a draft once its lease lapses
            log.exception("clearing the progress of stream %s failed", stream.id)
        service = self.app.extensions.get("generation")  # gone once the server has stopped
        if service is not None:
            service.settled(stream)

    def _spawn(self, coroutine: Coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def sink_of(stream: LiveStream) -> ListenerSink:
    return cast(ListenerSink, stream.sink)  # every stream started here has a ListenerSink


async def stream_request(
    service: GenerationService, user_id: int, data: Any, search: StyleSearch | None = None
) -> tuple[SamplingParams, dict[str, Any], MelodyStream | None]:
    """A conversion of an upload (each bar chosen by `search`, when there is one) when the
    payload names a `source`, else a new melody."""
    if isinstance(data, dict) and "source" in data:
        network = service.engine.network
        melody, extra = await stream_from_payload(user_id, data, network, INSTRUMENTS, search)
        return melody.params, extra, melody
    params, extra = params_from_payload(data)
    return params, extra, None


def params_from_payload(data: Any) -> tuple[SamplingParams, dict[str, Any]]:
    """Validated sampling parameters and the extra fields saved with the song."""
    if not isinstance(data, dict):
        raise invalid_params("payload", "generate:start takes an object of parameters")
    unknown = sorted(set(data) - {*PARAM_FIELDS, "instrument", "primer"})
    if unknown:
        raise invalid_params(unknown[0], "is not a generation parameter")
    instrument = data.get("instrument", INSTRUMENTS[0])
    if instrument not in INSTRUMENTS:
        raise invalid_params("instrument", f"expected one of {', '.join(INSTRUMENTS)}")
    fields = {name: data[name] for name in PARAM_FIELDS if name in data}
    try:
        params = SamplingParams(**fields, primer=primer_from_payload(data.get("primer", [])))
    except InvalidParamsError as error:
        raise invalid_params(error.field, str(error)) from error
    return params, {"instrument": instrument}


def primer_from_payload(primer: Any) -> tuple[tuple[int, float, float], ...]:
    """Primer notes given as [{pitch, start, duration}, ...] (beats), at most MAX_PRIMER_NOTES."""
    if not isinstance(primer, list) or len(primer) > MAX_PRIMER_NOTES:
        raise invalid_params("primer", f"expected a list of at most {MAX_PRIMER_NOTES} notes")
    if not all(isinstance(note, dict) for note in primer):
        raise invalid_params("primer", "each note is an object {pitch, start, duration}")
    return tuple((n.get("pitch"), n.get("start"), n.get("duration")) for n in primer)


def invalid_params(field: str, message: str) -> AppError:
    return AppError("invalid_params", message, field=field)
