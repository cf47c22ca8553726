"""One process of soak clients: `python -m bench.soak_clients` (driven by `bench.soak`).

Reads a job as one JSON line on stdin: worker URLs, room invite tokens, one cookie per client
(and the room each host owns), how long to run. Hosts stay in their room and generate for it
piece after piece; the others, until the time is up, join rooms to listen and chat, start (and
sometimes stop) studio streams, read their songs over HTTP, and disconnect and come back on the
other worker. Every error is counted: `generate:error`, a refused or unanswered acknowledgement,
an HTTP 5xx, a disconnect nobody asked for. Prints one JSON line of counts at the end.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter
from typing import Any

import aiohttp
import socketio

CALL_TIMEOUT = 30.0  # seconds for any acknowledgement
STREAM_TIMEOUT = 60.0  # seconds from generate:start to its generate:done
HOST_HEAD_START = 3.0  # seconds before the first listener connects
EXAMPLES = 10  # error descriptions kept per process
GENRES = ("classical", "folk", "jazz", "pop", "rock")


class Tally:
    """What one process saw: events sent and received by name, errors by kind."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.examples: list[str] = []
        self.notes = 0

    def error(self, kind: str, detail: object) -> None:
        self.errors[kind] += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"{kind}: {detail}"[:300])

    def to_json(self) -> dict:
        return {
            "events": self.events,
            "errors": self.errors,
            "examples": self.examples,
            "notes": self.notes,
        }


class SoakClient:
    """One account's connection, replaced by a new one each time the client comes back."""

    def __init__(self, job: dict, spec: dict, number: int, tally: Tally) -> None:
        self.urls, self.tokens, self.cookie = job["urls"], job["tokens"], spec["cookie"]
        self.host_of: str | None = spec.get("host_of")
        self.tally, self.rng = tally, random.Random(number)
        self.worker = number  # which worker it connects to next, in turn
        self.ended: dict[str, asyncio.Event] = {}  # stream id -> its done or error arrived
        self.sio: socketio.AsyncClient | None = None
        self.leaving = False

    async def connect(self) -> None:
        self.sio = sio = socketio.AsyncClient(reconnection=False)
        sio.on("*", self.on_event)
        sio.on("disconnect", self.on_disconnect)
        self.leaving = False
        url = self.urls[self.worker % len(self.urls)]
        self.worker += 1
        headers = {"Cookie": self.cookie}
        await sio.connect(url, headers=headers, transports=["websocket"], wait_timeout=30)
        self.tally.events["connect"] += 1

    async def on_event(self, event: str, data: Any = None) -> None:
        self.tally.events[event] += 1
        if event == "generate:notes":
            self.tally.notes += len(data["notes"])
        elif event in ("generate:done", "generate:error"):
            if event == "generate:error":
                self.tally.error("generate:error", data.get("error"))
            if data["stream_id"] in self.ended:  # a stream of this client's, not a room's
                self.ended[data["stream_id"]].set()

    async def on_disconnect(self, reason: Any = None) -> None:
        if not self.leaving:
            self.tally.error("disconnect", reason)

    async def call(self, event: str, payload: Any = None) -> dict:
        """Emit with acknowledgement; a refusal or no answer is an error (an empty dict)."""
        self.tally.events[event] += 1
        try:
            ack = await self.sio.call(event, payload, timeout=CALL_TIMEOUT)
        except (socketio.exceptions.SocketIOError, TimeoutError) as error:
            self.tally.error(f"{event} unanswered", repr(error))
            return {}
        if not ack.get("ok"):
            self.tally.error(f"{event} refused", ack.get("error"))
            return {}
        if "stream_id" in ack:  # its end may come before anyone waits for it
            self.ended.setdefault(ack["stream_id"], asyncio.Event())
        return ack

    async def wait_end(self, stream_id: str) -> None:
        try:
            await asyncio.wait_for(self.ended[stream_id].wait(), STREAM_TIMEOUT)
        except TimeoutError:
            self.tally.error("stream timeout", stream_id)
        self.ended.pop(stream_id, None)

    async def leave(self) -> None:
        self.leaving = True
        await self.sio.disconnect()
        self.tally.events["disconnect (asked)"] += 1


