"""Argon2id password hashing, always on threads of its own, so the event loop keeps serving
and a login never waits behind other blocking work (conversions, photos and MIDI parsing run on
pools of their own: server/services/work_pools.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PasswordHasher", "hash_password", "make_hasher", "verify_password"]

# Two hashes at a time per server process (each takes argon2's memory cost, 64 MiB by
# default); how many wait is bounded by the login, sign-up and password-check rate limits.
HASHING_THREADS = 2
_hashing = ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="password-hash")
T = TypeVar("T")


def make_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """An argon2id hasher: `time_cost` rounds, `memory_cost` KiB, `parallelism` lanes."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


async def hash_password(hasher: PasswordHasher, password: str) -> str:
    return await _on_hashing_threads(hasher.hash, password)


async def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """True when `password` matches; a malformed stored hash counts as a mismatch."""
    try:
        return await _on_hashing_threads(hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def _on_hashing_threads(function: Callable[..., T], *args: str) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hashing, function, *args)
