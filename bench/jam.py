"""Room jam (`python -m bench.jam`): N rooms of M python-socketio members each, every member
playing notes (note-on, then its note-off) at a human rate for a while; every member times every
note it hears from the others. All clients share the machine's clock with the server.

- scheduled spread: per note-on (told apart by its pitch and velocity, a sequence number), the
  largest difference between the `at_ms` its hearers were given (the moment each schedules
  it; 0 means every member hears it at once), and notes whose `at_ms` differs from the
  player's acknowledgement;
- delivery: a hearer's receipt minus the moment the note was played (`played_ms`), p50/p99/max:
  the look-ahead a jam needs is at least its max (JAM_LEAD_MS is 200 ms);
- slack: `at_ms` minus receipt, the least of all (negative: a note heard late), and late notes;
- refused: notes the server refused (none at a human rate).
`--delay-ms D` adds D ms to every note's way up (sent D ms after it was played) and down
(heard D ms after it arrived), as a member on a slower network. `--workers 2` runs two workers
of one deployment (PostgreSQL and Redis, as `bench.scale` sets them up), each room's members
connected to them in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import socketio

from bench.live import BenchServer, bench_server, listener_cookies, melody_checkpoint, percentile
from bench.rooms_fanout import join_room, open_room
from bench.scale import deployment
from server.services.generation import MAX_STREAMS_PER_USER

ROOMS, MEMBERS, SECONDS = 4, 6, 20.0
NOTES_PER_SECOND = 3.0  # per member: a melody at a moderate pace (each with its note-off)
HELD_SECONDS = 0.15  # how long a played note is held


def now_ms() -> float:
    return time.time_ns() / 1_000_000


class Player:
    """One member: plays at a human rate and times every note it hears."""

    def __init__(self, delay_ms: float) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.delay_ms = delay_ms
        self.user_id = 0
        self.sent: dict[float, float] = {}  # at_ms -> played_ms of this member's notes
        # (player's id, pitch, velocity, at_ms, received ms) of every note heard
        self.heard: list[tuple[int, int, int, float, float]] = []
        self.count = 0
        self.refused: list[str] = []
        self.sio.on("jam:note", self.on_note)

    def on_note(self, note: dict) -> None:
        received = now_ms() + self.delay_ms
        self.heard.append(
            (note["user_id"], note["pitch"], note["velocity"], note["at_ms"], received)
        )

    async def join(self, url: str, cookie: str, token: str) -> None:
        self.user_id = (await join_room(self.sio, url, cookie, token))["you"]

    async def play(self, seconds: float, seed: int) -> None:
        rng = random.Random(seed)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            # Pitch and velocity tell this member's notes apart (4,572 of them).
            pitch, velocity = 48 + self.count // 127 % 36, 1 + self.count % 127
            self.count += 1
            await asyncio.gather(
                self.send(pitch, velocity), self.send(pitch, 0, HELD_SECONDS * 1000)
            )
            await asyncio.sleep(rng.expovariate(NOTES_PER_SECOND))

    async def send(self, pitch: int, velocity: int, after_ms: float = 0.0) -> None:
        await asyncio.sleep(after_ms / 1000)
        played_ms = now_ms()
        await asyncio.sleep(self.delay_ms / 1000)
        on = velocity > 0
        note = {"pitch": pitch, "on": on, "velocity": velocity or 1, "played_ms": played_ms}
        ack = await self.sio.call("jam:note", note, timeout=30)
        if ack["ok"]:
            self.sent[ack["at_ms"]] = played_ms
        else:
            self.refused.append(ack["error"]["code"])


async def jam(
    server: BenchServer,
    cookies: list[str],
    rooms: int,
    seconds: float,
    delay: float,
    urls: list[str],
):
    members = len(cookies) // rooms
    players = [Player(delay) for _ in cookies]
    for number in range(rooms):
        room = await open_room(server, cookies[number * members])
        token = room["invite_path"].rsplit("/", 1)[1]
        for index in range(number * members, (number + 1) * members):
            await players[index].join(urls[index % len(urls)], cookies[index], token)
    await asyncio.gather(*(p.play(seconds, seed) for seed, p in enumerate(players)))
    await asyncio.sleep(1.0 + delay / 1000)  # the last notes arrive
    await asyncio.gather(*(player.sio.disconnect() for player in players))
    return summarize(players, rooms, members, seconds, delay) | {"workers": len(urls)}


def summarize(players: list[Player], rooms: int, members: int, seconds: float, delay: float):
    played = {(p.user_id, at): ms for p in players for at, ms in p.sent.items()}
    scheduled: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    delivery, slack, mismatched = [], [], 0
    for player in players:
        for user_id, pitch, velocity, at_ms, received in player.heard:
            if velocity:
                scheduled[(user_id, pitch, velocity)].append(at_ms)
            if (user_id, at_ms) in played:
                delivery.append(received - played[(user_id, at_ms)])
            else:
                mismatched += 1
            slack.append(at_ms - received)
    spreads = [max(times) - min(times) for times in scheduled.values()]
    return {
        "rooms": rooms,
        "members_per_room": members,
        "seconds": seconds,
        "added_delay_ms": delay,
        "notes_played": len(played),
        "notes_heard": sum(len(p.heard) for p in players),
        "expected_heard": len(played) * (members - 1),
        "scheduled_spread_ms": {"max": percentile(spreads, 1.0)},
        "not_as_acknowledged": mismatched,
        "delivery_ms": {
            "p50": percentile(delivery, 0.5),
            "p99": percentile(delivery, 0.99),
            "max": percentile(delivery, 1.0),
        },
        "least_slack_ms": percentile(slack, 0.0),
        "late_notes": sum(s < 0 for s in slack),
        "refused": sum(len(p.refused) for p in players),
    }


def run(
    server: BenchServer,
    rooms: int = ROOMS,
    members: int = MEMBERS,
    urls: list[str] | None = None,
    **kw: float,
) -> dict:
    """The jam benchmark against a running bench server (an account per member); members
    connect to `urls` in turn (workers of one deployment), or all to `server`."""
    count = rooms * members
    cookies = listener_cookies(server, count * MAX_STREAMS_PER_USER)[:count]
    seconds, delay = kw.get("seconds", SECONDS), kw.get("delay_ms", 0.0)
    return asyncio.run(jam(server, cookies, rooms, seconds, delay, urls or [server.url]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.jam", description=__doc__)
    parser.add_argument("--rooms", type=int, default=ROOMS)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=1, help="2: a PostgreSQL + Redis pair")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        _, model = melody_checkpoint(Path(scratch))
        with deployment(args.workers, model) if args.workers > 1 else single(model) as servers:
            urls = [server.url for server in servers]
            results = run(
                servers[0],
                args.rooms,
                args.members,
                urls,
                seconds=args.seconds,
                delay_ms=args.delay_ms,
            )
    print(json.dumps(results, indent=2))


@contextmanager
def single(model: Path) -> Iterator[list[BenchServer]]:
    with bench_server(model) as server:
        yield [server]


if __name__ == "__main__":
    main()
