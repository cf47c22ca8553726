"""The scale-out backends chosen by configuration: PostgreSQL (DATABASE_URL), Redis (REDIS_URL).

Both run as local services in CI (.ci/run starts them); elsewhere these tests skip when absent.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest
import redis.asyncio as aioredis
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from server.app import create_app
from server.generation.notes import Note
from server.migrate import apply_migrations
from server.models import (
    POSTGRES_POOL_SIZE,
    POSTGRES_STATEMENT_CACHE_SIZE,
    with_connection_limits,
)
from server.models.song import Song
from server.models.user import User
from tests.conftest import PASSWORD, AuthActions, StudioTestClient, config_for_tests, unique_email
from tests.databases import POSTGRES_ADMIN_URL

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(service: str, error: Exception) -> None:
    message = f"{service} is not reachable ({error})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"cadenza_test_{secrets.token_hex(6)}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", error)
    # Tortoise caches each table's INSERT/DELETE SQL per connection name for the whole process,
    # whatever the dialect; the SQLite tests before this one must not lend it their SQL.
    EXECUTOR_CACHE.clear()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        EXECUTOR_CACHE.clear()
        await admin.close()


@pytest.fixture
async def redis_url() -> str:
    try:
        connection = aioredis.from_url(REDIS_URL, socket_connect_timeout=3)
        await connection.ping()
        await connection.aclose()
    except (OSError, aioredis.RedisError) as error:
        unavailable("Redis", error)
    return REDIS_URL


async def test_studio_runs_on_postgresql(tmp_path, postgres_url):
    await apply_migrations(postgres_url)
    await apply_migrations(postgres_url)  # an existing database: nothing to do, no error
    app = create_app(config_for_tests(tmp_path, database_url=postgres_url))
    async with app.test_app():
        client = StudioTestClient(app)
        body = await (await AuthActions(client).signup()).get_json()
        owner = await User.get(id=body["id"])
        await Song.from_notes(owner, [Note(60, 0, 12)], title="On Postgres").save()
        songs = await (await client.get("/api/songs")).get_json()
        assert [song["title"] for song in songs["songs"]] == ["On Postgres"]
        assert (await client.delete("/api/me", json={"password": PASSWORD})).status_code == 204
        assert await Song.all().count() == 0


async def test_a_worker_runs_many_queries_at_once_on_postgresql(tmp_path, postgres_url):
    """A burst of listeners pressing Generate makes one login check each: they must not queue
    behind a handful of pooled connections (and a URL's own `maxsize` wins)."""
    await apply_migrations(postgres_url)
    app = create_app(config_for_tests(tmp_path, database_url=postgres_url))
    async with app.test_app():
        connection = Tortoise.get_connection("default")
        sleeps = asyncio.gather(
            *(connection.execute_query("SELECT pg_sleep(1)") for _ in range(POSTGRES_POOL_SIZE))
        )
        admin = await asyncpg.connect(postgres_url)
        most = 0
        try:
            while not sleeps.done():
                running = await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(1)'"
                    " AND state = 'active'"
                )
                most = max(most, running)
                await asyncio.sleep(0.05)
        finally:
            await admin.close()
        await sleeps
    assert most == POSTGRES_POOL_SIZE
    assert "maxsize=3&" in with_connection_limits(f"{postgres_url}?maxsize=3")


async def test_a_worker_keeps_few_prepared_statements_on_each_postgresql_connection(
    tmp_path, postgres_url
):
    """Statements used once (a bulk insert or an `id IN (...)` of a new row count) must not pile
    up on a connection for the worker's life (a URL's own `statement_cache_size` wins)."""
    await apply_migrations(postgres_url)
    app = create_app(config_for_tests(tmp_path, database_url=postgres_url))
    async with app.test_app():
        async with Tortoise.get_connection("default").acquire_connection() as connection:
            for number in range(60):
                await connection.fetchval(f"SELECT {number}::int")
            prepared = await connection.fetchval("SELECT count(*) FROM pg_prepared_statements")
    assert prepared <= POSTGRES_STATEMENT_CACHE_SIZE + 2
    own = with_connection_limits(f"{postgres_url}?statement_cache_size=50")
    assert "statement_cache_size=50" in own and own.count("statement_cache_size") == 1


async def test_login_limits_are_shared_through_redis(config, redis_url):
    """Attempts counted by one worker still count in the next one (restarts included)."""
    email, address = unique_email(), f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    statuses = []
    for attempts in (3, 3):  # two app instances, one after the other, sharing Redis
        app = create_app(replace(config, redis_url=redis_url))
        async with app.test_app():
            client = StudioTestClient(app)
            for _ in range(attempts):
                response = await client.post(
                    "/api/auth/login",
                    json={"email": email, "password": "guess"},
                    scope_base={"client": (address, 40000)},
                )
                statuses.append(response.status_code)
    assert statuses == [401] * 5 + [429]