async def visit_room(client: SoakClient) -> None:
    """Join a room, listen to whatever plays, say something, leave."""
    if not await client.call("room:join", {"token": client.rng.choice(client.tokens)}):
        return
    await asyncio.sleep(client.rng.uniform(2.0, 6.0))
    await client.call("room:chat", {"text": f"listening {client.rng.randrange(1000)}"})
    await asyncio.sleep(client.rng.uniform(2.0, 8.0))
    await client.call("room:leave")


async def studio_stream(client: SoakClient) -> None:
    """A studio stream of 4 to 8 bars at 120 bpm, stopped after 1 to 3 s half of the time."""
    params = {
        "genre": client.rng.choice(GENRES),
        "tempo": 120,
        "bars": client.rng.randint(4, 8),
        "seed": client.rng.randrange(2**31),
    }
    ack = await client.call("generate:start", params)
    if not ack:
        return
    if client.rng.random() < 0.5:
        await asyncio.sleep(client.rng.uniform(1.0, 3.0))
        stop = await client.call("generate:stop", {"stream_id": ack["stream_id"]})
        if not stop.get("saving"):
            client.ended.pop(ack["stream_id"], None)
            return  # nothing follows a stop that keeps nothing
    await client.wait_end(ack["stream_id"])


async def read_songs(client: SoakClient) -> None:
    """The dashboard's song list over HTTP; a 5xx is an error."""
    client.tally.events["GET /api/songs"] += 1
    url = client.urls[client.worker % len(client.urls)]
    async with aiohttp.ClientSession(headers={"Cookie": client.cookie}) as http:
        async with http.get(f"{url}/api/songs") as response:
            await response.read()
            if response.status >= 500:
                client.tally.error("http 5xx", response.status)


async def come_back(client: SoakClient) -> None:
    """Disconnect (as asked), wait a moment, connect again to the other worker."""
    await client.leave()
    await asyncio.sleep(client.rng.uniform(1.0, 3.0))
    await client.connect()


ACTIONS = ((visit_room, 4), (studio_stream, 3), (read_songs, 1), (come_back, 1))


async def listen_and_play(client: SoakClient, deadline: float) -> None:
    while time.monotonic() < deadline:
        action = client.rng.choices([a for a, _ in ACTIONS], [w for _, w in ACTIONS])[0]
        await action(client)
        await asyncio.sleep(client.rng.uniform(0.5, 2.0))


async def host_room(client: SoakClient, deadline: float) -> None:
    """Stay in the room and write 8-bar pieces for it; one in four is stopped early."""
    joined = await client.call("room:join", {"token": client.host_of})
    if not joined:
        return
    if joined["room"]["host_id"] != joined["you"]:  # a listener came first and was made host
        await client.call("room:host", {"user_id": joined["you"]})  # the owner takes it back
    while time.monotonic() < deadline:
        params = {"genre": client.rng.choice(GENRES), "tempo": 120, "bars": 8}
        ack = await client.call("room:generate", params)
        if not ack:
            await asyncio.sleep(2.0)
            continue
        if client.rng.random() < 0.25:
            await asyncio.sleep(client.rng.uniform(3.0, 8.0))
            if not (await client.call("room:stop", {})).get("saving"):
                continue
        await client.wait_end(ack["stream_id"])
        await asyncio.sleep(client.rng.uniform(1.0, 3.0))


async def live(client: SoakClient, start_at: float, deadline: float) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        await client.connect()
        await (host_room if client.host_of else listen_and_play)(client, deadline)
        await client.leave()
    except Exception as error:  # counted, and the client is over: the soak goes on without it
        client.tally.error("client failed", repr(error))


async def run(job: dict) -> None:
    tally = Tally()
    now = time.monotonic()
    deadline = now + job["seconds"]
    clients = [
        SoakClient(job, spec, job["first"] + n, tally) for n, spec in enumerate(job["clients"])
    ]
    # Hosts first, so that each room's owner is its host; the listeners over the ramp after.
    starts = [
        now + (0 if c.host_of else HOST_HEAD_START + job["ramp_seconds"] * n / len(clients))
        for n, c in enumerate(clients)
    ]
    await asyncio.gather(*(live(c, at, deadline) for c, at in zip(clients, starts, strict=True)))
    print(json.dumps(tally.to_json()), flush=True)


if __name__ == "__main__":
    asyncio.run(run(json.loads(sys.stdin.readline())))
