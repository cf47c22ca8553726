"""The soak: `python -m bench.soak --minutes 10`. Two workers on PostgreSQL and Redis (as
`bench.scale` deploys them) and a few hundred Socket.IO clients (`bench.soak_clients`) that join
rooms, listen to live generation, chat, start and stop studio streams, and leave and come back,
for the whole run. Counts every error (expected: none) and samples each worker's resident memory
every few seconds; after warm-up it should stay flat within 10%. Writes the samples as JSON to
bench/results/ and plots them to docs/images/soak-memory.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from matplotlib.figure import Figure

from bench.live import BenchServer, listener_cookies, melody_checkpoint, spawn_worker
from bench.machine import commit, conditions, load_average
from bench.rooms_fanout import open_room
from bench.scale import deployment
from server.config import REPO_ROOT
from server.services.generation import MAX_STREAMS_PER_USER

CLIENTS, ROOMS, CLIENT_PROCESSES = 300, 6, 6
SAMPLE_SECONDS = 5.0
WARM_UP_FRACTION, WARM_UP_MAX_SECONDS = 0.2, 120.0  # memory before this is not judged
RAMP_SECONDS = 20.0  # clients connect over this long at the start
PLOT = REPO_ROOT / "docs" / "images" / "soak-memory.png"


def accounts(server: BenchServer, count: int) -> list[str]:
    """`count` cookies of different accounts (listener_cookies shares each account)."""
    return listener_cookies(server, count * MAX_STREAMS_PER_USER)[:count]


def jobs(servers: list[BenchServer], clients: int, rooms: int, seconds: float) -> list[dict]:
    """The client processes' jobs: room hosts first, then listeners, dealt out in turn."""
    cookies = accounts(servers[0], rooms + clients)
    hosts = cookies[:rooms]
    tokens = [
        asyncio.run(open_room(servers[0], cookie))["invite_path"].rsplit("/", 1)[1]
        for cookie in hosts
    ]
    specs = [{"cookie": c, "host_of": t} for c, t in zip(hosts, tokens, strict=True)]
    specs += [{"cookie": cookie} for cookie in cookies[rooms:]]
    base = {
        "urls": [s.url for s in servers],
        "tokens": tokens,
        "seconds": seconds,
        "ramp_seconds": RAMP_SECONDS,
    }
    return [
        base | {"clients": specs[n::CLIENT_PROCESSES], "first": n * len(specs)}
        for n in range(CLIENT_PROCESSES)
    ]


def sample(servers: list[BenchServer], started: float) -> dict:
    """Each worker's resident memory (MB) and CPU seconds so far, and the load average."""
    return {
        "seconds": round(time.monotonic() - started, 1),
        "rss_mb": [round(s.process.memory_info().rss / 2**20, 1) for s in servers],
        "cpu_seconds": [round(sum(s.process.cpu_times()[:2]), 1) for s in servers],
        "load_average": load_average(),
    }


def soak(servers: list[BenchServer], clients: int, rooms: int, seconds: float) -> dict:
    """Run the clients for `seconds`, sampling the workers until every client process ends."""
    processes = [
        spawn_worker(["bench.soak_clients"], job, more_input=False)
        for job in jobs(servers, clients, rooms, seconds)
    ]
    started, samples = time.monotonic(), []
    while any(p.poll() is None for p in processes):
        samples.append(sample(servers, started))
        time.sleep(SAMPLE_SECONDS)
        if time.monotonic() - started > seconds + 180:
            break  # a client process that hangs is reported, not waited for
    for process in processes:
        if process.poll() is None:
            process.kill()
    tallies = [json.loads(p.stdout.read() or "null") for p in processes]
    samples.append(sample(servers, started))
    log_errors = [len(s.log_lines("Traceback")) + len(s.log_lines("ERROR")) for s in servers]
    return totals(tallies) | {
        "samples": samples,
        "server_log_errors": log_errors,
        "server_log_lines": [problems(s) for s in servers],
    }


def problems(server: BenchServer) -> list[str]:
    """The worker's log lines that name an error, kept: the log goes with its temporary folder."""
    words = ("Traceback", "ERROR", "Error", "failed")
    return [
        line for line in server.log.read_text().splitlines() if any(map(line.__contains__, words))
    ][:40]


def totals(tallies: list[dict | None]) -> dict:
    events, errors, examples, notes = Counter(), Counter(), [], 0
    for tally in tallies:
        if tally is None:
            errors["client process lost"] += 1
            continue
        events.update(tally["events"])
        errors.update(tally["errors"])
        examples += tally["examples"]
        notes += tally["notes"]
    return {
        "events_processed": sum(events.values()),
        "events": dict(events.most_common()),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "error_examples": examples[:20],
        "notes_received": notes,
    }


def memory(samples: list[dict], seconds: float) -> dict:
    """Per worker: RSS at the end of warm-up and at the end, and max / min after warm-up."""
    warm_up = min(WARM_UP_MAX_SECONDS, WARM_UP_FRACTION * seconds)
    after = [s for s in samples if s["seconds"] >= warm_up]
    workers = []
    for n in range(len(samples[0]["rss_mb"])):
        rss = [s["rss_mb"][n] for s in after]
        workers.append(
            {
                "after_warm_up_mb": rss[0],
                "end_mb": rss[-1],
                "max_mb": max(rss),
                "min_mb": min(rss),
                "max_over_min": round(max(rss) / min(rss), 3),
            }
        )
    flat = all(w["max_over_min"] <= 1.10 for w in workers)
    return {"warm_up_seconds": warm_up, "workers": workers, "flat_within_10_percent": flat}


def plot(samples: list[dict], warm_up: float, path: Path) -> None:
    figure = Figure(figsize=(8, 4))  # no pyplot: no display, nothing global
    axes = figure.subplots()
    minutes = [s["seconds"] / 60 for s in samples]
    for n in range(len(samples[0]["rss_mb"])):
        axes.plot(minutes, [s["rss_mb"][n] for s in samples], label=f"worker {n + 1}")
    axes.axvspan(0, warm_up / 60, color="0.9", label="warm-up")
    axes.set(
        xlabel="minutes",
        ylabel="resident memory (MB)",
        ylim=(0, None),
        title="Soak: two workers, resident memory",
    )
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=CLIENTS, help="besides the room hosts")
    parser.add_argument("--rooms", type=int, default=ROOMS)
    parser.add_argument("--plot", type=Path, default=PLOT)
    args = parser.parse_args()
    seconds = args.minutes * 60
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commit": commit()}
    results |= {"conditions": conditions(), "params": vars(args) | {"plot": str(args.plot)}}
    with tempfile.TemporaryDirectory() as scratch:
        with deployment(2, melody_checkpoint(Path(scratch))[1]) as servers:
            results |= soak(servers, args.clients, args.rooms, seconds)
    results["memory"] = memory(results["samples"], seconds)
    results["conditions_after"] = conditions()
    plot(results["samples"], results["memory"]["warm_up_seconds"], args.plot)
    out = REPO_ROOT / "bench" / "results" / f"soak-{results['started'].replace(':', '')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps({k: v for k, v in results.items() if k != "samples"}, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
