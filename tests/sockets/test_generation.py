"""Live generation over Socket.IO, through a real Hypercorn and real python-socketio clients:
streams arrive in order and are saved note for note, limits and bad parameters are refused
with the documented codes, and clients that leave or stop reading free what they held."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import shutil
import socket
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import mido
import psutil
import pytest
import socketio
from wsproto import ConnectionType, WSConnection
from wsproto.events import CloseConnection, Request, TextMessage

from server.asgi import create_asgi_app
from server.config import DATABASE_FILE
from server.generation.sampler import SamplingParams
from server.models.song import Song
from tests.conftest import LiveServer, serving
from tests.generation.random_checkpoint import write_lively_checkpoint

Note = tuple[int, float, float]
FAST = {"genre": "jazz", "key": "D", "mode": "minor", "tempo": 240, "bars": 2, "seed": 11}
LONG = {"tempo": 120, "bars": 64}  # paced: about two minutes, so it is still live when tested


def start_server(factory: pytest.TempPathFactory, database: Path, **env: str):
    instance = factory.mktemp("generation")
    shutil.copy(database, instance / DATABASE_FILE)
    checkpoint = write_lively_checkpoint(instance / "melody")
    return serving(instance, CADENZA_MODEL_DIR=str(checkpoint), **env)


@pytest.fixture(scope="module")
def unpaced_server(tmp_path_factory, migrated_database) -> Iterator[LiveServer]:
    """Streams written flat out: fast where timing is not what is tested."""
    with start_server(tmp_path_factory, migrated_database, CADENZA_STREAM_PACING="off") as server:
        yield server


@pytest.fixture(scope="module")
def unpaced_cookie(unpaced_server) -> str:
    """One user for the many short tests (sign-ups are rate limited per address)."""
    return asyncio.run(unpaced_server.session_cookie())


@pytest.fixture(scope="module")
def paced_server(tmp_path_factory, migrated_database) -> Iterator[LiveServer]:
    with start_server(tmp_path_factory, migrated_database) as server:
        yield server


class Listener:
    """A logged-in socket client that keeps what arrives for each stream."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.notes: dict[str, list[dict]] = defaultdict(list)
        self.done: dict[str, asyncio.Future] = defaultdict(asyncio.get_running_loop().create_future)
        self.sio.on(
            "generate:notes", lambda frame: self.notes[frame["stream_id"]].extend(frame["notes"])
        )
        self.sio.on("generate:done", lambda event: self.done[event["stream_id"]].set_result(event))
        self.sio.on("generate:error", lambda event: self.done[event["stream_id"]].set_result(event))

    async def connect(self, server: LiveServer, cookie: str) -> Listener:
        await self.sio.connect(
            server.base_url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5
        )
        return self

    async def start(self, **params: Any) -> dict:
        return await self.sio.call("generate:start", params, timeout=10)

    async def stream(self, **params: Any) -> tuple[str, list[Note]]:
        """Start a stream and wait for its song: (song id, notes as received)."""
        ack = await self.start(**params)
        assert ack["ok"], ack
        done = await asyncio.wait_for(self.done[ack["stream_id"]], 30)
        return done["song_id"], self.triples(ack["stream_id"])

    def triples(self, stream_id: str) -> list[Note]:
        return [(n["pitch"], n["start"], n["duration"]) for n in self.notes[stream_id]]

    async def wait_for_notes(self, stream_id: str, count: int = 1) -> None:
        while len(self.notes[stream_id]) < count:
            await asyncio.sleep(0.01)


@pytest.fixture
async def listen() -> AsyncIterator:
    """Builder: `await listen(server, cookie)` is a connected Listener, closed after the test."""
    listeners: list[Listener] = []

    async def connect(server: LiveServer, cookie: str) -> Listener:
        listeners.append(Listener())
        return await listeners[-1].connect(server, cookie)

    yield connect
    for listener in listeners:
        await listener.sio.disconnect()


async def get_bytes(server: LiveServer, cookie: str, path: str) -> bytes:
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
        async with http.get(server.base_url + path) as response:
            assert response.status == 200, await response.text()
            return await response.read()


