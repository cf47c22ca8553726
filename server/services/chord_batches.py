"""Chords for the streams that start together, written in one batch, or ahead of them.

A progression costs a millisecond or two of small NumPy steps written alone, nearly all of it
per-step overhead; when hundreds of listeners press Generate within a few seconds, writing them
one by one would queue every first note behind the others. Requests arriving before the writer
runs wait for it together, up to MAX_BATCH a batch. The batch is written on the event loop, like
the melody's steps: in a thread it held the interpreter lock against the loop sending notes and
cost both more (docs/performance.md, "Steps on the event loop").

Most requests give no seed: any seed will do, and what it writes is known before anyone asks.
For the kinds of piece asked for lately (genre, bars, key and mode: all that the chords depend
on), a pool of pieces already written, each under its own fresh seed, is kept full in large
batches between requests, and a request without a seed takes one at once. It gets exactly what
its seed writes (`with_written_chords`), so the song can still be made again from its seed; a
burst of starts then writes no chords at all until its kind's pool runs dry.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from server.generation.form_plan import FormPlan
from server.generation.progression import Progression
from server.generation.progression_network import ProgressionNetwork
from server.generation.progression_writer import with_written_chords_for
from server.generation.sampling_params import SamplingParams
from server.services.kind_pools import KindPools

log = logging.getLogger(__name__)

MAX_BATCH = 64  # requests written together at most: 64 16-bar pieces take about 10 ms
# Seconds from the start of one batch to the next while requests keep coming: at a burst of
# starts the next batch then holds those of this long, not the one or two of a loop turn (a batch
# costs about what one piece alone does: 1.3 ms for 8 bars alone, 0.5 ms a piece in fours). A
# request alone is written at once.
BATCH_INTERVAL = 0.02
# The pool: the kinds of piece kept written ahead (the most recently asked for), and how many
# bars of pieces each kind holds (1,024 pieces of 8 bars, 64 of 128; about 300 bytes a bar).
POOL_KINDS = 4
POOL_BARS_PER_KIND = 8192
MIN_POOL_PIECES = 16
# Bars written into the pool at a time (64 pieces of 8 bars, about 15 ms here: a piece costs
# 0.24 ms against 1.6 ms alone), and seconds between such batches: under a tenth of a core while
# a pool fills, and the loop is never held longer than by a melody step.
REFILL_BARS = 512
REFILL_INTERVAL = 0.2

Kind = tuple[str | None, int, str, str]  # genre, bars, key, mode
Pooled = tuple[int, Progression, FormPlan]  # seed, chords, form


class ChordBatches:
    def __init__(self, network: ProgressionNetwork) -> None:
        self.network = network
        self._waiting: list[tuple[SamplingParams, asyncio.Future[SamplingParams]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._pools: KindPools[Kind, Pooled] = KindPools(POOL_KINDS, _pool_size, self._refill)
        self.taken_from_pool = 0  # requests answered from the pool, for monitoring

    async def written(self, params: SamplingParams) -> SamplingParams:
        """`params` as `with_written_chords` makes it: from the pool when any seed will do and
        its kind has pieces ready, else written with the requests around it."""
        pooled = self._from_pool(params)
        if pooled is not None:
            return pooled
        future: asyncio.Future[SamplingParams] = asyncio.get_running_loop().create_future()
        self._waiting.append((params, future))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_waiting())
        return await future

    def pooled(self, params: SamplingParams) -> int:
        """Pieces written ahead for requests like `params`."""
        return self._pools.ready(_kind(params))

    async def aclose(self) -> None:
        """Stop filling the pool."""
        await self._pools.aclose()

    def _from_pool(self, params: SamplingParams) -> SamplingParams | None:
        """A pooled piece of `params`' kind, noting the kind as wanted (and the pool to fill);
        None when `params` gives its seed or chords, or none is ready."""
        if params.seed is not None or params.chords is not None or not params.write_chords:
            return None
        pool = self._pools.wanted(_kind(params))
        if not pool:
            return None
        seed, chords, form = pool.popleft()
        self.taken_from_pool += 1
        return replace(params, seed=seed, chords=chords, form=form)

    async def _refill(self) -> None:
        """Write pooled pieces, a batch at a time between requests, until every kind is full."""
        while True:
            await asyncio.sleep(REFILL_INTERVAL)
            if self._waiting:
                continue  # requests first
            short = self._pools.short()
            if not short:
                return
            kind = short[-1]  # the most recently wanted
            pool = self._pools.get(kind)
            assert pool is not None  # short() names kept kinds
            genre, bars, key, mode = kind
            template = SamplingParams(genre=genre, bars=bars, key=key, mode=mode, write_chords=True)
            count = min(max(REFILL_BARS // bars, 1), _pool_size(kind) - len(pool))
            try:
                written = with_written_chords_for([template] * count, self.network)
            except Exception:
                log.exception("writing chords ahead for %s failed", kind)
                self._pools.drop(kind)  # its requests are written as they come
                continue
            for piece in written:  # each with its seed, chords and form
                seed, chords, form = piece.seed, piece.chords, piece.form
                assert seed is not None and chords is not None and form is not None
                pool.append((seed, chords, form))

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


def _kind(params: SamplingParams) -> Kind:
    """What a piece's chords depend on besides its seed."""
    return (params.genre, params.bars, params.key, params.mode)


def _pool_size(kind: Kind) -> int:
    return max(MIN_POOL_PIECES, POOL_BARS_PER_KIND // kind[1])
