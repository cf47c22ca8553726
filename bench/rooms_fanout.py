"""Room fan-out (`python -m bench.rooms_fanout`): one room, a host and 200 python-socketio
members in member processes beside the server; the host starts a paced live generation and
every member times every `generate:notes` frame.

- delivery delay: a member's receipt of a frame minus the first receipt of that frame by anyone
  (the broadcast's own spread; every process shares the machine's clock), p50/p99/max;
- slack: how long before it sounds (by the room's `room:state` clock) each note arrived;
- behind: members that missed a note, got one out of order, were disconnected or timed out.
Target: p99 delay <= 100 ms and nobody behind. `python -m bench.rooms_fanout --worker` is one
member process, driven over stdin/stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import socketio

from bench.live import (
    BenchServer,
    bench_server,
    listener_cookies,
    melody_checkpoint,
    percentile,
    spawn_worker,
)
from server.security.csrf import CSRF_HEADER
from server.services.generation import MAX_STREAMS_PER_USER

MEMBERS = 200
MEMBER_PROCESSES = 8
PIECE = {"genre": "pop", "key": "C", "mode": "major", "tempo": 120, "bars": 8, "seed": 7}
CONNECTS_AT_ONCE = 16


class Member:
    """One connection in the room, timing the live piece's frames (ms of the system clock)."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.frames: list[list[float]] = []  # [first index, notes, received ms]
        self.least_slack_ms = float("inf")
        self.late = 0  # notes that arrived after they sounded
        self.next_index, self.in_order, self.problem = 0, True, ""
        self.state: dict = {}
        self.done = asyncio.Event()
        self.sio.on("room:state", self.on_state)
        self.sio.on("generate:notes", self.on_notes)
        self.sio.on("generate:done", lambda _: self.done.set())
        self.sio.on("disconnect", self.on_disconnect)

    def on_state(self, state: dict) -> None:
        self.state = state

    def on_notes(self, frame: dict) -> None:
        now = time.time() * 1000
        notes = frame["notes"]
        self.frames.append([notes[0]["index"], len(notes), now])
        for note in notes:
            self.in_order &= note["index"] == self.next_index
            self.next_index = note["index"] + 1
            if self.state.get("anchor_ms") is None:
                self.in_order = False  # notes before the clock that places them
                continue
            due = self.state["anchor_ms"] + note["start"] * 60_000 / self.state["tempo"]
            self.least_slack_ms = min(self.least_slack_ms, due - now)
            self.late += due < now

    def on_disconnect(self, reason: object = None) -> None:
        self.problem = self.problem or f"disconnected: {reason}"
        self.done.set()

    async def join(self, url: str, cookie: str, token: str) -> None:
        await join_room(self.sio, url, cookie, token)

    def report(self) -> dict:
        return {
            "frames": self.frames,
            "notes": self.next_index,
            "in_order": self.in_order,
            "least_slack_ms": self.least_slack_ms,
            "late": self.late,
            "problem": self.problem,
        }


async def join_room(sio: socketio.AsyncClient, url: str, cookie: str, token: str) -> dict:
    """Connect `sio` with the login in `cookie` and join the room; the join's acknowledgement."""
    headers = {"Cookie": cookie}
    await sio.connect(url, headers=headers, transports=["websocket"], wait_timeout=30)
    ack = await sio.call("room:join", {"token": token}, timeout=60)
    if not ack["ok"]:
        raise RuntimeError(ack["error"])
    return dict(ack)


async def member_process(job: dict) -> None:
    """Join every member of the job, say so, wait for the piece to end, print what each saw."""
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    members = [Member() for _ in job["cookies"]]

    async def join(member: Member, cookie: str) -> None:
        async with gate:
            await member.join(job["url"], cookie, job["token"])

    await asyncio.gather(*map(join, members, job["cookies"]))
    print(json.dumps({"ready": len(members)}), flush=True)
    waits = [asyncio.ensure_future(member.done.wait()) for member in members]
    await asyncio.wait(waits, timeout=job["timeout"])
    for member in members:
        if not member.done.is_set():
            member.problem = member.problem or "timeout"
    print(json.dumps([member.report() for member in members]), flush=True)
    await asyncio.gather(*(member.sio.disconnect() for member in members))