async def get_json(server: LiveServer, cookie: str, path: str) -> Any:
    return json.loads(await get_bytes(server, cookie, path))


def midi_notes(data: bytes) -> list[Note]:
    """(pitch, start beats, duration beats) of every note in a MIDI file, in order."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    notes, sounding, now = [], {}, 0
    for message in mido.merge_tracks(midi.tracks):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            sounding[message.note] = now
        elif message.type in ("note_on", "note_off") and message.note in sounding:
            start = sounding.pop(message.note)
            notes.append(
                (message.note, start / midi.ticks_per_beat, (now - start) / midi.ticks_per_beat)
            )
    return sorted(notes, key=lambda note: note[1])


async def test_a_stream_arrives_in_order_and_its_song_holds_the_same_notes(unpaced_server, listen):
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    ack = await listener.start(**FAST, temperature=0.9, top_p=0.9, instrument="pad")
    done = await asyncio.wait_for(listener.done[ack["stream_id"]], 30)
    received = listener.notes[ack["stream_id"]]
    assert [note["index"] for note in received] == list(range(len(received)))
    starts = [note["start"] for note in received]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(note["start"] + note["duration"] <= 8 for note in received)
    midi = await get_bytes(unpaced_server, cookie, f"/api/songs/{done['song_id']}/midi")
    assert midi_notes(midi) == listener.triples(ack["stream_id"])
    song = (await get_json(unpaced_server, cookie, "/api/songs"))["songs"][0]
    assert song["id"] == done["song_id"] and song["status"] == "complete"
    assert song["parameters"] | FAST == song["parameters"]
    assert song["parameters"]["instrument"] == "pad" and song["model_version"].startswith("melody-")


async def test_the_same_seed_twice_gives_the_same_notes(unpaced_server, listen):
    listener = await listen(unpaced_server, await unpaced_server.session_cookie())
    (_, first), (_, second) = await asyncio.gather(listener.stream(**FAST), listener.stream(**FAST))
    assert first == second and first
    _, other = await listener.stream(**FAST | {"seed": 12})
    assert other != first


async def test_two_streams_at_once_do_not_mix(unpaced_server, listen):
    cookie = await unpaced_server.session_cookie()
    listener = await listen(unpaced_server, cookie)
    g_major = FAST | {"key": "G", "mode": "major", "seed": 3, "bars": 3}
    (_, together), (_, beside) = await asyncio.gather(
        listener.stream(**g_major), listener.stream(**FAST)
    )
    _, alone = await listener.stream(**g_major)
    assert together == alone
    assert beside == (await listener.stream(**FAST))[1]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"tempo": 241}, "tempo"),
        ({"tempo": 39}, "tempo"),
        ({"bars": 0}, "bars"),
        ({"bars": 129}, "bars"),
        ({"temperature": 0.05}, "temperature"),
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"genre": "polka"}, "genre"),
        ({"key": "H"}, "key"),
        ({"mode": "dorian"}, "mode"),
        ({"seed": -1}, "seed"),
        ({"instrument": "kazoo"}, "instrument"),
        ({"primer": [{"pitch": 200, "start": 0, "duration": 1}]}, "primer"),
        ({"volume": 11}, "volume"),
        ("loud", "payload"),
    ],
)
async def test_bad_parameters_are_refused_naming_the_field(
    unpaced_server, unpaced_cookie, listen, payload, field
):
    listener = await listen(unpaced_server, unpaced_cookie)
    body = FAST | payload if isinstance(payload, dict) else payload
    ack = await listener.sio.call("generate:start", body, timeout=10)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid_params" and ack["error"]["field"] == field
    assert ack["error"]["message"]


async def test_a_message_larger_than_the_protocol_needs_closes_the_connection(
    unpaced_server, unpaced_cookie, listen
):
    listener = await listen(unpaced_server, unpaced_cookie)
    dropped = asyncio.Event()
    listener.sio.on("disconnect", lambda reason=None: dropped.set())
    await listener.sio.emit("generate:start", FAST | {"padding": "x" * 100_000})
    await asyncio.wait_for(dropped.wait(), 10)


async def test_a_fourth_stream_is_refused_across_connections_until_one_stops(paced_server, listen):
    cookie = await paced_server.session_cookie()
    first, second = await listen(paced_server, cookie), await listen(paced_server, cookie)
    acks = [await first.start(**LONG), await first.start(**LONG), await second.start(**LONG)]
    assert all(ack["ok"] for ack in acks)
    refused = await second.start(**LONG)
    assert refused == {
        "ok": False,
        "error": {"code": "too_many_streams", "message": refused["error"]["message"]},
    }
    stopped = await first.sio.call(
        "generate:stop", {"stream_id": acks[0]["stream_id"], "discard": True}
    )
    assert stopped["ok"] and stopped["saving"] is False and stopped["reason"] == "discarded"
    assert (await second.start(**LONG))["ok"]


async def test_stopping_saves_exactly_what_was_streamed(paced_server, listen):
    cookie = await paced_server.session_cookie()
    listener = await listen(paced_server, cookie)
    stream_id = (await listener.start(**LONG))["stream_id"]
    await listener.wait_for_notes(stream_id)
    stopped = await listener.sio.call("generate:stop", {"stream_id": stream_id})
    assert stopped == {"ok": True, "stream_id": stream_id, "saving": True}
    done = await asyncio.wait_for(listener.done[stream_id], 10)
    midi = await get_bytes(paced_server, cookie, f"/api/songs/{done['song_id']}/midi")
    assert midi_notes(midi) == listener.triples(stream_id)
    again = await listener.sio.call("generate:stop", {"stream_id": stream_id})
    assert again["error"]["code"] == "unknown_stream"


async def test_disconnecting_mid_stream_frees_the_slots_and_leaves_drafts(paced_server, listen):
    cookie = await paced_server.session_cookie()
    leaving = await listen(paced_server, cookie)
    stream_ids = [(await leaving.start(**LONG, seed=seed))["stream_id"] for seed in range(3)]
    for stream_id in stream_ids:
        await leaving.wait_for_notes(stream_id)
    await leaving.sio.disconnect()
    staying = await listen(paced_server, cookie)
    acks = [await staying.start(**LONG) for _ in range(3)]
    assert all(ack["ok"] for ack in acks), acks
    drafts = await eventually(
        lambda: drafts_of(paced_server, cookie), lambda found: len(found) == 3
    )
    for draft in drafts:
        heard = leaving.triples(stream_ids[draft["parameters"]["seed"]])
        saved = midi_notes(await get_bytes(paced_server, cookie, draft["midi_url"]))
        assert saved[: len(heard)] == heard  # it may hold notes written but not yet sent


async def drafts_of(server: LiveServer, cookie: str) -> list[dict]:
    songs = (await get_json(server, cookie, "/api/songs"))["songs"]
    return [song for song in songs if song["status"] == "draft"]


async def eventually(fetch, ready, timeout: float = 10.0):
    """`await fetch()` until `ready(value)`, for work the server finishes in the background."""
    deadline = time.monotonic() + timeout
    while not ready(value := await fetch()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return value


async def test_the_server_keeps_answering_http_while_50_streams_run(paced_server, listen):
    sources = [f"127.0.0.{2 + user // 8}" for user in range(17)]  # 8 sign-ups per address
    cookies = await asyncio.gather(*(paced_server.session_cookie(source=s) for s in sources))
    running = []
    for listener in [await listen(paced_server, cookie) for cookie in cookies]:
        for seed in range(3):
            ack = await listener.start(**LONG | {"tempo": 240, "seed": seed})
            running.append((listener, ack["stream_id"]))
    assert len(running) == 51
    waits = []
    async with aiohttp.ClientSession() as http:
        for _ in range(20):
            began = time.monotonic()
            async with http.get(f"{paced_server.base_url}/healthz") as response:
                assert response.status == 200
            waits.append(time.monotonic() - began)
            await asyncio.sleep(0.05)
    assert max(waits) < 0.5, waits
    assert all(listener.notes[stream_id] for listener, stream_id in running)


class StalledClient:
    """A raw WebSocket Socket.IO client with a 4 KB receive buffer that sends but never reads."""

    def __init__(self, server: LiveServer, cookie: str) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.settimeout(10)
        host, port = server.base_url.removeprefix("http://").split(":")
        self.socket.connect((host, int(port)))
        self.ws = WSConnection(ConnectionType.CLIENT)
        target = "/socket.io/?EIO=4&transport=websocket"
        headers = [(b"cookie", cookie.encode())]
        self.socket.sendall(
            self.ws.send(Request(host=f"{host}:{port}", target=target, extra_headers=headers))
        )
        assert self.read_message().startswith("0")  # engine.io open
        self.send("40")  # join the default namespace
        assert self.read_message().startswith("40")

    def send(self, text: str) -> None:
        self.socket.sendall(self.ws.send(TextMessage(data=text)))

    def emit(self, event: str, payload: dict) -> None:
        self.send("42" + json.dumps([event, payload]))

    def read_message(self) -> str:
        while True:
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    return event.data
            self.ws.receive_data(self.socket.recv(65536))

    def read_until_closed(self) -> int:
        """Bytes that were still on their way, read until the server closes the connection."""
        total = 0
        while chunk := self.socket.recv(65536):
            total += len(chunk)
            self.ws.receive_data(chunk)
            if any(isinstance(event, CloseConnection) for event in self.ws.events()):
                break
        return total


async def test_a_client_that_stops_reading_is_dropped_and_memory_stays_bounded(
    unpaced_server, request
):
    cookie = await unpaced_server.session_cookie()
    server = psutil.Process(unpaced_server.pid)
    stalled = StalledClient(unpaced_server, cookie)
    request.addfinalizer(stalled.socket.close)
    before = server.memory_info().rss
    drafts, deadline = [], time.monotonic() + 90  # the kernel buffers MBs on loopback first
    while not drafts and time.monotonic() < deadline:
        for seed in range(10):  # three play at once; the rest are refused until one ends
            stalled.emit("generate:start", {"bars": 128, "tempo": 240, "seed": seed})
            await asyncio.sleep(0.05)
        drafts = await drafts_of(unpaced_server, cookie)
    assert drafts, "the stalled client was never dropped"
    assert server.memory_info().rss - before < 30 * 1024 * 1024
    in_flight = await asyncio.to_thread(stalled.read_until_closed)
    assert in_flight < 4 * 1024 * 1024


async def test_start_up_and_shutdown_hooks_run_under_the_socket_wrapper(config, tmp_path):
    """Hypercorn sends lifespan events to the Socket.IO app, which hands them to Quart."""
    checkpoint = write_lively_checkpoint(tmp_path / "melody")
    asgi = create_asgi_app(dataclasses.replace(config, model_dir=checkpoint))
    incoming, outgoing = asyncio.Queue(), asyncio.Queue()
    lifespan = asyncio.create_task(asgi({"type": "lifespan"}, incoming.get, outgoing.put))
    await incoming.put({"type": "lifespan.startup"})
    assert (await asyncio.wait_for(outgoing.get(), 10))["type"] == "lifespan.startup.complete"
    engine = asgi.other_asgi_app.extensions["generation"].engine
    assert await Song.all().count() == 0  # the database is open
    assert await run_one_stream(engine)
    await incoming.put({"type": "lifespan.shutdown"})
    assert (await asyncio.wait_for(outgoing.get(), 10))["type"] == "lifespan.shutdown.complete"
    assert "generation" not in asgi.other_asgi_app.extensions
    await lifespan


async def run_one_stream(engine) -> list:
    """The notes of one short unpaced stream, written by the engine's running loop."""
    notes, ended = [], asyncio.Event()
    sink = SimpleNamespace(
        stream_notes=lambda stream, new: notes.extend(new), stream_ended=lambda s: ended.set()
    )
    engine.start_stream(SamplingParams(bars=1, seed=1), sink, owner=0, paced=False)
    await asyncio.wait_for(ended.wait(), 10)
    return notes
