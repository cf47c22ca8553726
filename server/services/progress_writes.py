"""The stored progress of every studio stream on a worker, written together: each stream asks
for its notes to be stored about once a second, and what is asked while one write is under way
goes in the next, as one insert for new rows and one statement run over all updated rows. A
thousand streams cost a few database round trips a second instead of a thousand queries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pypika_tortoise.queries import Table
from tortoise.backends.base.client import BaseDBAsyncClient

from server.generation.notes import StoredNote
from server.models.stream_progress import StreamProgress

log = logging.getLogger(__name__)

GATHER_SECONDS = 0.05  # a write waits this long for others to join it


@dataclass
class _Row:
    stream_id: str
    notes: list[StoredNote]
    new: dict[str, Any] | None  # the row's other fields when it is to be created
    written: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class ProgressWrites:
    """One per worker. `store` returns once the row is written (or raises why it was not)."""

    def __init__(self) -> None:
        self._waiting: dict[str, _Row] = {}  # stream id -> its latest notes not yet written
        self._writer: asyncio.Task[None] | None = None

    async def store(
        self, stream_id: str, notes: list[StoredNote], new: dict[str, Any] | None = None
    ) -> None:
        """Create the stream's row with `new` (owner_id, song_fields) and `notes`, or update
        its notes, unless another worker recovered it meanwhile."""
        row = _Row(stream_id, notes, new)
        replaced = self._waiting.pop(stream_id, None)
        if replaced is not None:  # a stream waits for one write at a time; this is a safety net
            row.new = row.new or replaced.new
            row.written.add_done_callback(lambda done: _settle(replaced.written, done))
        self._waiting[stream_id] = row
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_all())
        await asyncio.shield(row.written)

    async def _write_all(self) -> None:
        while self._waiting:
            await asyncio.sleep(GATHER_SECONDS)
            rows, self._waiting = list(self._waiting.values()), {}
            await _write([row for row in rows if row.new is not None], _create)
            await _write([row for row in rows if row.new is None], _update)


Write = Callable[[list[_Row]], Awaitable[None]]


async def _write(rows: list[_Row], write: Write) -> None:
    """`rows` in one go; when that fails, one by one, so that one bad row (its owner deleted
    meanwhile) does not keep the others from being stored."""
    if not rows:
        return
    try:
        await write(rows)
    except Exception as error:
        if len(rows) == 1:
            _settle(rows[0].written, error=error)
            return
        log.warning("storing %d streams' progress together failed; one by one", len(rows))
        for row in rows:
            await _write([row], write)
        return
    for row in rows:
        _settle(row.written)


def _settle(
    future: asyncio.Future[None],
    done: asyncio.Future[None] | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():
        return
    if done is not None and not done.cancelled():
        error = done.exception()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(None)


async def _create(rows: list[_Row]) -> None:
    await StreamProgress.bulk_create(
        [StreamProgress(id=row.stream_id, notes=row.notes, **(row.new or {})) for row in rows]
    )


async def _update(rows: list[_Row]) -> None:
    db = StreamProgress._meta.db
    encode = StreamProgress._meta.fields_map["notes"].to_db_value
    values = [[encode(row.notes, StreamProgress), row.stream_id] for row in rows]
    await db.execute_many(_update_sql(db), values)


def _update_sql(db: BaseDBAsyncClient) -> str:
    """UPDATE stream_progress SET notes = ? WHERE id = ? AND recovered_at IS NULL, in the
    database's own parameter style."""
    table = Table(StreamProgress._meta.db_table)
    executor = db.executor_class(model=StreamProgress, db=db)
    query = (
        db.query_class.update(table)
        .set(table.notes, executor.parameter(0))
        .where(table.id == executor.parameter(1))
        .where(table.recovered_at.isnull())
    )
    return str(query.get_sql())
