"""Rate limiting of login and sign-up, per client address and per targeted account.

Counts live in memory for one worker, or in Redis (REDIS_URL) so that every worker shares them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from quart import Quart, request
from quart_rate_limiter import RateLimit, RateLimiter
from quart_rate_limiter.redis_store import RedisStore

from server.models.user import EMAIL_MAX_LENGTH, normalize_email


class SharedRedisStore(RedisStore):
    """quart-rate-limiter's Redis store, with keys that expire and closed with `aclose`."""

    async def set(self, key: str, tat: datetime) -> None:
        # Once the theoretical arrival time has passed the key means "no recent attempts",
        # the same as no key, so it may expire then (whole seconds, rounded up).
        await self._redis.set(key, tat.timestamp(), exat=math.ceil(tat.timestamp()) + 1)

    async def after_serving(self) -> None:
        await self._redis.aclose()
        self._redis = None


async def client_address() -> str:
    """The peer address; X-Forwarded-For is ignored since any client can write it."""
    return f"ip:{request.remote_addr}"


async def submitted_email() -> str:
    """The account an attempt targets, read from the JSON or form body."""
    if request.is_json:
        body = await request.get_json(silent=True)
    else:
        body = await request.form
    email = body.get("email") if hasattr(body, "get") else None
    return f"email:{normalize_email(str(email or ''))[:EMAIL_MAX_LENGTH]}"


LOGIN_LIMITS = [
    RateLimit(30, timedelta(minutes=1), key_function=client_address),
    RateLimit(5, timedelta(minutes=1), key_function=submitted_email),
    RateLimit(20, timedelta(hours=1), key_function=submitted_email),
]
SIGNUP_LIMITS = [
    RateLimit(10, timedelta(minutes=10), key_function=client_address),
    RateLimit(5, timedelta(minutes=10), key_function=submitted_email),
]


def init_rate_limits(app: Quart, *, redis_url: str | None, enabled: bool) -> RateLimiter:
    store = SharedRedisStore(redis_url) if redis_url else None
    app.config["QUART_RATE_LIMITER_ENABLED"] = enabled
    return RateLimiter(app, key_function=client_address, store=store)
