"""Rate limiting of login and sign-up, per client address and per targeted account.

Counts live in memory for one worker, or in Redis (REDIS_URL) so that every worker shares them;
there one Lua script checks and counts every limit of a request at once, so that concurrent
workers never let more through than the limit.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from quart import Quart, current_app, request
from quart_rate_limiter import RateLimit, RateLimiter, RateLimitExceeded
from quart_rate_limiter.redis_store import RedisStore

from server.models.user import EMAIL_MAX_LENGTH, normalize_email

# GCRA ("tat" is the theoretical arrival time, in ms of Redis's clock, which every worker and
# host shares). KEYS: one per limit; ARGV: per limit its interval and its period (ms). Returns 0
# after counting the request in every limit, or the ms to wait when one refuses it.
GCRA_SCRIPT = """
local now_s, now_us = unpack(redis.call('TIME'))
local now = now_s * 1000 + math.floor(now_us / 1000)
local tats = {}
for i, key in ipairs(KEYS) do
  local interval, period = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local stored = redis.call('GET', key)
  local tat = stored and math.max(tonumber(stored) * 1000, now) or now
  if tat - now > period - interval then return tat - now - (period - interval) end
  tats[i] = tat + interval
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, tats[i] / 1000, 'PX', tats[i] - now + 1000)
end
return 0
"""


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


class SharedRateLimiter(RateLimiter):
    """With the Redis store, a request's limits are checked and counted by one script."""

    async def _before_request(self) -> None:
        if not isinstance(self.store, SharedRedisStore):
            await super()._before_request()
            return
        view = current_app.view_functions.get(request.endpoint)
        if not current_app.config["QUART_RATE_LIMITER_ENABLED"] or view is None:
            return
        blueprint = current_app.blueprints.get(request.blueprint)
        limits = [
            limit
            for limit in self._get_limits_for_view_function(view, blueprint)
            if not await self._should_skip(limit)
        ]
        if limits:
            await self._count_atomically(request.endpoint, limits)

    async def _count_atomically(self, endpoint: str, limits: list[RateLimit]) -> None:
        keys = [await self._create_key(endpoint, limit) for limit in limits]
        periods = [(limit.inverse * 1000, limit.period.total_seconds() * 1000) for limit in limits]
        args = [value for pair in periods for value in pair]
        wait_ms = await self.store._redis.eval(GCRA_SCRIPT, len(keys), *keys, *args)
        if wait_ms > 0:
            raise RateLimitExceeded(math.ceil(wait_ms / 1000))


def init_rate_limits(app: Quart, *, redis_url: str | None, enabled: bool) -> RateLimiter:
    store = SharedRedisStore(redis_url) if redis_url else None
    app.config["QUART_RATE_LIMITER_ENABLED"] = enabled
    return SharedRateLimiter(app, key_function=client_address, store=store)
