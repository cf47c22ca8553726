"""Login and password-check limits counted in Redis under concurrent attempts: never more
through than the limit, and every counter expires."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import redis.asyncio as aioredis

from server.app import create_app
from server.security.rate_limits import PASSWORD_CHECKS_PER_SESSION_PER_MINUTE
from tests.conftest import PASSWORD, AuthActions, StudioTestClient, unique_email

PER_EMAIL_PER_MINUTE = 5  # from one address: server.security.rate_limits.LOGIN_LIMITS


async def test_concurrent_attempts_never_get_more_through_than_the_limit(config, redis_url):
    """Twenty attempts in flight at once (as from several workers): the check and the count of
    each is one step in Redis, so no two read the same count."""
    email = unique_email()
    app = create_app(replace(config, redis_url=redis_url))
    async with app.test_app():
        clients = [StudioTestClient(app) for _ in range(20)]
        for client in clients:
            await client.csrf_token()
        body = {"email": email, "password": "a guess"}
        responses = await asyncio.gather(
            *(client.post("/api/auth/login", json=body) for client in clients)
        )
    statuses = [response.status_code for response in responses]
    assert set(statuses) == {401, 429}
    # At most the limit is checked; of those, ones that find another check of the same account
    # running are refused too (one in flight per account).
    assert statuses.count(401) <= PER_EMAIL_PER_MINUTE
    redis = aioredis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"*{email}*")]
        expiries_ms = [await redis.pttl(key) for key in keys]
        assert keys and all(0 < expiry <= 3_601_000 for expiry in expiries_ms)
        await redis.delete(*keys)
    finally:
        await redis.aclose()


async def test_concurrent_password_checks_of_one_session_never_exceed_its_budget(config, redis_url):
    """Twenty wrong confirmations in flight at once from one stolen session: at most the
    session's budget of them is checked; the rest are refused before any hashing."""
    app = create_app(replace(config, redis_url=redis_url))
    async with app.test_app():
        client = StudioTestClient(app)
        assert (await AuthActions(client).signup()).status_code == 201
        wrong = {"password": "a guess"}
        responses = await asyncio.gather(*(client.delete("/api/me", json=wrong) for _ in range(20)))
        statuses = [response.status_code for response in responses]
        right = await client.delete("/api/me", json={"password": PASSWORD})
    assert set(statuses) <= {403, 429}
    assert 1 <= statuses.count(403) <= PASSWORD_CHECKS_PER_SESSION_PER_MINUTE
    assert right.status_code == 429
