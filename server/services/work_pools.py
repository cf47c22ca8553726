"""Bounded pools for the server's blocking work: photo decoding, conversions and MIDI parsing
each run on threads of their own (password hashing too, in server/security/passwords.py), so
none waits behind another (a login never queues behind a conversion), and each admits a bounded
amount of work, checked before any of it starts: past an account's share the answer is a 429
`busy`, past the pool's bound a 503 `busy`.

The counts are this process's: each server worker bounds its own CPU and memory.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from server.errors import AppError

T = TypeVar("T")


def busy(message: str, status: int = 503) -> AppError:
    """Refused before any work was done: the account's share or the server's pool is in use."""
    return AppError("busy", message, status=status)


class WorkPool:
    """`workers` threads for one kind of work, `waiting` more admitted to queue for them, and at
    most `per_owner` in flight for any one account (None: no share per account)."""

    def __init__(self, name: str, what: str, workers: int, waiting: int, per_owner: int | None):
        self.name, self.what = name, what  # `what`: the work in messages, e.g. "conversions"
        self.workers, self.waiting, self.per_owner = workers, waiting, per_owner
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._in_flight = 0
        self._by_owner: Counter[int] = Counter()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def check(self, owner: int | None = None) -> None:
        """Raise `busy` when one more piece of work for `owner` would not be admitted now."""
        if self.per_owner is not None and owner is not None:
            if self._by_owner[owner] >= self.per_owner:
                raise busy(
                    f"Your account is at its limit of {self.what} at once ({self.per_owner}); "
                    "wait for one to finish and try again.",
                    status=429,
                )
        if self._in_flight >= self.workers + self.waiting:
            raise busy(f"The server is busy with other {self.what}; try again in a moment.")

    @contextmanager
    def admitted(self, owner: int | None = None) -> Iterator[None]:
        """Hold one place of `owner`'s share and of the pool for the length of the block;
        `busy`, before the block runs, when there is none free."""
        self.check(owner)
        self._in_flight += 1
        if owner is not None:
            self._by_owner[owner] += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            if owner is not None:
                self._by_owner[owner] -= 1
                if self._by_owner[owner] <= 0:
                    del self._by_owner[owner]

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on this pool's threads (the caller holds a place: `admitted`)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def submit(self, owner: int | None, function: Callable[..., T], *args: Any) -> T:
        """Admit, then run: `function(*args)` on this pool's threads as one piece of work."""
        with self.admitted(owner):
            return await self.run(function, *args)
