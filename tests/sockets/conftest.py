"""Live servers with a small random model, shared by the socket tests of a run, and a builder of
connected listening clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.conftest import LiveServer
from tests.sockets.streaming import Listener, start_server


@pytest.fixture(scope="session")
def unpaced_server(tmp_path_factory, databases) -> Iterator[LiveServer]:
    """Streams written flat out: fast where timing is not what is tested."""
    with start_server(tmp_path_factory, databases, CADENZA_STREAM_PACING="off") as server:
        yield server


@pytest.fixture(scope="session")
def unpaced_cookie(unpaced_server) -> str:
    """One user for the many short tests (sign-ups are rate limited per address)."""
    return asyncio.run(unpaced_server.session_cookie())


@pytest.fixture(scope="session")
def paced_server(tmp_path_factory, databases) -> Iterator[LiveServer]:
    with start_server(tmp_path_factory, databases) as server:
        yield server


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
