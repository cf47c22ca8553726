"""Opens the ORM when the app starts serving and closes it when it stops; the readiness probes
of the database and of Redis."""

from __future__ import annotations

import redis.asyncio as aioredis
from quart import Quart
from tortoise import Tortoise, connections

from server.models import tortoise_config

READINESS_QUERY = "SELECT COUNT(*) FROM users WHERE id < 0"  # touches the schema, reads no rows


def init_database(app: Quart, database_url: str) -> None:
    async def open_database() -> None:
        # Hypercorn runs startup and requests in different tasks; the global context is
        # what lets every request (and socket handler) see this connection.
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)

    async def close_database() -> None:
        await Tortoise.close_connections()

    app.before_serving(open_database)
    app.after_serving(close_database)


async def database_ready() -> bool:
    """True when the database answers and holds the migrated schema."""
    try:
        await connections.get("default").execute_query(READINESS_QUERY)
    except Exception:  # any driver or schema error means "not ready", never a crash
        return False
    return True


async def redis_ready(url: str) -> bool:
    """True when Redis at `url` answers a PING within a second."""
    client = aioredis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(await client.ping())
    except (OSError, aioredis.RedisError):
        return False
    finally:
        await client.aclose()
