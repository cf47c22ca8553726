"""Two Hypercorn worker processes on two ports sharing one PostgreSQL database and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

from server.migrate import apply_migrations
from tests.conftest import LiveServer, serving
from tests.generation.random_checkpoint import write_lively_checkpoint


@contextlib.contextmanager
def workers(
    tmp_path: Path, database_url: str, redis_url: str, channel: str, count: int = 2, **env: str
) -> Iterator[list[LiveServer]]:
    """`count` servers of one deployment: same secret key, database, Redis and channel; live
    generation from a small random model, written flat out; sign-up limits off."""
    asyncio.run(apply_migrations(database_url))
    checkpoint = write_lively_checkpoint(tmp_path / "melody")
    shared = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_CHANNEL": channel,
        "CADENZA_MODEL_DIR": str(checkpoint),
        "CADENZA_STREAM_PACING": "off",
        "RATE_LIMITS": "off",
    }
    with contextlib.ExitStack() as stack:
        servers = []
        for number in range(count):
            instance = tmp_path / f"worker-{number}"
            instance.mkdir()
            servers.append(stack.enter_context(serving(instance, **(shared | env))))
        yield servers
