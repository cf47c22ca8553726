"""Chords for the streams that start together, written in one batch off the event loop.

A progression costs a couple of milliseconds of small NumPy steps written alone, nearly all of
it per-step overhead; when hundreds of listeners press Generate within a few seconds, writing
them one by one in threads would queue every first note behind the others and take the
interpreter from the loop that sends notes. Requests arriving while a batch is written wait for
the next one, which takes all of them (up to MAX_BATCH): one thread, one batch at a time.
"""

from __future__ import annotations

import asyncio

from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords_for
from server.generation.sampling_params import SamplingParams

MAX_BATCH = 256  # requests written together at most: a batch of 256 16-bar pieces is ~30 ms


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
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    written = await asyncio.to_thread(
                        with_written_chords_for, [params for params, _ in batch], self.network
                    )
                except Exception as error:  # each waiting request hears of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), params in zip(batch, written, strict=True):
                    if not future.done():  # not given up meanwhile
                        future.set_result(params)
        finally:
            self._writer = None
