"""The live benchmarks over real sockets: a bench server in its own process, listener accounts,
and listener processes (`bench.listeners`) beside it. Measures readiness after launch, time to
first note at the client, and the largest number of concurrent real-time streams with no late
note, ramping the number of streams until a level has a late note or a failed stream.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil

from server.config import REPO_ROOT
from server.generation.lstm import CheckpointError, LstmNetwork
from server.generation.vocabulary import default_vocabulary
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER
from server.services.generation import MAX_STREAMS_PER_USER
from tests.conftest import free_port, wait_until_healthy

SHIPPED_MODEL = REPO_ROOT / "checkpoints" / "melody"
LISTENER_PROCESSES = 4
START_SPREAD_SECONDS = 5.0  # listeners press Generate at random moments over this window
SIGNUPS_AT_ONCE = 8


@dataclass
class BenchServer:
    url: str
    process: psutil.Process
    ready_seconds: float  # from launch to the first healthy answer
    log: Path
    cookies: list[str]

    def log_lines(self, containing: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if containing in line]


@contextmanager
def bench_server(model_dir: Path) -> Iterator[BenchServer]:
    """`bench.server` on a free port over a fresh database in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="cadenza-bench-") as instance:
        port = free_port()
        env = os.environ | {"CADENZA_MODEL_DIR": str(model_dir), "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "bench.server", "--port", str(port)]
        log_path = Path(instance) / "server.log"
        log = log_path.open("wb")
        launched = time.monotonic()
        process = subprocess.Popen(
            [*command, "--instance", instance], cwd=REPO_ROOT, env=env, stdout=log, stderr=log
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process, timeout=60.0)
            ready = time.monotonic() - launched
            yield BenchServer(url, psutil.Process(process.pid), ready, log_path, [])
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


async def _signup(http: aiohttp.ClientSession, url: str, number: int) -> str:
    async with http.get(f"{url}/healthz") as response:
        token = response.cookies[CSRF_COOKIE].value
    form = {"email": f"listener{number}@bench.example", "password": "bench password 1"}
    form["display_name"] = f"Listener {number}"
    headers = {CSRF_HEADER: token, "Cookie": f"{CSRF_COOKIE}={token}"}
    async with http.post(f"{url}/api/auth/signup", data=form, headers=headers) as response:
        response.raise_for_status()
        cookies = {name: morsel.value for name, morsel in response.cookies.items()}
    return "; ".join(f"{name}={value}" for name, value in ({CSRF_COOKIE: token} | cookies).items())


async def _signups(url: str, first: int, count: int) -> list[str]:
    gate = asyncio.Semaphore(SIGNUPS_AT_ONCE)
    jar = aiohttp.DummyCookieJar()  # every request carries its own account's cookies

    async with aiohttp.ClientSession(cookie_jar=jar) as http:

        async def one(number: int) -> str:
            async with gate:
                return await _signup(http, url, number)

        return await asyncio.gather(*map(one, range(first, first + count)))


def listener_cookies(server: BenchServer, streams: int) -> list[str]:
    """A cookie per stream, each account used for at most MAX_STREAMS_PER_USER streams."""
    accounts = math.ceil(streams / MAX_STREAMS_PER_USER)
    missing = accounts - len(server.cookies)
    if missing > 0:
        server.cookies += asyncio.run(_signups(server.url, len(server.cookies), missing))
    return [server.cookies[i % accounts] for i in range(streams)]


def melody_checkpoint(scratch: Path) -> tuple[LstmNetwork, Path]:
    """The shipped melody checkpoint, or random weights of the default size saved in `scratch`
    when none is shipped yet: the network and its folder."""
    try:
        return LstmNetwork.load(SHIPPED_MODEL), SHIPPED_MODEL
    except CheckpointError:
        network = LstmNetwork.random(default_vocabulary())
        network.save(scratch / "melody")
        return network, scratch / "melody"


def run_level(
    server: BenchServer,
    streams: int,
    params: dict,
    spread: float,
    cookies: list[str] | None = None,
    seeded: bool = False,
) -> dict:
    """`streams` listeners in LISTENER_PROCESSES processes, starting over `spread` seconds, one
    cookie each (`cookies`, else `listener_cookies`). The streams give no seed, as the studio
    sends none unless one is typed; `seeded` numbers them, so two runs write the same notes."""
    cookies = cookies or listener_cookies(server, streams)
    seconds = params["bars"] * 4 * 60.0 / params["tempo"]
    delays = [spread * i / streams for i in range(streams)]
    workers = []
    for part in range(LISTENER_PROCESSES):
        job = {
            "url": server.url,
            "cookies": cookies[part::LISTENER_PROCESSES],
            "delays": delays[part::LISTENER_PROCESSES],
            "params": params,
            "seeded": seeded,
            "timeout": spread + seconds + 60,
        }
        workers.append(spawn_worker(["bench.listeners"], job))
    connected = sum(json.loads(worker.stdout.readline())["ready"] for worker in workers)
    server.process.cpu_percent()  # starts the CPU measurement window
    cpu_before = server.process.cpu_times()
    helpers_before = helper_cpu_seconds(server.process)
    go = time.time() + 1.0
    for worker in workers:
        worker.stdin.write(f"go {go}\n")
        worker.stdin.flush()
    results = [_results(worker) for worker in workers]
    cpu = server.process.cpu_percent()
    cpu_after = server.process.cpu_times()
    cpu_seconds = sum(cpu_after[:2]) - sum(cpu_before[:2])  # user + system
    helpers = helper_cpu_seconds(server.process)
    helper_seconds = sum(helpers[pid] - helpers_before.get(pid, 0.0) for pid in helpers)
    records = [record for result in results for record in result.get("records", [])]
    summary = summarize(streams, connected, records, cpu, server.process.memory_info().rss)
    summary |= cost_per_stream(cpu, cpu_seconds, streams)
    # The worker's own processes (the network's steps): a share of a core beside the worker's,
    # and what a stream costs both together.
    summary["server_helpers_cpu_percent"] = round(100 * helper_seconds / (time.time() - go), 1)
    summary["server_and_helpers_cpu_ms_per_stream"] = round(
        1000 * (cpu_seconds + helper_seconds) / max(streams, 1), 2
    )
    listener_cpu = sum(result.get("cpu_seconds", 0.0) for result in results)
    return summary | {
        # CPU of all listener processes, % of one core, over the level's wall time.
        "listeners_cpu_percent": round(100 * listener_cpu / (time.time() - go), 1),
        "late_top_ups_logged": len(server.log_lines("topped up")),
    }


def helper_cpu_seconds(server: psutil.Process) -> dict[int, float]:
    """User + system CPU seconds of each process the server started, by pid."""
    seconds = {}
    for child in server.children(recursive=True):
        try:
            seconds[child.pid] = sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return seconds


def cost_per_stream(cpu_percent: float, cpu_seconds: float, streams: int) -> dict:
    """What one stream costs the server: the fraction of a core it holds while the level runs,
    and the CPU time it takes in all (ms), which a busy machine stretches less than wall time."""
    return {
        "server_core_per_stream": round(cpu_percent / 100 / max(streams, 1), 5),
        "server_cpu_ms_per_stream": round(1000 * cpu_seconds / max(streams, 1), 2),
    }


def spawn_worker(module: list[str], job: dict, *, more_input: bool = True) -> subprocess.Popen:
    """A client process (`python -m` and `module`, its module and arguments) given `job` as a
    line of JSON on its stdin, which stays open when the caller has `more_input` to send."""
    worker = subprocess.Popen(
        [sys.executable, "-m", *module],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker.stdin.write(json.dumps(job) + "\n")
    if more_input:
        worker.stdin.flush()
    else:
        worker.stdin.close()
    return worker


def _results(worker: subprocess.Popen) -> dict:
    line = worker.stdout.readline()
    worker.wait(timeout=60)
    return json.loads(line) if line else {}


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)


def summarize(streams: int, connected: int, records: list[dict], cpu: float, rss: int) -> dict:
    first_notes = [r["first_note_ms"] for r in records if r["first_note_ms"] is not None]
    slack = [r["least_slack_ms"] for r in records if r["least_slack_ms"] != math.inf]
    failed = [r["error"] for r in records if r["error"] or not r["done"]]
    return {
        "streams": streams,
        "connected": connected,
        "completed": sum(r["done"] for r in records),
        "failed": len(failed) + streams - len(records),
        "failures": sorted(set(map(str, failed)))[:5],
        "notes": sum(r["notes"] for r in records),
        "late_notes": sum(r["late"] for r in records),
        "first_note_ms": {
            "p50": percentile(first_notes, 0.5),
            "p99": percentile(first_notes, 0.99),
            "max": percentile(first_notes, 1.0),
        },
        # How early each stream's tightest note arrived, over streams (ms; < 0: late).
        "least_slack_ms": {
            "median": round(statistics.median(slack), 2) if slack else None,
            "min": percentile(slack, 0.0),
        },
        "longest_frame_gap_ms": percentile([r["longest_gap_ms"] for r in records], 1.0),
        "server_cpu_percent": round(cpu, 1),  # of one core, averaged over the level
        "server_rss_mb": round(rss / 2**20, 1),
    }
