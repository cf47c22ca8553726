"""An accompanying room (`python -m bench.accompany`): the host starts a live piece with
`accompany: true` and a band; a member plays notes at a human rate over it; every `jam:chord`
is timed (the clients share the machine's clock with the server).

- since_last_note: a chord's `committed_ms` minus the arrival of the latest note played before
  it (its acknowledgement), p50/max: how fresh what a chord is fitted to is;
- ahead_of_bar: `at_ms` minus `committed_ms`: how long before its bar a chord is committed;
- slack: `at_ms` minus the announcement's receipt, the least (negative: told too late).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path

import socketio

from bench.jam import now_ms
from bench.live import BenchServer, bench_server, listener_cookies, melody_checkpoint, percentile
from bench.rooms_fanout import join_room, open_room
from server.services.generation import MAX_STREAMS_PER_USER

PIECE = {"genre": "pop", "key": "C", "tempo": 120, "bars": 16, "band": True, "accompany": True}
NOTES_PER_SECOND = 3.0
PHRASE = (57, 60, 64, 62, 65, 69, 55, 59, 62, 60, 64, 67)  # Am, Dm, G, C arpeggios


async def accompany(server: BenchServer, cookies: list[str], seconds: float) -> dict:
    host_cookie, player_cookie = cookies
    room = await open_room(server, host_cookie)
    token = room["invite_path"].rsplit("/", 1)[1]
    host, player = socketio.AsyncClient(), socketio.AsyncClient()
    chords: list[tuple[float, dict]] = []
    player.on("jam:chord", lambda chord: chords.append((now_ms(), chord)))
    await join_room(host, server.url, host_cookie, token)
    await join_room(player, server.url, player_cookie, token)
    started = await host.call("room:generate", PIECE, timeout=30)
    if not started["ok"]:
        raise RuntimeError(started["error"])
    arrived: list[float] = []
    rng, end = random.Random(1), time.monotonic() + seconds
    for count in range(10_000):
        if time.monotonic() >= end:
            break
        pitch = PHRASE[count % len(PHRASE)]
        for on in (True, False):
            note = {"pitch": pitch, "on": on, "velocity": 90, "played_ms": now_ms()}
            if (await player.call("jam:note", note))["ok"]:
                arrived.append(now_ms())
            await asyncio.sleep(0.15 if on else rng.expovariate(NOTES_PER_SECOND))
    await asyncio.sleep(1.0)
    await host.call("room:stop")
    await asyncio.gather(host.disconnect(), player.disconnect())
    return summarize(chords, arrived)


def summarize(chords: list[tuple[float, dict]], arrived: list[float]) -> dict:
    since, ahead, slack = [], [], []
    for received, chord in chords:
        before = [ms for ms in arrived if ms <= chord["committed_ms"]]
        if before:
            since.append(chord["committed_ms"] - before[-1])
        if chord["at_ms"] is not None:
            ahead.append(chord["at_ms"] - chord["committed_ms"])
            slack.append(chord["at_ms"] - received)
    return {
        "piece": PIECE,
        "chords": len(chords),
        "notes": len(arrived),
        "since_last_note_ms": {"p50": percentile(since, 0.5), "max": percentile(since, 1.0)},
        "ahead_of_bar_ms": {"min": percentile(ahead, 0.0), "p50": percentile(ahead, 0.5)},
        "least_slack_ms": percentile(slack, 0.0),
        "symbols": [chord["chord"]["symbol"] for _, chord in chords],
    }


def run(server: BenchServer, seconds: float = 24.0) -> dict:
    """One accompanying room on `server` for `seconds`, its host and player two people."""
    accounts = listener_cookies(server, 2 * MAX_STREAMS_PER_USER)
    cookies = [accounts[0], accounts[MAX_STREAMS_PER_USER]]
    return asyncio.run(accompany(server, cookies, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.accompany", description=__doc__)
    parser.add_argument("--seconds", type=float, default=24.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        _, model_dir = melody_checkpoint(Path(scratch))
        with bench_server(model_dir) as server:
            print(json.dumps(run(server, args.seconds), indent=2))


if __name__ == "__main__":
    main()
