"""One process of benchmark listeners: `python -m bench.listeners` (driven by `bench.live`).

Reads a job as one JSON line on stdin, connects one python-socketio client per cookie, prints
`{"ready": ...}`, waits for a `go <epoch seconds>` line, then each client starts one stream at
its own delay after that moment and records when every note arrives. A note is late when it
arrives after it is due: the stream's playhead starts (beat 0) when its first notes arrive, and
a note at `start` beats is due `start * 60 / tempo` seconds later. Prints one JSON line of
results when all streams are done: a record per stream and the CPU seconds it used.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import socketio

CONNECTS_AT_ONCE = 32  # parallel handshakes per process


@dataclass
class StreamRecord:
    """What one listener saw of its stream; times in milliseconds."""

    first_note_ms: float | None = None  # from emitting generate:start to the first notes
    notes: int = 0
    late: int = 0
    least_slack_ms: float = float("inf")  # due time minus arrival, least over notes (< 0: late)
    longest_gap_ms: float = 0.0  # between two frames of the stream
    error: str | None = None
    done: bool = False
    emitted_at: float = field(default=0.0, repr=False)  # monotonic seconds
    first_at: float | None = field(default=None, repr=False)
    last_at: float = field(default=0.0, repr=False)


class Listener:
    """One connection that starts one stream and times its notes."""

    def __init__(self, tempo: float) -> None:
        self.tempo = tempo
        self.record = StreamRecord()
        self.finished = asyncio.Event()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("generate:notes", self.on_notes)
        self.sio.on("generate:done", self.on_done)
        self.sio.on("generate:error", self.on_error)
        self.sio.on("disconnect", self.on_disconnect)

    async def on_notes(self, frame: dict) -> None:
        now = time.monotonic()
        record = self.record
        record.notes += len(frame["notes"])
        record.longest_gap_ms = max(record.longest_gap_ms, (now - (record.last_at or now)) * 1e3)
        record.last_at = now
        if record.first_at is None:  # the playhead starts now: these notes are on time
            record.first_at = now
            record.first_note_ms = (now - record.emitted_at) * 1e3
            return
        for note in frame["notes"]:
            slack = record.first_at + note["start"] * 60.0 / self.tempo - now
            record.least_slack_ms = min(record.least_slack_ms, slack * 1e3)
            record.late += slack < 0

    async def on_done(self, event: dict) -> None:
        self.record.done = True
        self.finished.set()

    async def on_error(self, event: dict) -> None:
        self.record.error = event["error"]["code"]
        self.finished.set()

    async def on_disconnect(self, reason: Any = None) -> None:
        if not self.finished.is_set():
            self.record.error = self.record.error or f"disconnected: {reason}"
            self.finished.set()

    async def start(self, params: dict, at: float) -> None:
        await asyncio.sleep(max(at - time.time(), 0.0))
        self.record.emitted_at = time.monotonic()
        ack = await self.sio.call("generate:start", params, timeout=60)
        if not ack["ok"]:
            self.record.error = ack["error"]["code"]
            self.finished.set()


async def connect_all(url: str, cookies: list[str], tempo: float) -> list[Listener]:
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def connect(cookie: str) -> Listener | None:
        listener = Listener(tempo)
        async with gate:
            try:
                await listener.sio.connect(
                    url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=30
                )
            except socketio.exceptions.ConnectionError:
                return None
        return listener

    return [item for item in await asyncio.gather(*map(connect, cookies)) if item is not None]


async def run(job: dict) -> None:
    params = job["params"]
    listeners = await connect_all(job["url"], job["cookies"], params["tempo"])
    print(json.dumps({"ready": len(listeners)}), flush=True)
    go = float((await asyncio.to_thread(sys.stdin.readline)).split()[1])
    cpu_before = time.process_time()
    starts = [
        listener.start(params | ({"seed": seed} if job["seeded"] else {}), go + delay)
        for seed, (listener, delay) in enumerate(zip(listeners, job["delays"], strict=False))
    ]
    await asyncio.gather(*starts)
    waits = [asyncio.ensure_future(listener.finished.wait()) for listener in listeners]
    await asyncio.wait(waits, timeout=job["timeout"])
    for listener in listeners:
        if not listener.finished.is_set():
            listener.record.error = "timeout"
    records = [asdict(listener.record) for listener in listeners]
    records = [{k: v for k, v in r.items() if not k.endswith("_at")} for r in records]
    cpu_seconds = time.process_time() - cpu_before
    print(json.dumps({"records": records, "cpu_seconds": cpu_seconds, "since": go}))
    await asyncio.gather(*(listener.sio.disconnect() for listener in listeners))


if __name__ == "__main__":
    asyncio.run(run(json.loads(sys.stdin.readline())))
