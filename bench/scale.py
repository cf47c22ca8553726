"""Two workers against one, on one deployment each (PostgreSQL and Redis, as docs/deploy.md sets
it up): a ramp of real-time streams split evenly over the workers until notes arrive late, and a
ramp of members of one room, spread over the workers, receiving its live generation. Every step
is kept with the load average; `--repeats` gives medians. `python -m bench.scale --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncpg

from bench import rooms_fanout
from bench.live import BenchServer, bench_server, listener_cookies, melody_checkpoint, run_level
from bench.machine import commit, conditions
from bench.model_cost import numpy_costs
from bench.ramp import members_passed, ramp, streams_passed
from server.config import REPO_ROOT

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
REALTIME = {"tempo": 120, "genre": "jazz"}
SPREAD_SECONDS = 5.0
STREAM_LEVELS = ",".join(str(n) for n in range(100, 2001, 100))
MEMBER_LEVELS = "50,100,150,200,255"  # a room holds 256 people: the host and 255 members
# Batches at which the model's own ceiling (notes a second on one core, nothing else running)
# is measured beside the ramps, so that a level's notes a second can be read against it.
CEILING_BATCHES = (256, 1024)


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


def split_level(servers: list[BenchServer], streams: int, bars: int, seeded: bool = False) -> dict:
    """One level with its listeners split over the workers; accounts made once, shared. Each
    account starts at most MAX_STREAMS_PER_USER streams over all the workers (its count is
    shared through Redis): each worker gets its own share of the level's cookies."""
    cookies = listener_cookies(servers[0], streams)  # signs the accounts up through the first
    for server in servers[1:]:
        server.cookies = servers[0].cookies
    params = REALTIME | {"bars": bars}

    def run_share(worker: int) -> dict:
        share = cookies[worker :: len(servers)]
        return run_level(servers[worker], len(share), params, SPREAD_SECONDS, share, seeded)

    with ThreadPoolExecutor(len(servers)) as pool:
        parts = list(pool.map(run_share, range(len(servers))))
    keys = ("streams", "connected", "completed", "failed", "notes", "late_notes")
    total = {key: sum(part[key] for part in parts) for key in keys}
    per_worker = [
        {
            "cpu_percent": p.get("server_cpu_percent"),
            "rss_mb": p.get("server_rss_mb"),
            "core_per_stream": p.get("server_core_per_stream"),
            "cpu_ms_per_stream": p.get("server_cpu_ms_per_stream"),
            "helpers_cpu_percent": p.get("server_helpers_cpu_percent"),
            "with_helpers_cpu_ms_per_stream": p.get("server_and_helpers_cpu_ms_per_stream"),
        }
        for p in parts
    ]
    slack = [p["least_slack_ms"]["min"] for p in parts if p["least_slack_ms"]["min"] is not None]
    worst = {"least_slack_min_ms": min(slack, default=None)}
    for share in ("p50", "p99"):
        worst[f"first_note_{share}_ms"] = max(p["first_note_ms"][share] or 0 for p in parts)
    return total | worst | {"workers": len(servers), "per_worker": per_worker, "parts": parts}


def room_level(servers: list[BenchServer], members: int) -> dict:
    """One room whose members join the workers in turn; the host is on the first worker."""
    before = [(s.process.cpu_times(), time.monotonic()) for s in servers]
    level = rooms_fanout.run(servers[0], members, [server.url for server in servers])
    per_worker = [
        {"cpu_percent": cpu_percent(server, *start), "rss_mb": rss_mb(server)}
        for server, start in zip(servers, before, strict=True)
    ]
    return level | {"workers": len(servers), "per_worker": per_worker}


def cpu_percent(server: BenchServer, times, since: float) -> float:
    """The server's CPU since `times` was read at monotonic `since` (% of one core)."""
    now = server.process.cpu_times()
    used = now.user + now.system - times.user - times.system
    return round(100 * used / (time.monotonic() - since), 1)


def rss_mb(server: BenchServer) -> float:
    return round(server.process.memory_info().rss / 2**20, 1)


def measure(workers: int, model_dir: Path, args: argparse.Namespace) -> dict:
    """Both ramps against one deployment of `workers` workers."""
    run: dict = {"workers": workers}
    with deployment(workers, model_dir) as servers:
        if args.levels:

            def streams_level(streams: int) -> dict:
                return split_level(servers, streams, args.bars, args.seeded)

            run["streams"], run["max_streams"] = ramp(
                streams_level, numbers(args.levels), streams_passed
            )
        if args.members:
            rooms, run["max_members"] = ramp(
                lambda members: room_level(servers, members), numbers(args.members), members_passed
            )
            run["rooms"] = rooms
    return run


def summarize(runs: list[dict]) -> dict:
    """Per worker count: the median over repeats of the largest level held, and 2 against 1."""
    figures: dict = {}
    for key in ("max_streams", "max_members"):
        by_workers: dict[str, list[int]] = {}  # keyed as in the JSON: "1", "2"
        for run in runs:
            if key in run:
                by_workers.setdefault(str(run["workers"]), []).append(run[key])
        if not by_workers:
            continue  # that ramp was not run
        medians = {w: statistics.median(values) for w, values in sorted(by_workers.items())}
        figures[key] = {"runs": by_workers, "median": medians}
        if medians.get("1") and "2" in medians:
            figures[key]["ratio_2_to_1"] = round(medians["2"] / medians["1"], 2)
    return figures


def numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--levels", default=STREAM_LEVELS, help="streams per step, all workers")
    parser.add_argument("--bars", type=int, default=8, help="bars per stream at 120 bpm")
    parser.add_argument("--members", default=MEMBER_LEVELS, help="room members per step")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--repeats", type=int, default=1, help="ramps per worker count")
    parser.add_argument(
        "--seeded", action="store_true", help="number the streams' seeds (the same notes each run)"
    )
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    results: dict = {"started": started, "commit": commit(), "params": REALTIME, "runs": []}
    results["seeded"] = args.seeded
    results["conditions"] = conditions()
    with tempfile.TemporaryDirectory() as scratch:
        network, model_dir = melody_checkpoint(Path(scratch))
        results["model_ceiling"] = numpy_costs(network, CEILING_BATCHES)["batches"]
        for _ in range(args.repeats):
            for workers in numbers(args.workers):
                results["runs"].append(measure(workers, model_dir, args))
    results["summary"] = summarize(results["runs"])
    results["conditions_after"] = conditions()
    out = REPO_ROOT / "bench" / "results" / f"scale-{started.replace(':', '')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results["summary"] | {"model_ceiling": results["model_ceiling"]}, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
