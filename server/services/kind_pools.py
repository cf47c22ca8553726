"""Work written ahead for the kinds of request asked for most recently: a pool per kind, the
least recently wanted kind dropped beyond a few, and one background task that fills them (the
chords of `chord_batches.py`, the openings of `opening_pool.py`)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class KindPools(Generic[K, T]):
    def __init__(
        self,
        kinds: int,
        size: Callable[[K], int],
        refill: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        """At most `kinds` pools of `size(kind)` items; `refill()` fills them (until `short`
        is empty), started when a wanted kind's pool is below half and none is running."""
        self.kinds, self.size, self._refill = kinds, size, refill
        self._pools: OrderedDict[K, deque[T]] = OrderedDict()  # least recently wanted first
        self._refiller: asyncio.Task[None] | None = None

    def wanted(self, kind: K) -> deque[T]:
        """The pool of `kind`, noted as the most recently wanted (and to be filled)."""
        pool = self._pools.pop(kind, None) or deque()
        self._pools[kind] = pool
        while len(self._pools) > self.kinds:
            self._pools.popitem(last=False)
        if self._refiller is None and len(pool) < self.size(kind) // 2:
            self._refiller = asyncio.get_running_loop().create_task(self._refilling())
        return pool

    def ready(self, kind: K) -> int:
        """Items written ahead for `kind`."""
        return len(self._pools.get(kind, ()))

    def short(self) -> list[K]:
        """The kinds whose pools are not full, the least recently wanted first."""
        return [kind for kind, pool in self._pools.items() if len(pool) < self.size(kind)]

    def get(self, kind: K) -> deque[T] | None:
        """The pool of `kind` while it is still kept."""
        return self._pools.get(kind)

    def drop(self, kind: K) -> None:
        """Keep nothing ahead for `kind` (until it is wanted again)."""
        self._pools.pop(kind, None)

    async def aclose(self) -> None:
        """Stop filling the pools."""
        if self._refiller is not None:
            self._refiller.cancel()
            try:
                await self._refiller
            except asyncio.CancelledError:
                pass

    async def _refilling(self) -> None:
        try:
            await self._refill()
        finally:
            self._refiller = None
