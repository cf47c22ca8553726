"""Conversions over Socket.IO through a real Hypercorn: `generate:start` with a `source` upload
streams with the same protocol as generation and saves a converted song linked to the upload;
strength 0 streams the source itself; another user's upload and bad fields are refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from server.security.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.conftest import LiveServer
from tests.generation.test_midi_io import meta, midi_bytes, note_messages
from tests.sockets.test_generation import (
    Listener,
    get_bytes,
    get_json,
    midi_notes,
    start_server,
)

TUNE = [(64, 0, 1), (62, 1, 1), (60, 2, 1), (62, 3, 1), (64, 4, 1), (64, 5, 1), (64, 6, 2)]
TUNE_FILE = midi_bytes([meta(tempo=120, meter=(4, 4), key="C"), note_messages(TUNE)])


@pytest.fixture(scope="module")
def server(tmp_path_factory, migrated_database) -> Iterator[LiveServer]:
    """A live server with a small random network, writing streams flat out."""
    with start_server(tmp_path_factory, migrated_database, CADENZA_STREAM_PACING="off") as live:
        yield live


@pytest.fixture(scope="module")
def cookie(server) -> str:
    return asyncio.run(server.session_cookie())


@pytest.fixture
async def listen() -> AsyncIterator:
    """`await listen(server, cookie)`: a connected Listener, closed after the test."""
    listeners: list[Listener] = []

    async def connect(server: LiveServer, cookie: str) -> Listener:
        listeners.append(await Listener().connect(server, cookie))
        return listeners[-1]

    yield connect
    for listener in listeners:
        await listener.sio.disconnect()


async def upload(server: LiveServer, cookie: str, data: bytes = TUNE_FILE) -> str:
    token = cookie.split(f"{CSRF_COOKIE}=")[1].split(";")[0]
    form = aiohttp.FormData()
    form.add_field("midi", data, filename="Mary.mid", content_type="audio/midi")
    headers = {"Cookie": cookie, CSRF_HEADER: token}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{server.base_url}/api/uploads", data=form) as response:
            assert response.status == 201, await response.text()
            return (await response.json())["id"]


async def test_a_conversion_streams_and_saves_a_song_linked_to_its_upload(server, cookie, listen):
    source = await upload(server, cookie)
    listener = await listen(server, cookie)
    song_id, notes = await listener.stream(source=source, genre="jazz", strength=0.5, seed=3)
    assert notes and notes[-1][1] + notes[-1][2] <= 8
    song = await get_json(server, cookie, f"/api/songs/{song_id}")
    assert (song["source_kind"], song["genre"], song["title"]) == (
        "converted",
        "jazz",
        "Mary as jazz",
    )
    assert song["parameters"]["source"] == source and song["parameters"]["strength"] == 0.5
    midi = await get_bytes(server, cookie, song["midi_url"])
    assert midi_notes(midi) == notes


async def test_strength_0_streams_the_source_melody(server, cookie, listen):
    source = await upload(server, cookie)
    listener = await listen(server, cookie)
    _, notes = await listener.stream(source=source, genre="folk", strength=0)
    assert notes == [(pitch, float(start), float(length)) for pitch, start, length in TUNE]


async def test_the_same_seed_streams_the_same_conversion(server, cookie, listen):
    source = await upload(server, cookie)
    listener = await listen(server, cookie)
    request = {"source": source, "genre": "rock", "strength": 0.8, "seed": 5}
    assert (await listener.stream(**request))[1] == (await listener.stream(**request))[1]


async def test_another_users_upload_and_bad_fields_are_refused(server, cookie, listen):
    source = await upload(server, cookie)
    stranger = await listen(server, await server.session_cookie())
    ack = await stranger.start(source=source, genre="pop")
    assert ack["ok"] is False and ack["error"]["code"] == "unknown_source"
    mine = await listen(server, cookie)
    for payload, field in [
        ({"strength": 2}, "strength"),
        ({"genre": "any"}, "genre"),
        ({"track": -1}, "track"),
        ({"bars": 8}, "bars"),
    ]:
        ack = await mine.start(**{"source": source, "genre": "pop"} | payload)
        assert ack["ok"] is False, payload
        assert (ack["error"]["code"], ack["error"]["field"]) == ("invalid_params", field)
