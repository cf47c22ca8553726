"""Studio streams outliving their worker. While a stream is written its notes so far are kept in
a `StreamProgress` row about once a second; when it ends the row goes. If its worker dies, another
worker saves the row's notes as the owner's draft (once: the claim is a conditional update, and
the draft's id is the stream's), and the row stays as a notice that a worker holding one of the
owner's connections delivers once as `generate:error` with code `worker_lost`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.generation.live_stream import LiveStream
from server.generation.notes import Note, StoredNote, storage_rows
from server.models.song import SongStatus
from server.models.stream_progress import StreamProgress
from server.services.live_notes import NoteKeeper
from server.services.progress_writes import ProgressWrites
from server.services.songs import save_song

log = logging.getLogger(__name__)

LOST = {
    "code": "worker_lost",
    "message": "The server writing this melody stopped; its notes so far are a draft.",
}
NOTICE_LIFETIME = timedelta(hours=1)  # a notice nobody connected to hear is dropped after this
Emit = Callable[..., Awaitable[None]]  # a Socket.IO server's emit(event, data, to=room)


def user_room(user_id: int) -> str:
    """The Socket.IO room of every connection of one user, on whichever worker."""
    return f"user:{user_id}"


class StudioProgress:
    """One studio stream's row: created with the first notes stored, updated after (with the
    worker's other streams' rows, `writes`), deleted once the stream is saved (or dropped) by its
    own worker."""

    def __init__(
        self, stream: LiveStream, song_fields: dict[str, Any], writes: ProgressWrites
    ) -> None:
        self.stream_id, self.owner_id, self.song_fields = stream.id, stream.owner, song_fields
        self.keeper = NoteKeeper(self._store)
        self._writes = writes
        self._created = False
        self._rows: list[StoredNote] = []  # the notes stored so far: a stream only adds notes

    async def _store(self, notes: list[Note]) -> None:
        self._rows += storage_rows(notes[len(self._rows) :])
        new = (
            None if self._created else {"owner_id": self.owner_id, "song_fields": self.song_fields}
        )
        await self._writes.store(self.stream_id, self._rows[:], new)
        self._created = True

    async def discard(self) -> None:
        """The stream's own worker kept (or dropped) it: the row is no longer needed. A row
        another worker already recovered stays, as its owner's notice."""
        await self.keeper.settle()
        if self._created:
            await StreamProgress.filter(id=self.stream_id, recovered_at__isnull=True).delete()


async def recover_lost_streams(
    leased: Callable[[str], Awaitable[bool]], older_than: datetime
) -> None:
    """Save each stream stored before `older_than` whose writer holds no lease as a draft."""
    rows = StreamProgress.filter(recovered_at__isnull=True, created_at__lt=older_than)
    for row in await rows.values("id"):
        if not await leased(row["id"]):
            await recover_stream(row["id"])


class ClaimedElsewhereError(Exception):
    """Another worker's claim on a lost stream's row came first."""


async def recover_stream(stream_id: str) -> None:
    row = await StreamProgress.get_or_none(id=stream_id, recovered_at__isnull=True)
    if row is None:
        return
    await row.fetch_related("owner")

    async def claim() -> None:
        """The update is the claim: only the worker whose update changed the row goes on."""
        claimed = await StreamProgress.filter(id=stream_id, recovered_at__isnull=True).update(
            recovered_at=datetime.now(UTC), song_id=stream_id if row.notes else None
        )
        if not claimed:
            raise ClaimedElsewhereError

    fields = row.song_fields | {"status": SongStatus.DRAFT, "id": row.id}
    try:
        if row.notes:
            await save_song(row.owner, row.stored_notes(), claim=claim, **fields)
        else:
            async with in_transaction():
                await claim()
    except ClaimedElsewhereError:  # another worker recovers it
        return
    except IntegrityError:  # its worker saved the song after all: the row is a leftover
        await StreamProgress.filter(id=stream_id).delete()
        return
    log.info("saved the notes of lost stream %s as a draft", stream_id)


async def deliver_notices(emit: Emit, connected_here: Callable[[str], bool]) -> None:
    """Tell the owners of recovered streams who have a connection on this worker (each notice
    once, by one worker: the delete is the claim); drop notices nobody came for."""
    stale = datetime.now(UTC) - NOTICE_LIFETIME
    notices = StreamProgress.filter(recovered_at__isnull=False)
    fields = ("id", "owner_id", "song_id", "recovered_at")
    for stream_id, owner_id, song_id, recovered_at in await notices.values_list(*fields):
        room = user_room(owner_id)
        if recovered_at < stale:
            await StreamProgress.filter(id=stream_id).delete()
        elif connected_here(room) and await StreamProgress.filter(id=stream_id).delete():
            payload = {"stream_id": stream_id, "error": LOST, "song_id": song_id}
            await emit("generate:error", payload, to=room)
