"""Chords for the streams that start together, written in one batch.

A progression costs a millisecond or two of small NumPy steps written alone, nearly all of it
per-step overhead; when hundreds of listeners press Generate within a few seconds, writing them
one by one would queue every first note behind the others. Requests arriving before the writer
runs wait for it together, up to MAX_BATCH a batch. The batch is written on the event loop, like
the melody's steps: in a thread it held the interpreter lock against the loop sending notes and
cost both more (docs/performance.md, "Steps on the event loop").
"""

from __future__ import annotations

import asyncio

from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords_for
from server.generation.sampling_params import SamplingParams

MAX_BATCH = 64  # requests written together at most: 64 16-bar pieces take about 10 ms
# Seconds from the start of one batch to the next while requests keep coming: at a burst of
# starts the next batch then holds those of this long, not the one or two of a loop turn (a batch
# costs about what one piece alone does: 1.3 ms for 8 bars alone, 0.5 ms a piece in fours). A
# request alone is written at once.
BATCH_INTERVAL = 0.02


class ChordBatches:
    def __init__(self, network: ProgressionNetwork) -> None:
        self.network = network
        self._waiting: list[tuple[SamplingParams, asyncio.Future[SamplingParams]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def written(self, params: SamplingParams) -> SamplingParams:
        """`params` as `with_written_chords` makes it, written with the requests around it."""
        future: asyncio.Future[SamplingParams] = asyncio.get_running_loop().create_future()
        self._waiting.append((params, future))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_waiting())
        return await future

    async def _write_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                started = loop.time()
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    written = with_written_chords_for([params for params, _ in batch], self.network)
                except Exception as error:  # each waiting request hears of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                else:
                    for (_, future), params in zip(batch, written, strict=True):
                        if not future.done():  # not given up meanwhile
                            future.set_result(params)
                await asyncio.sleep(max(started + BATCH_INTERVAL - loop.time(), 0.0))
        finally:
            self._writer = None
