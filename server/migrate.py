"""`python -m server.migrate`: bring the configured database to the current schema.

The same command creates a fresh database and upgrades an existing one; SQLite files are
switched to WAL mode on the first connection.
"""

from __future__ import annotations

import asyncio

from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate

from server.config import Config
from server.models import tortoise_config


async def apply_migrations(database_url: str) -> None:
    """Apply every migration in `migrations/` that the database has not seen yet."""
    async with TortoiseContext():
        await migrate(config=tortoise_config(database_url))


def main() -> None:
    config = Config.from_env()
    asyncio.run(apply_migrations(config.database_url))
    print(f"database is at the current schema ({_redacted(config.database_url)})")


def _redacted(database_url: str) -> str:
    """The URL without credentials, safe to print."""
    scheme, _, rest = database_url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


if __name__ == "__main__":
    main()
