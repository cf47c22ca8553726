"""Limits on attempts: logins and sign-ups per client address and per targeted account, every
check of a signed-in user's password, and how many password checks run at once per account.

An attacker's failures count against the account *from their address* (or a device that
signed in to it before), so they cannot lock the owner out; a per-account ceiling across all
addresses slows guessing from many addresses without holding the owner's known browser.

Counts live in memory for one worker, or in Redis (REDIS_URL) so that every worker shares them;
there one Lua script checks and counts every limit of a request at once, so that concurrent
workers never let more through than the limit.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from quart import Quart, after_this_request, current_app, request
from quart.typing import ResponseTypes
from quart_rate_limiter import RateLimit, RateLimiter, RateLimitExceeded
from quart_rate_limiter.redis_store import RedisStore
from redis.asyncio import Redis

from server.config import current_config
from server.models.user import EMAIL_MAX_LENGTH, normalize_email
from server.security.sessions import current_session
from server.security.signed_tokens import new_signed_token, signed_token_fits

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
# A browser that signed in to an account keeps a cookie saying so, sent only to /api/auth/.
DEVICE_COOKIE = "cadenza_device"
DEVICE_COOKIE_PATH = "/api/auth/"
DEVICE_COOKIE_SECONDS = 365 * 24 * 3600
DEVICE_PURPOSE = "device"
ACCOUNT_CEILING_PER_HOUR = 50  # logins of one account from browsers that never signed in to it
PASSWORD_CHECKS_PER_SESSION_PER_MINUTE = 5
PASSWORD_CHECKS_PER_ACCOUNT_PER_HOUR = 20
# Password checks of one account running at once in a worker: each hash takes 64 MiB
# (Config.argon2_memory_cost), and a person never needs two at the same moment.
PASSWORD_CHECKS_IN_FLIGHT = 1
PASSWORD_CHECK_SCOPE = "password_check"  # one budget for every route that checks a password


class SharedRedisStore(RedisStore):
    """quart-rate-limiter's Redis store, with keys that expire and closed with `aclose`."""

    async def set(self, key: str, tat: datetime) -> None:
        # Once the theoretical arrival time has passed the key means "no recent attempts",
        # the same as no key, so it may expire then (whole seconds, rounded up).
        await self.connection.set(key, tat.timestamp(), exat=math.ceil(tat.timestamp()) + 1)

    async def after_serving(self) -> None:
        await self.connection.aclose()
        self._redis = None

    @property
    def connection(self) -> Redis:
        """The connection to Redis, open from before_serving to after_serving."""
        if self._redis is None:
            raise RuntimeError("the rate-limit store is not serving")
        return self._redis


async def client_address() -> str:
    """The peer address; X-Forwarded-For is ignored since any client can write it."""
    return f"ip:{request.remote_addr}"


def account_key(email: str) -> str:
    """How limits name the account an email leads to (whether or not it exists)."""
    return f"email:{normalize_email(email)[:EMAIL_MAX_LENGTH]}"


async def submitted_email() -> str:
    """The account an attempt targets, read from the JSON or form body."""
    if request.is_json:
        body = await request.get_json(silent=True)
    else:
        body = await request.form
    email = body.get("email") if hasattr(body, "get") else None
    return account_key(str(email or ""))


async def attempt_source() -> str:
    """The targeted account together with who tries it: the browser, when it signed in to
    that account before, else the client address."""
    account = await submitted_email()
    if await known_device():
        nonce = request.cookies[DEVICE_COOKIE].partition(".")[0]
        return f"{account}|device:{nonce}"
    return f"{account}|{await client_address()}"


async def known_device() -> bool:
    """Whether this browser signed in to the submitted account before (its device cookie)."""
    device = request.cookies.get(DEVICE_COOKIE, "")
    return bool(device) and signed_token_fits(device, DEVICE_PURPOSE, await submitted_email())


def remember_device(email: str) -> None:
    """After a successful login or sign-up, mark this browser as one of the account's own."""

    @after_this_request
    async def set_device_cookie(response: ResponseTypes) -> ResponseTypes:
        token = new_signed_token(DEVICE_PURPOSE, account_key(email))
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=DEVICE_COOKIE_SECONDS,
            path=DEVICE_COOKIE_PATH,
            secure=current_config().cookie_secure,
            httponly=True,
            samesite="Strict",
        )
        return response


async def signed_in_session() -> str:
    session = await current_session()
    # A digest, since the auth id is the login's secret and keys are visible in Redis.
    digest = hashlib.sha256(session.auth_id.encode()).hexdigest()[:32] if session else ""
    return f"session:{digest}"


async def signed_in_account() -> str:
    """The signed-in account, named as logins name it; a new email (which needs the password)
    starts a new count."""
    session = await current_session()
    return account_key(session.user.email if session else "")