async def open_room(server: BenchServer, cookie: str) -> dict:
    csrf = dict(part.split("=", 1) for part in cookie.split("; "))["csrf_token"]
    headers = {"Cookie": cookie, CSRF_HEADER: csrf}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{server.url}/api/rooms", json={"name": "Fan-out"}) as response:
            response.raise_for_status()
            return await response.json()


def run(server: BenchServer, members: int = MEMBERS, urls: list[str] | None = None) -> dict:
    """The fan-out benchmark against a running bench server; members connect to `urls` in turn
    (workers of one deployment), or all to the host's server."""
    # One account per member (and one for the host): listener_cookies shares each account
    # among MAX_STREAMS_PER_USER cookies, so its first `members + 1` cookies are all different.
    cookies = listener_cookies(server, (members + 1) * MAX_STREAMS_PER_USER)[: members + 1]
    return asyncio.run(fan_out(server, cookies[0], cookies[1:], urls or [server.url]))


async def fan_out(
    server: BenchServer, host_cookie: str, cookies: list[str], urls: list[str]
) -> dict:
    room = await open_room(server, host_cookie)
    token = room["invite_path"].rsplit("/", 1)[1]
    host = Member()
    await host.join(server.url, host_cookie, token)  # the first one in hosts
    seconds = PIECE["bars"] * 4 * 60 / PIECE["tempo"]
    job = {"token": token, "timeout": seconds + 90}
    parts = [cookies[part::MEMBER_PROCESSES] for part in range(MEMBER_PROCESSES)]
    jobs = [job | {"cookies": part, "url": urls[n % len(urls)]} for n, part in enumerate(parts)]
    workers = [
        spawn_worker(["bench.rooms_fanout", "--worker"], job) for job in jobs if job["cookies"]
    ]
    joined = sum([json.loads(await read_line(worker))["ready"] for worker in workers])
    server.process.cpu_percent()  # starts the CPU measurement window
    ack = await host.sio.call("room:generate", PIECE, timeout=60)
    if not ack["ok"]:
        raise RuntimeError(f"room:generate refused: {ack['error']}")
    await asyncio.wait_for(host.done.wait(), seconds + 60)
    reports = [report for worker in workers for report in json.loads(await read_line(worker))]
    cpu = server.process.cpu_percent()
    await host.sio.disconnect()
    for worker in workers:
        worker.wait(timeout=60)
    return summarize(len(cookies), joined, reports) | {"server_cpu_percent": cpu}


async def read_line(worker: subprocess.Popen) -> str:
    return await asyncio.to_thread(worker.stdout.readline)


def summarize(members: int, joined: int, reports: list[dict]) -> dict:
    first_seen: dict[int, float] = {}
    for report in reports:
        for index, _, received in report["frames"]:
            first_seen[index] = min(first_seen.get(index, received), received)
    delays = [received - first_seen[index] for r in reports for index, _, received in r["frames"]]
    notes = max((report["notes"] for report in reports), default=0)
    behind = [r for r in reports if r["problem"] or not r["in_order"] or r["notes"] < notes]
    slack = [r["least_slack_ms"] for r in reports if r["frames"]]
    return {
        "members": members,
        "joined": joined,
        "notes": notes,
        "frames": len(first_seen),
        "delivery_delay_ms": {
            "p50": percentile(delays, 0.5),
            "p99": percentile(delays, 0.99),
            "max": percentile(delays, 1.0),
        },
        "least_slack_ms": percentile(slack, 0.0),
        "late_notes": sum(report["late"] for report in reports),
        "members_behind": len(behind),
        "problems": sorted({r["problem"] for r in behind if r["problem"]})[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rooms_fanout", description=__doc__)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--worker", action="store_true", help="be one member process")
    args = parser.parse_args()
    if args.worker:
        asyncio.run(member_process(json.loads(sys.stdin.readline())))
        return
    run_alone(run, args.members)


def run_alone(benchmark: Callable[[BenchServer, int], dict], members: int) -> None:
    """A room benchmark on a bench server of its own; prints the figures and the machine's load."""
    with (
        tempfile.TemporaryDirectory() as scratch,
        bench_server(melody_checkpoint(Path(scratch))[1]) as server,
    ):
        results = benchmark(server, members)
    load = {"load_average_1min": round(os.getloadavg()[0], 2), "cores": os.cpu_count()}
    print(json.dumps(results | load, indent=2))


if __name__ == "__main__":
    main()
