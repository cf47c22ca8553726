"""Openings written ahead for the kinds of piece asked for lately (`server/generation/openings.py`).

A request that gives no seed, primer or chords of its own takes an opening of its exact kind
(every parameter but the seed) when one is ready: its listener's first frame goes out at once
instead of after a dozen network steps, and the rest of the piece is written live as usual.
The song keeps the opening's seed, which writes the same notes again. The pool of a kind fills
after its first request, a batch at a time, each network step taken only while the engine has
no stream waiting for one, so a pool never delays a playing stream's notes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from server.generation.engine import GenerationEngine
from server.generation.openings import Opening, write_openings
from server.generation.sampling_params import SamplingParams
from server.services.kind_pools import KindPools

log = logging.getLogger(__name__)

POOL_KINDS = 4  # the kinds most recently asked for
OPENINGS_PER_KIND = 512  # about 7 MB of melodies and states (docs/performance.md)
# Openings written together: a dozen steps of 16 streams, about 1.5 ms each, and their chords
# in one batch (about 7 ms), so a start arriving meanwhile waits for little.
REFILL_BATCH = 16
REFILL_INTERVAL = 0.05  # seconds between batches
IDLE_POLL = 0.005  # seconds between looks at a busy engine

Seeded = Callable[[SamplingParams], Awaitable[SamplingParams]]


class OpeningPool:
    def __init__(self, engine: GenerationEngine, seeded: Seeded) -> None:
        """`seeded` gives a request its seed and the chords and form that seed writes (the
        service's chord writer), as a live start would."""
        self.engine = engine
        self.seeded = seeded
        self._pools: KindPools[SamplingParams, Opening] = KindPools(
            POOL_KINDS, lambda kind: OPENINGS_PER_KIND, self._refill
        )
        self.taken = 0  # starts answered from the pool, for monitoring

    def take(self, params: SamplingParams) -> Opening | None:
        """An opening written ahead for `params`, noting its kind as wanted (and its pool to
        fill); None when `params` gives a seed, a primer or chords, or none is ready."""
        if params.seed is not None or params.primer or params.chords is not None:
            return None
        pool = self._pools.wanted(params)
        if not pool:
            return None
        self.taken += 1
        return pool.popleft()

    def ready(self, params: SamplingParams) -> int:
        """Openings written ahead for requests like `params`."""
        return self._pools.ready(params)

    async def aclose(self) -> None:
        """Stop filling the pools."""
        await self._pools.aclose()

    async def _refill(self) -> None:
        """Write openings, a batch at a time, until every kind's pool is full."""
        while True:
            await asyncio.sleep(REFILL_INTERVAL)
            short = self._pools.short()
            if not short:
                return
            kind = short[-1]  # the most recently wanted
            count = min(REFILL_BATCH, OPENINGS_PER_KIND - self._pools.ready(kind))
            try:
                requests = await asyncio.gather(*(self.seeded(kind) for _ in range(count)))
                openings = await write_openings(
                    self.engine.network,
                    requests,
                    lambda params: self.engine.pacing.high_water(params.tempo),
                    self._engine_idle,
                )
            except Exception:
                log.exception("writing openings ahead for %s failed", kind)
                self._pools.drop(kind)  # its requests are written as they come
                continue
            pool = self._pools.get(kind)
            if pool is not None:  # still wanted
                pool.extend(openings)

    async def _engine_idle(self) -> None:
        while not self.engine.idle:
            await asyncio.sleep(IDLE_POLL)