LOGIN_LIMITS = [
    RateLimit(30, timedelta(minutes=1), key_function=client_address),
    RateLimit(5, timedelta(minutes=1), key_function=attempt_source),
    RateLimit(20, timedelta(hours=1), key_function=attempt_source),
    # Past the ceiling, new browsers get one attempt per 72 s: slowed, never locked for good.
    RateLimit(
        ACCOUNT_CEILING_PER_HOUR,
        timedelta(hours=1),
        key_function=submitted_email,
        skip_function=known_device,
    ),
]
SIGNUP_LIMITS = [
    RateLimit(10, timedelta(minutes=10), key_function=client_address),
    RateLimit(5, timedelta(minutes=10), key_function=submitted_email),
]
PASSWORD_CHECK_LIMITS = [
    RateLimit(PASSWORD_CHECKS_PER_SESSION_PER_MINUTE, timedelta(minutes=1), signed_in_session),
    RateLimit(PASSWORD_CHECKS_PER_ACCOUNT_PER_HOUR, timedelta(hours=1), signed_in_account),
]
# Each photo is decoded (up to 64 MB for a moment): a few changes a minute per account and a
# few more per address are plenty for people and bound what a script can make the server do.
PHOTO_LIMITS = [
    RateLimit(5, timedelta(minutes=1), key_function=signed_in_account),
    RateLimit(20, timedelta(minutes=1), key_function=client_address),
]


class SharedRateLimiter(RateLimiter):
    """quart-rate-limiter with one way to count: routes' limits before they run, and limits a
    service counts itself (`count_attempt`); with the Redis store, checked and counted by one
    script."""

    async def _before_request(self) -> None:
        endpoint, blueprint_name = request.endpoint, request.blueprint
        if not current_app.config["QUART_RATE_LIMITER_ENABLED"] or endpoint is None:
            return
        view = current_app.view_functions.get(endpoint)
        if view is None:
            return
        blueprint = current_app.blueprints.get(blueprint_name) if blueprint_name else None
        await self.count(endpoint, self._get_limits_for_view_function(view, blueprint))

    async def count(self, scope: str, limits: list[RateLimit]) -> None:
        """Count one attempt at `scope` in each of `limits` that applies, or raise
        RateLimitExceeded (counting nothing) when one of them refuses it."""
        limits = [limit for limit in limits if not await self._should_skip(limit)]
        if not limits:
            return
        if isinstance(self.store, SharedRedisStore):
            await self._count_atomically(self.store, scope, limits)
        else:
            await self._raise_on_rejection(scope, limits)
            await self._update_limits(scope, limits)

    async def _count_atomically(
        self, store: SharedRedisStore, endpoint: str, limits: list[RateLimit]
    ) -> None:
        keys = [await self._create_key(endpoint, limit) for limit in limits]
        periods = [(limit.inverse * 1000, limit.period.total_seconds() * 1000) for limit in limits]
        args = [value for pair in periods for value in pair]
        wait_ms = await store.connection.eval(GCRA_SCRIPT, len(keys), *keys, *args)
        if wait_ms > 0:
            raise RateLimitExceeded(math.ceil(wait_ms / 1000))


class PasswordChecksInFlight:
    """How many password checks of each account this worker is running; past the bound a new
    one is refused before it hashes anything."""

    def __init__(self, most: int, *, enabled: bool) -> None:
        self._most = most
        self._enabled = enabled
        self._running: Counter[int | str] = Counter()

    @asynccontextmanager
    async def hold(self, account: int | str) -> AsyncIterator[None]:
        """A slot for one check of `account` (a user id, or the email of no account)."""
        if self._enabled and self._running[account] >= self._most:
            raise RateLimitExceeded(1)
        self._running[account] += 1
        try:
            yield
        finally:
            self._running[account] -= 1
            if not self._running[account]:
                del self._running[account]


def password_checks_in_flight(app: Quart) -> PasswordChecksInFlight:
    checks: PasswordChecksInFlight = app.extensions["password_checks_in_flight"]
    return checks


@asynccontextmanager
async def password_check_slot(account: int | str) -> AsyncIterator[None]:
    """Hold one of `account`'s password-check slots while hashing (429 when none is free)."""
    async with password_checks_in_flight(current_app).hold(account):
        yield


async def count_password_check() -> None:
    """Count a check of the signed-in user's password (429 past the session's or account's
    budget); every route that checks it shares one budget."""
    await count_attempt(PASSWORD_CHECK_SCOPE, PASSWORD_CHECK_LIMITS)


async def count_attempt(scope: str, limits: list[RateLimit]) -> None:
    """Count one attempt at `scope` in `limits` from inside a request (RATE_LIMITS=off: none)."""
    if current_app.config["QUART_RATE_LIMITER_ENABLED"]:
        await current_app.extensions["rate_limiter"].count(scope, limits)


def init_rate_limits(app: Quart, *, redis_url: str | None, enabled: bool) -> RateLimiter:
    store = SharedRedisStore(redis_url) if redis_url else None
    app.config["QUART_RATE_LIMITER_ENABLED"] = enabled
    limiter = SharedRateLimiter(app, key_function=client_address, store=store)
    app.extensions["rate_limiter"] = limiter
    app.extensions["password_checks_in_flight"] = PasswordChecksInFlight(
        PASSWORD_CHECKS_IN_FLIGHT, enabled=enabled
    )
    return limiter
