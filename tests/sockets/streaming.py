"""Helpers for tests of live generation over real sockets: a server with a small random model,
a listening client, HTTP reads of the library, MIDI notes, and a client that stops reading."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
from collections import defaultdict
from typing import Any

import aiohttp
import mido
import pytest
import socketio
from wsproto import ConnectionType, WSConnection
from wsproto.events import CloseConnection, Request, TextMessage

from server.generation.band.instruments import PART_TRACKS
from server.generation.chord_track import CHORD_TRACK_NAME
from tests.conftest import LiveServer, serving
from tests.databases import DatabaseSource
from tests.generation.random_checkpoint import write_lively_checkpoint

Note = tuple[int, float, float]
FAST = {"genre": "jazz", "key": "D", "mode": "minor", "tempo": 240, "bars": 2, "seed": 11}
LONG = {"tempo": 120, "bars": 64}  # paced: about two minutes, so it is still live when tested


def start_server(factory: pytest.TempPathFactory, databases: DatabaseSource, **env: str):
    """A live server with a small random model on a database of its own (dropped with the
    run's others when the session ends)."""
    instance = factory.mktemp("generation")
    checkpoint = write_lively_checkpoint(instance / "melody")
    url = databases.fresh(instance)
    return serving(instance, DATABASE_URL=url, CADENZA_MODEL_DIR=str(checkpoint), **env)


class Listener:
    """A logged-in socket client that keeps what arrives for each stream."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.notes: dict[str, list[dict]] = defaultdict(list)
        self.frames: dict[str, list[dict]] = defaultdict(list)  # as they came, chords and all
        self.done: dict[str, asyncio.Future] = defaultdict(asyncio.get_running_loop().create_future)
        self.sio.on("generate:notes", self._frame)
        self.sio.on("generate:done", lambda event: self.done[event["stream_id"]].set_result(event))
        self.sio.on("generate:error", lambda event: self.done[event["stream_id"]].set_result(event))

    def _frame(self, frame: dict) -> None:
        self.notes[frame["stream_id"]].extend(frame["notes"])
        self.frames[frame["stream_id"]].append(frame)

    def chords(self, stream_id: str) -> list[dict]:
        """The chord spans the stream's frames carried, in order."""
        return [chord for frame in self.frames[stream_id] for chord in frame.get("chords", [])]

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


def chords_arrive_before_their_notes(frames: list[dict]) -> bool:
    """Whether every note's chord (the span sounding at its start) came in the note's frame or
    an earlier one: frames in arrival order, each with its notes and the chords it carried."""
    known: list[dict] = []
    for frame in frames:
        known.extend(frame.get("chords", []))
        for note in frame["notes"]:
            if not any(c["start"] <= note["start"] < c["start"] + c["duration"] for c in known):
                return False
    return True


async def get_bytes(server: LiveServer, cookie: str, path: str) -> bytes:
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
        async with http.get(server.base_url + path) as response:
            assert response.status == 200, await response.text()
            return await response.read()


async def get_json(server: LiveServer, cookie: str, path: str) -> Any:
    return json.loads(await get_bytes(server, cookie, path))


ACCOMPANYING_TRACKS = {CHORD_TRACK_NAME, *(name for name, _ in PART_TRACKS.values())}


def midi_notes(data: bytes, track_name: str | None = None) -> list[Note]:
    """(pitch, start beats, duration beats) of every melody note in a MIDI file, in order (the
    "Chords" track, which a piece with chords has beside its melody, and the band's tracks left
    out); of the track named `track_name` instead when given."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    notes, sounding, now = [], {}, 0
    if track_name is None:
        tracks = [track for track in midi.tracks if track.name not in ACCOMPANYING_TRACKS]
    else:
        tracks = [track for track in midi.tracks if track.name == track_name]
    for message in mido.merge_tracks(tracks):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault(message.note, []).append(now)
        elif message.type in ("note_on", "note_off") and sounding.get(message.note):
            start = sounding[message.note].pop(0)
            notes.append(
                (message.note, start / midi.ticks_per_beat, (now - start) / midi.ticks_per_beat)
            )
    return sorted(notes, key=lambda note: (note[1], note[0]))


async def drafts_of(server: LiveServer, cookie: str) -> list[dict]:
    songs = (await get_json(server, cookie, "/api/songs"))["songs"]
    return [song for song in songs if song["status"] == "draft"]


async def eventually(fetch, ready, timeout: float = 10.0):
    """`await fetch()` until `ready(value)`, for work the server finishes in the background."""
    deadline = time.monotonic() + timeout
    while not ready(value := await fetch()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return value


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
