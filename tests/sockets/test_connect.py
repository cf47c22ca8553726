"""Socket.IO connections are authenticated with the HTTP session, through a real Hypercorn."""

from __future__ import annotations

import aiohttp
import pytest
import socketio


async def test_connection_without_session_is_refused_with_a_reason(live_server):
    sio = socketio.AsyncClient(reconnection=False)
    reasons = []
    sio.on("connect_error", reasons.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(live_server.base_url, transports=["websocket"], wait_timeout=5)
    assert reasons[0]["data"] == {"code": "unauthorized", "message": "Log in before connecting."}
    await sio.disconnect()


async def test_connection_with_session_is_accepted(live_server):
    cookie = await live_server.session_cookie()
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        live_server.base_url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5
    )
    assert sio.connected
    await sio.disconnect()


async def test_logged_out_cookie_no_longer_connects(live_server):
    cookie = await live_server.session_cookie()
    csrf = dict(part.split("=", 1) for part in cookie.split("; "))["csrf_token"]
    async with aiohttp.ClientSession() as http:
        headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
        async with http.post(
            f"{live_server.base_url}/api/auth/logout", headers=headers
        ) as response:
            assert response.status == 204
    sio = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(
            live_server.base_url,
            headers={"Cookie": cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
    await sio.disconnect()
