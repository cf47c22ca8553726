"""The studio server as the benchmark runs it: `python -m bench.server --port P --instance DIR`.

The real ASGI app (Socket.IO in front of Quart) under Hypercorn with `hypercorn.toml`, except
that sign-up rate limits are off and password hashing is cheap, so that hundreds of listener
accounts can be made in seconds; neither touches what is measured. The model folder comes from
CADENZA_MODEL_DIR as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
from pathlib import Path

from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from server.asgi import create_asgi_app
from server.config import REPO_ROOT, Config
from server.migrate import apply_migrations

ACCEPT_BACKLOG = 2048  # pending connections: a ramp opens hundreds of sockets at once


def bench_config(instance: Path) -> Config:
    config = Config.from_env(os.environ | {"INSTANCE_PATH": str(instance)})
    return dataclasses.replace(
        config,
        rate_limits_enabled=False,
        argon2_time_cost=1,
        argon2_memory_cost=8,  # KiB
        argon2_parallelism=1,
    )


def hypercorn_config(port: int) -> HypercornConfig:
    hypercorn = HypercornConfig.from_toml(REPO_ROOT / "hypercorn.toml")
    hypercorn.bind = [f"127.0.0.1:{port}"]
    hypercorn.accesslog = None  # a line per request would be measured too
    hypercorn.backlog = ACCEPT_BACKLOG
    return hypercorn


def main(port: int, instance: Path) -> None:
    config = bench_config(instance)
    asyncio.run(apply_migrations(config.database_url))
    asyncio.run(serve(create_asgi_app(config), hypercorn_config(port)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--instance", type=Path, required=True, help="folder for the database")
    args = parser.parse_args()
    main(args.port, args.instance)
