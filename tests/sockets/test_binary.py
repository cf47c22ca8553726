"""The protocol has no binary events: a packet announcing binary attachments, or any binary
frame, closes the connection before the server buffers anything (one connection announcing
9,999,999,999 attachments grew a worker by 238 MB). Spoken by hand over a raw WebSocket."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import LiveServer

ATTACHMENTS = '9999999999-["generate:start",{"_placeholder":true,"num":0}]'


async def open_namespace(http: aiohttp.ClientSession, server: LiveServer, cookie: str):
    url = server.base_url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    ws = await http.ws_connect(url, headers={"Cookie": cookie})
    assert (await ws.receive_str(timeout=5)).startswith("0")  # engine.io open
    await ws.send_str("40")
    assert (await ws.receive_str(timeout=5)).startswith("40")  # joined the namespace
    return ws


async def closed(ws: aiohttp.ClientWebSocketResponse) -> bool:
    """Read until the server closes the connection (True), or nothing comes for 5 s."""
    while True:
        try:
            message = await ws.receive(timeout=5)
        except TimeoutError:
            return False
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            return True


@pytest.mark.parametrize(
    "packets",
    [
        ["45" + ATTACHMENTS, b"\x00" * 60_000, b"\x00" * 60_000],  # a binary event
        ["46" + ATTACHMENTS, b"\x00" * 60_000],  # a binary acknowledgement
        [b"\x04" + b"\x00" * 60_000],  # a bare binary frame
    ],
    ids=["binary-event", "binary-ack", "binary-frame"],
)
async def test_binary_packets_close_the_connection(unpaced_server, unpaced_cookie, packets):
    async with aiohttp.ClientSession() as http:
        ws = await open_namespace(http, unpaced_server, unpaced_cookie)
        for packet in packets:
            if ws.closed:
                break
            await (ws.send_bytes(packet) if isinstance(packet, bytes) else ws.send_str(packet))
        assert await closed(ws)
        other = await open_namespace(http, unpaced_server, unpaced_cookie)  # others still served
        await other.send_str('420["clock:ping",{}]')
        assert (await other.receive_str(timeout=5)).startswith("430[{")
        await other.close()
