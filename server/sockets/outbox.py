"""Notes, and the chords they go with, on their way to each client: coalesced into one
`generate:notes` frame per stream, held back while the client is behind, and a client that stops
reading is dropped before what waits for it grows past a bound (python-socketio would otherwise
queue for it without limit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

import engineio
import socketio

from server.generation.notes import WireNote
from server.generation.progression import WireSpan

log = logging.getLogger(__name__)

NOTES_EVENT = "generate:notes"
FRAME_INTERVAL = 0.02  # seconds: notes written within this window share one frame
HOLD_BACKLOG = 8  # engine.io packets queued for a client: above this, its notes wait here
DROP_BACKLOG = 64  # packets queued: the client has stopped reading
MAX_HELD_NOTES = 1024  # notes held here for one client (about 80 KB of JSON) before it is dropped


class Frame:
    """What waits for one stream of a client: its notes, and the chords they go with (each
    frame carries a bar's chord with or before the bar's first note)."""

    __slots__ = ("chords", "notes")

    def __init__(self) -> None:
        self.notes: list[WireNote] = []
        self.chords: list[WireSpan] = []

    def put_before(self, later: Frame) -> None:
        """Take `later`'s notes and chords after this frame's own."""
        self.notes.extend(later.notes)
        self.chords.extend(later.chords)

    def payload(self, stream_id: str) -> dict[str, Any]:
        frame: dict[str, Any] = {"stream_id": stream_id, "notes": self.notes}
        return frame | ({"chords": self.chords} if self.chords else {})


class Outbox:
    """One per Socket.IO server. `add` is synchronous (the engine calls it); sending is a task.

    Emitting with python-socketio's in-process manager never suspends, so a frame taken from
    `_pending` reaches the client's engine.io queue before any other coroutine runs: frames of a
    stream, and the `generate:done` after them, keep their order. With Redis, what goes to a
    client connected to this worker (a studio stream's) is sent here only, not also published
    for the other workers, which could do nothing with it; a room's frames are published.
    """

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio
        self._pending: dict[str, dict[str, Frame]] = {}  # sid -> stream -> what waits
        self._flush_handle: asyncio.Handle | None = None
        self._last_flush = 0.0  # monotonic seconds
        self._tasks: set[asyncio.Task[None]] = set()

    def add(
        self, sid: str, stream_id: str, notes: list[WireNote], chords: list[WireSpan] | None = None
    ) -> None:
        """Queue notes (and chords) for the stream's next frame. A stream's first notes (from
        note 0) go out on the loop's next turn instead of after the frame window: a listener
        waiting for a piece to begin does not wait out the window too."""
        frame = self._pending.setdefault(sid, {}).setdefault(stream_id, Frame())
        frame.notes.extend(notes)
        frame.chords.extend(chords or ())
        if notes and notes[0].get("index") == 0:
            self._spawn(self._send_at_once(sid, stream_id))
        if self._flush_handle is None:
            delay = max(self._last_flush + FRAME_INTERVAL - time.monotonic(), 0.0)
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self._start_flush)
        self.added(sid)

    def added(self, sid: str) -> None:
        """Called after each `add` for `sid`."""

    async def _send_at_once(self, sid: str, stream_id: str) -> None:
        """The stream's frame now, unless a flush took it meanwhile or the client is behind
        (then the next flush holds or drops as it does for every frame)."""
        streams = self._pending.get(sid)
        if not streams or stream_id not in streams or self.backlog(sid) > HOLD_BACKLOG:
            return
        frame = streams.pop(stream_id)
        if not streams:
            del self._pending[sid]
        await self._emit_frame(sid, stream_id, frame)

    async def send_after_notes(
        self, sid: str, stream_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        """Send what is pending for the stream, then `event` (e.g. `generate:done`)."""
        streams = self._pending.get(sid, {})
        if self.backlog(sid) > HOLD_BACKLOG and self._held(streams) > MAX_HELD_NOTES:
            await self.drop(sid)
            return
        frame = streams.pop(stream_id, None)
        if frame is not None and (frame.notes or frame.chords):
            await self._emit_frame(sid, stream_id, frame)
        await self._emit(event, payload, sid)

    def forget(self, sid: str, stream_id: str | None = None) -> None:
        """Drop what waits for a client (or one of its streams) without sending it."""
        if stream_id is None:
            self._pending.pop(sid, None)
        else:
            self._pending.get(sid, {}).pop(stream_id, None)

    def _start_flush(self) -> None:
        self._flush_handle = None
        self._last_flush = time.monotonic()
        self._spawn(self._flush())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for sid, streams in pending.items():
            backlog = self.backlog(sid)
            if backlog > DROP_BACKLOG or self._held(streams) > MAX_HELD_NOTES:
                await self.drop(sid)
            elif backlog > HOLD_BACKLOG:
                self._hold(sid, streams)
            else:
                for stream_id, frame in streams.items():
                    await self._emit_frame(sid, stream_id, frame)

    @staticmethod
    def _held(streams: dict[str, Frame]) -> int:
        return sum(len(frame.notes) + len(frame.chords) for frame in streams.values())

    def _hold(self, sid: str, streams: dict[str, Frame]) -> None:
        """Put frames back in front of any added meanwhile, and try again a frame later."""
        waiting = self._pending.setdefault(sid, {})
        for stream_id, frame in streams.items():
            later = waiting.get(stream_id)
            if later is not None:
                frame.put_before(later)
            waiting[stream_id] = frame
            self.add(sid, stream_id, [])

    async def _emit_frame(self, sid: str, stream_id: str, frame: Frame) -> None:
        await self._emit(NOTES_EVENT, frame.payload(stream_id), sid)

    async def _emit(self, event: str, payload: dict[str, Any], address: str) -> None:
        """To a client of this worker directly; to a room (or a client elsewhere) through the
        manager, which publishes to the other workers when there are any."""
        here = self._sio.manager.eio_sid_from_sid(address, "/") is not None
        await self._sio.emit(event, payload, to=address, ignore_queue=here)

    def backlog(self, sid: str) -> int:
        """Packets queued in engine.io for the client and not yet taken by its writer."""
        eio_socket = self._engineio_socket(sid)
        return eio_socket.queue.qsize() if eio_socket is not None else 0

    async def drop(self, sid: str) -> None:
        """Disconnect a client that stopped reading, and free what was queued for it."""
        log.warning("dropping client %s: %d packets queued", sid, self.backlog(sid))
        self._pending.pop(sid, None)
        eio_socket = self._engineio_socket(sid)
        await self._sio.disconnect(sid)  # runs the disconnect handlers: streams are freed
        if eio_socket is not None:
            await close_at_once(eio_socket)

    def _engineio_socket(self, sid: str) -> engineio.async_socket.AsyncSocket | None:
        eio_sid = self._sio.manager.eio_sid_from_sid(sid, "/")
        return self._sio.eio.sockets.get(eio_sid) if eio_sid is not None else None


async def close_at_once(eio_socket: engineio.async_socket.AsyncSocket) -> None:
    """Close an engine.io connection now. Its writer may be blocked on a client that does not
    read: discard what it has not yet taken, leave it the end marker (it then closes the
    WebSocket), and close without waiting for the client (that could hang)."""
    queue = eio_socket.queue
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()
    queue.put_nowait(None)
    await eio_socket.close(wait=False, abort=True)
