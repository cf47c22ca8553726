"""Live streams outliving their worker's lifetime: on SIGTERM a worker stops taking streams and
saves the running ones as drafts before it exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from quart import Quart

from server.generation.engine import EndReason

# The coroutines that save an ended stream: the studio's and a room's.
SAVES = {"Listeners._save_and_report", "RoomSink.save"}
DRAIN_SECONDS = 8.0  # how long shutdown waits for the running streams' saves


def init_stream_recovery(app: Quart) -> None:
    """Save the running streams when the worker shuts down."""

    @app.while_serving
    async def serve() -> AsyncIterator[None]:
        yield
        # Runs before any after_serving hook: the database and the engine are still open.
        await drain_streams(app)


async def drain_streams(app: Quart) -> None:
    """Refuse new streams, end the running ones as interrupted and wait for their saves."""
    service = app.extensions.get("generation")
    if service is None:
        return
    app.extensions["generation"] = None  # handlers now answer "model_unavailable"
    for stream_id in list(service.engine.streams):
        stream = service.engine.end_stream(stream_id, EndReason.DISCONNECTED)
        if stream is not None:
            stream.sink.stream_ended(stream)  # each sink saves its stream as a draft
    app.extensions["generation"] = service  # the saves use it; its own hook stops the engine
    # Hypercorn has closed the connections by now, so saves started by their clean-up (a
    # client's streams end as it leaves) are in flight too: wait for every one.
    saves = {task for task in asyncio.all_tasks() if is_save(task)}
    if saves:
        await asyncio.wait(saves, timeout=DRAIN_SECONDS)


def is_save(task: asyncio.Task) -> bool:
    return getattr(task.get_coro(), "__qualname__", "") in SAVES
