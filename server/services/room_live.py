"""A room's live generation as the engine sees it: a `LiveListener` whose notes go to every
member of the room, are kept in the room's piece about once a second (so late joiners on any
worker read them), and become the host's song (source kind "room") when the stream ends. It
knows nothing of the broker: the end of its stream is handed to `on_end`."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

from server.errors import AppError
from server.generation.accompaniment import Accompaniment, Commit
from server.generation.live_stream import LiveStream
from server.generation.notes import Note, WireNote
from server.generation.progression import Progression, WireSpan
from server.models.song import SourceKind
from server.services.generation import GenerationService
from server.services.live_listener import DONE, ERROR, LiveListener, NoteSender
from server.services.live_notes import NoteKeeper
from server.services.room_playback import complete_live_piece, save_live_notes


class RoomSink(LiveListener):
    """Where a room's stream goes. Notes are held until the room has been told of the piece
    (`announce`), so that no member receives notes of a stream it does not know yet."""

    source_kind = SourceKind.ROOM

    def __init__(
        self,
        notes: NoteSender,
        room_id: str,
        channel: str,
        extra: dict[str, Any],
        generation: Callable[[], GenerationService],
        on_end: Callable[[RoomSink, LiveStream], None],
    ) -> None:
        super().__init__(notes, channel, extra, generation)
        self.room_id, self.channel, self.on_end = room_id, channel, on_end
        # held weakly: the stream holds its sink, and a cycle would keep an ended piece's notes
        # until a full collection (the engine, then the service until saved, hold the stream)
        self._stream: weakref.ref[LiveStream] | None = None
        self.piece_id: str | None = None
        # notes and chords held until announced; None once announced
        self._held: tuple[list[WireNote], list[WireSpan]] | None = ([], [])
        self._keeper = NoteKeeper(self._store_notes)
        self._announced = asyncio.Event()  # set once the room knows the piece, or never will
        # An accompanying piece's chords, and who announces those committed (room_accompany)
        self.accompaniment: Accompaniment | None = None
        self.on_chords: Callable[[list[Commit]], None] | None = None

    @property
    def stream(self) -> LiveStream | None:
        """The room's stream, while it is written or saved."""
        return None if self._stream is None else self._stream()

    @stream.setter
    def stream(self, stream: LiveStream) -> None:
        self._stream = weakref.ref(stream)

    def announce(self, stream: LiveStream, piece_id: str) -> None:
        self.stream, self.piece_id = stream, piece_id
        held, self._held = self._held or ([], []), None
        self._announced.set()
        if held[0] or held[1]:
            super().send(stream, *held)
        self._tell_chords()

    def discarded(self) -> None:
        """The piece could not be set up and the stream was discarded: the room never hears
        of it."""
        self._announced.set()

    def send(self, stream: LiveStream, wire: list[WireNote], chords: list[WireSpan]) -> None:
        self.stream = stream
        if self._held is not None:
            self._held[0].extend(wire)
            self._held[1].extend(chords)
            return
        super().send(stream, wire, chords)
        self._tell_chords()

    def _tell_chords(self) -> None:
        """Announce the chords committed since the last frame (with or before its notes)."""
        if self.accompaniment is None or self.on_chords is None:
            return
        commits = self.accompaniment.take_commits()
        if commits:
            self.on_chords(commits)

    def keep(self, stream: LiveStream) -> None:
        self._keeper.changed(stream)

    async def settle_kept(self) -> None:
        await self._keeper.settle()

    def stream_ended(self, stream: LiveStream) -> None:
        self.on_end(self, stream)

    def _committed_chords(self) -> Progression | None:
        """An accompanying piece's chords committed so far; None for a piece written over
        chords known from its start (stored with it then)."""
        return None if self.accompaniment is None else self.accompaniment.progression()

    async def _store_notes(self, notes: list[Note]) -> None:
        if self.piece_id is not None:
            await save_live_notes(self.piece_id, notes, self._committed_chords())

    async def save(self, stream: LiveStream) -> None:
        """The stream ended (perhaps before the piece was announced, when written flat out):
        save the host's song, complete the piece, tell the room."""
        try:
            await self._announced.wait()
            await self.settle_kept()
            if self.piece_id is not None:  # else never announced: the room never heard of it
                await self._save_announced(stream, self.piece_id)
        finally:
            self._settled(stream)

    def _settled(self, stream: LiveStream) -> None:
        try:
            self.generation().settled(stream)
        except AppError:
            pass  # the service is gone: the worker has stopped waiting for saves

    async def _save_announced(self, stream: LiveStream, piece_id: str) -> None:
        song, error = await self.save_song(stream)
        await complete_live_piece(piece_id, stream.notes, song, self._committed_chords())
        if error is not None:
            await self.tell(stream, ERROR, {"stream_id": stream.id, "error": error})
            return
        await self.tell(
            stream, DONE, {"stream_id": stream.id, "song_id": song.id if song else None}
        )
