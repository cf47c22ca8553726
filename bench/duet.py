"""Call and response (`python -m bench.duet`): many studio sessions, each a real Socket.IO client
playing a one-bar phrase, listening to the model's answer to its end, and playing again, as a
person at a keyboard would. The figure is the time from sending a phrase (the moment the player
judges it over) to the answer's first note: inside the server (from the phrase's arrival to the
first note handed to the outbox, reported in `duet:answered`; target p50 <= 100 ms, p99 <= 250 ms
at 100 sessions) and at the client (loopback, frame coalescing and the client process included).
Also: whether each answer's first note arrived before it is due to sound.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Container

import socketio

from bench.live import BenchServer, listener_cookies, percentile
from bench.rooms_fanout import run_alone

DUET = {
    "genre": "pop",
    "key": "C",
    "mode": "major",
    "tempo": 120,
    "answer_bars": 2,
    "wait": "beat",
}
PHRASE = (60, 64, 67, 65, 64, 62, 60, 67)  # eighth notes: one bar of a person playing


class Session:
    """One studio playing call and response for `seconds`, its turns timed."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url, self.cookie = url, cookie
        self.sio = socketio.AsyncClient(reconnection=False)
        self.first_frame: dict[str, float] = {}  # stream id -> monotonic arrival of its first notes
        self.first_start: dict[str, float] = {}  # stream id -> its first note's start (beats)
        self.turns: list[dict] = []
        self.errors: list[str] = []
        # stream id -> its `duet:answered`: the answer is written to its end, and the server's
        # own time from the phrase's arrival to the first note handed to the outbox
        self.answered: dict[str, dict] = {}
        self.sio.on("generate:notes", self._frame)
        self.sio.on("duet:answered", self._answered)

    def _frame(self, frame: dict) -> None:
        if frame["notes"] and frame["stream_id"] not in self.first_frame:
            self.first_frame[frame["stream_id"]] = time.monotonic()
            self.first_start[frame["stream_id"]] = frame["notes"][0]["start"]

    def _answered(self, event: dict) -> None:
        self.answered[event["stream_id"]] = event

    async def run(self, delay: float, seconds: float) -> None:
        await self.sio.connect(
            self.url, headers={"Cookie": self.cookie}, transports=["websocket"], wait_timeout=10
        )
        try:
            await asyncio.sleep(delay)
            await self._play(seconds)
        finally:
            await self.sio.disconnect()

    async def _play(self, seconds: float) -> None:
        ack = await self.sio.call("duet:start", DUET, timeout=10)
        if not ack["ok"]:
            self.errors.append(ack["error"]["code"])
            return
        duet_id, beat_seconds = ack["duet_id"], 60.0 / DUET["tempo"]
        origin = time.monotonic()  # beat 0 of the duet's timeline
        at = lambda beats: origin + beats * beat_seconds  # noqa: E731
        phrase_start, stop_at = 0.0, origin + seconds
        while at(phrase_start + 5) < stop_at:
            notes = [
                {"pitch": pitch, "start": phrase_start + step / 2, "duration": 0.45}
                for step, pitch in enumerate(PHRASE)
            ]
            await asyncio.sleep(
                max(at(phrase_start + 5) - time.monotonic(), 0)
            )  # a beat of silence
            sent = time.monotonic()
            payload = {"duet_id": duet_id, "notes": notes}
            answer = await self.sio.call("duet:phrase", payload, timeout=10)
            if not answer["ok"]:
                self.errors.append(answer["error"]["code"])
                return
            stream_id = answer["stream_id"]
            await self._wait_for(stream_id, self.first_frame, 5.0)
            arrived = self.first_frame.get(stream_id)
            phrase_start = answer["answer_end"]  # listen to the answer, then play again
            await asyncio.sleep(max(at(phrase_start) - time.monotonic(), 0))
            await self._wait_for(stream_id, self.answered, 10.0)
            self.turns.append(
                {
                    "first_note_ms": None if arrived is None else (arrived - sent) * 1e3,
                    "server_ms": self.answered.get(stream_id, {}).get("first_note_ms"),
                    "slack_ms": None
                    if arrived is None
                    else (at(self.first_start[stream_id]) - arrived) * 1e3,
                }
            )
        await self.sio.call("duet:stop", {"duet_id": duet_id, "discard": True}, timeout=10)

    async def _wait_for(self, stream_id: str, seen: Container[str], timeout: float) -> None:
        """Until `stream_id` is in `seen` (its first notes came, or its answer is written)."""
        deadline = time.monotonic() + timeout
        while stream_id not in seen and time.monotonic() < deadline:
            await asyncio.sleep(0.005)


async def _sessions(url: str, cookies: list[str], seconds: float) -> list[Session]:
    sessions = [Session(url, cookie) for cookie in cookies]
    cycle = 8 * 60.0 / DUET["tempo"] * 3  # a phrase and its answer: spread over one turn
    rng = random.Random(16)
    await asyncio.gather(*(s.run(rng.uniform(0, cycle), seconds) for s in sessions))
    return sessions


def run(server: BenchServer, sessions: int = 100, seconds: float = 30.0) -> dict:
    """`sessions` duets at once on `server` for about `seconds` each."""
    cookies = listener_cookies(server, sessions)
    server.process.cpu_percent()
    played = asyncio.run(_sessions(server.url, cookies, seconds))
    turns = [turn for session in played for turn in session.turns]
    firsts = [t["first_note_ms"] for t in turns if t["first_note_ms"] is not None]
    on_server = [t["server_ms"] for t in turns if t["server_ms"] is not None]
    slack = [t["slack_ms"] for t in turns if t["slack_ms"] is not None]
    return {
        "sessions": sessions,
        "seconds": seconds,
        "params": DUET,
        "turns": len(turns),
        "unanswered": len(turns) - len(firsts),
        "errors": sorted({error for session in played for error in session.errors}),
        # Inside the server: the phrase's arrival to its answer's first note handed to the
        # outbox (`duet:answered`'s `first_note_ms`), the figure the target is set for.
        "server_first_note_ms": {
            "p50": percentile(on_server, 0.5),
            "p99": percentile(on_server, 0.99),
            "max": percentile(on_server, 1.0),
        },
        # At the client: sending the phrase to its answer's first frame (frame coalescing,
        # loopback and the clients' own process included).
        "phrase_to_first_note_ms": {
            "p50": percentile(firsts, 0.5),
            "p99": percentile(firsts, 0.99),
            "max": percentile(firsts, 1.0),
        },
        # How long before it is due to sound each answer's first note arrived (ms; < 0: late).
        "first_note_slack_ms": {"min": percentile(slack, 0.0), "p50": percentile(slack, 0.5)},
        "late_first_notes": sum(value < 0 for value in slack),
        "server_cpu_percent": round(server.process.cpu_percent(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.duet", description=__doc__)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each session plays")
    args = parser.parse_args()
    run_alone(lambda server, sessions: run(server, sessions, args.seconds), args.sessions)


if __name__ == "__main__":
    main()
