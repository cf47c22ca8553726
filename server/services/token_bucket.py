"""A rate limit for one connection's messages, kept in the worker's memory."""

from __future__ import annotations

import time


class TokenBucket:
    """A rate limit for one connection's messages: `burst` at once, `rate` per second after.
    In memory on purpose: a connection lives on one worker for its whole life."""

    def __init__(self, burst: int, rate: float) -> None:
        self.burst, self.rate = burst, rate
        self.tokens, self.updated = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
