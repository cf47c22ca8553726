"""Live streams held by one worker against two: each level's listeners split evenly over the
workers of one deployment (PostgreSQL and Redis, as docs/deploy.md sets up), with late notes,
CPU and memory per worker. Run alone: `python -m bench.scale --levels 100,200,400`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncpg

from bench.live import BenchServer, bench_server, listener_cookies, run_level
from bench.rooms_fanout import model_folder
from server.config import REPO_ROOT

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
REALTIME = {"tempo": 120, "bars": 4, "genre": "jazz"}  # 8 s of music per stream
SPREAD_SECONDS = 5.0


@contextmanager
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for one deployment, dropped afterwards."""
    name = f"cadenza_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def deployment(workers: int, model_dir: Path) -> Iterator[list[BenchServer]]:
    """`workers` bench servers sharing a new database, Redis and one secret key; started one
    after the other, so that only the first migrates the schema."""
    with database() as url, ExitStack() as stack:
        shared = {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": secrets.token_urlsafe(48),
        }
        shared["REDIS_CHANNEL"] = f"cadenza-bench-{secrets.token_hex(4)}"
        saved = {name: os.environ.get(name) for name in shared}
        os.environ.update(shared)  # bench_server hands its environment to the server
        try:
            yield [stack.enter_context(bench_server(model_dir)) for _ in range(workers)]
        finally:
            for name, value in saved.items():
                os.environ.pop(name) if value is None else os.environ.update({name: value})


def split_level(servers: list[BenchServer], streams: int) -> dict:
    """One level with its listeners split over the workers; accounts made once, shared."""
    listener_cookies(servers[0], streams)  # signs the accounts up through the first worker
    for server in servers[1:]:
        server.cookies = servers[0].cookies
    share = streams // len(servers)
    with ThreadPoolExecutor(len(servers)) as pool:
        parts = list(pool.map(lambda s: run_level(s, share, REALTIME, SPREAD_SECONDS), servers))
    keys = ("streams", "connected", "completed", "failed", "notes", "late_notes")
    total = {key: sum(part[key] for part in parts) for key in keys}
    per_worker = [
        {"cpu_percent": p.get("server_cpu_percent"), "rss_mb": p.get("server_rss_mb")}
        for p in parts
    ]
    return total | {"workers": len(servers), "per_worker": per_worker, "parts": parts}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--levels", default="100,200,400", help="streams per level, all workers")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    args = parser.parse_args()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "params": REALTIME, "runs": []}
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = model_folder(Path(scratch))
        for workers in map(int, args.workers.split(",")):
            with deployment(workers, model_dir) as servers:
                for streams in map(int, args.levels.split(",")):
                    level = split_level(servers, streams)
                    results["runs"].append(level)
                    print(json.dumps({k: v for k, v in level.items() if k != "parts"}), flush=True)
    out = REPO_ROOT / "bench" / "results" / f"scale-{time.strftime('%Y-%m-%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
