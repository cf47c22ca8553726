"""A live stream's notes kept in the database about once a second while it is written (a room's
piece, a studio stream's progress), one write at a time, so that other workers can read them and
a worker that dies loses at most the last second.

The keeper holds its stream and its writer weakly. Both own it (the stream through its sink, the
writer as its attribute), so strong references back would make every ended stream a reference
cycle, freed only by one of the collector's full passes, which come seconds to minutes apart: in
a soak, up to 35,000 dead objects of the last 30 s of streams waited for the next one
(docs/performance.md, "Soak").
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

from server.generation.live_stream import LiveStream
from server.generation.notes import Note

log = logging.getLogger(__name__)

LIVE_SAVE_SECONDS = 1.0  # how stale a live stream's stored notes may be


class NoteKeeper:
    """Calls `write(notes)` (a bound method) with the stream's notes at most once per
    LIVE_SAVE_SECONDS after they change; `settle` cancels the next write and waits for the one
    in flight, so that the final notes can be written last. Once the stream or the writer's
    owner is gone there is nothing to write."""

    def __init__(self, write: Callable[[list[Note]], Awaitable[None]]) -> None:
        self._write = weakref.WeakMethod(write)  # a bound method
        self._stream: weakref.ref[LiveStream] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._writing: asyncio.Task[None] | None = None

    def changed(self, stream: LiveStream) -> None:
        self._stream = weakref.ref(stream)
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(LIVE_SAVE_SECONDS, self._write_now)

    def _write_now(self) -> None:
        self._handle = None
        stream = None if self._stream is None else self._stream()
        write = self._write()
        if stream is None or write is None:
            return
        if self._writing is not None and not self._writing.done():
            self.changed(stream)  # the database is slow: try again after this write
            return
        notes = stream.sent_notes  # what listeners have been sent, no more
        self._writing = asyncio.get_running_loop().create_task(self._write_logged(write, notes))

    @staticmethod
    async def _write_logged(
        write: Callable[[list[Note]], Awaitable[None]], notes: list[Note]
    ) -> None:
        try:
            await write(notes)
        except Exception:  # the next write, or the final save, carries these notes too
            log.exception("storing a live stream's notes failed")

    async def settle(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._writing is not None:
            await asyncio.wait([self._writing])
