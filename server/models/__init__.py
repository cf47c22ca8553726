"""Tortoise models of the studio and the ORM configuration that lists them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

APP_LABEL = "studio"
MIGRATIONS_MODULE = "migrations"
MODEL_MODULES = [
    "server.models.user",
    "server.models.auth_session",
    "server.models.song",
    "server.models.upload",
    "server.models.room",
    "server.models.room_member",
    "server.models.room_connection",
    "server.models.room_message",
    "server.models.room_piece",
    "server.models.room_jam_event",
    "server.models.stream_progress",
]
# Connections a worker keeps open to PostgreSQL at most, unless its URL sets `maxsize`. Tortoise's
# default of 5 queued every login check behind the progress writes when a few hundred listeners
# started at once: the check waited up to 6 s for a connection (docs/performance.md, "Steps on
# the event loop"). PostgreSQL allows 100 connections by default: room for four workers.
POSTGRES_POOL_SIZE = 20
# Prepared statements asyncpg keeps per connection, unless the URL sets `statement_cache_size`.
# Its default of 100 filled slowly with statements used once (a bulk insert or an `id IN (...)`
# makes a new one for every row count): with 20 connections a worker's memory still grew
# through a 10-minute soak, 5 to 6%; with 10 it stayed within 3.4% (docs/performance.md, "Soak").
POSTGRES_STATEMENT_CACHE_SIZE = 10


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise configuration for one database; migrations live in the repo's `migrations/`."""
    return {
        "connections": {"default": with_connection_limits(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def with_connection_limits(database_url: str) -> str:
    """A PostgreSQL URL with POSTGRES_POOL_SIZE as its `maxsize` and
    POSTGRES_STATEMENT_CACHE_SIZE as its `statement_cache_size` unless it names them; any other
    URL as it is."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "asyncpg", "psycopg"):
        return database_url
    query = dict(parse_qsl(parts.query))
    query.setdefault("maxsize", str(POSTGRES_POOL_SIZE))
    query.setdefault("statement_cache_size", str(POSTGRES_STATEMENT_CACHE_SIZE))
    return urlunsplit(parts._replace(query=urlencode(query)))


# For the tortoise CLI when writing a new migration after a model change:
#   TORTOISE_ORM=server.models.TORTOISE_ORM python -m tortoise makemigrations
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
