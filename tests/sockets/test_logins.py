"""A socket lives only as long as the login that opened it: logging out, changing the password
(for the other logins), deleting the account and a login's expiry disconnect its sockets, and a
login that ended is refused by every event that acts, even before its socket is closed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PASSWORD, LiveServer, unique_email
from tests.sockets.logins import Socket, execute, http, login
from tests.sockets.streaming import start_server
from tests.sockets.test_rooms import FAST

UNAUTHORIZED = "unauthorized"


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases) -> Iterator[LiveServer]:
    """Live generation on (random weights, written flat out); sign-up limits off."""
    env = {"CADENZA_STREAM_PACING": "off", "RATE_LIMITS": "off"}
    with start_server(tmp_path_factory, databases, **env) as live:
        yield live


async def signed_up(server) -> tuple[str, str]:
    """A new user's email and the cookie of their first login."""
    email = unique_email()
    return email, await server.session_cookie(email=email)


async def user_id_of(server, cookie: str) -> int:
    status, me = await http(server, cookie, "GET", "/api/me")
    assert status == 200, me
    return me["id"]


async def test_logging_out_disconnects_that_logins_sockets_and_refuses_what_they_send(server):
    email, cookie = await signed_up(server)
    leaving = await Socket(server, cookie).connect()
    staying = await Socket(server, await login(server, email)).connect()
    status, _ = await http(server, cookie, "POST", "/api/auth/logout")
    assert status == 204
    # Sent in the moment before the server closes it: refused, or closed before it is answered.
    ack = await leaving.call_or_closed("generate:start", FAST)
    assert ack is None or ack["error"]["code"] == UNAUTHORIZED, ack
    assert await leaving.disconnected()
    ack = await staying.call("generate:start", FAST)
    assert ack["ok"], ack
    await staying.sio.disconnect()


async def test_a_login_revoked_before_any_worker_heard_of_it_is_refused_then_closed(server):
    _, cookie = await signed_up(server)
    socket = await Socket(server, cookie).connect()
    user_id = await user_id_of(server, cookie)
    await execute(
        server, "UPDATE auth_sessions SET revoked_at = expires_at WHERE user_id = ?", user_id
    )
    ack = await socket.call("generate:start", FAST)  # the close waits for the answer
    assert ack["ok"] is False and ack["error"]["code"] == UNAUTHORIZED, ack
    ack = await socket.call_or_closed("room:chat", {"text": "still here?"})
    assert ack is None or ack["error"]["code"] == UNAUTHORIZED, ack
    assert await socket.disconnected()


async def test_a_password_change_disconnects_the_other_logins_sockets(server):
    email, cookie = await signed_up(server)
    changing = await Socket(server, cookie).connect()
    other = await Socket(server, await login(server, email)).connect()
    body = {"password": "a brand new secret", "current_password": PASSWORD}
    status, _ = await http(server, cookie, "PATCH", "/api/me", body)
    assert status == 200
    assert await other.disconnected()
    ack = await changing.call("generate:start", FAST)
    assert ack["ok"], ack
    await changing.sio.disconnect()


async def test_deleting_the_account_disconnects_its_sockets(server):
    email, cookie = await signed_up(server)
    here = await Socket(server, cookie).connect()
    elsewhere = await Socket(server, await login(server, email)).connect()
    status, _ = await http(server, cookie, "DELETE", "/api/me", {"password": PASSWORD})
    assert status == 204
    assert await here.disconnected() and await elsewhere.disconnected()


async def test_every_call_of_an_account_deleted_underneath_is_answered(server):
    host_email, host_cookie = await signed_up(server)
    host = await Socket(server, host_cookie).connect()
    status, room = await http(server, host_cookie, "POST", "/api/rooms", {"name": "Gone soon"})
    assert status == 201, room
    token = room["invite_path"].split("/")[-1]
    assert (await host.call("room:join", {"token": token}))["ok"]
    _, cookie = await signed_up(server)
    socket = await Socket(server, cookie).connect()
    await execute(server, "DELETE FROM users WHERE id = ?", await user_id_of(server, cookie))
    ack = await socket.call("room:join", {"token": token})
    assert ack["ok"] is False and ack["error"]["code"] == UNAUTHORIZED, ack
    calls = [
        ("generate:start", FAST),
        ("room:chat", {"text": "hi"}),
        ("generate:stop", {"stream_id": "x"}),
        ("room:generate", FAST),
    ]
    for event, data in calls:
        ack = await socket.call_or_closed(event, data)
        assert ack is None or ack["error"]["code"] == UNAUTHORIZED, (event, ack)
    assert await socket.disconnected()
    await host.sio.disconnect()


async def test_a_login_that_expires_disconnects_its_sockets(server):
    _, cookie = await signed_up(server)
    user_id = await user_id_of(server, cookie)
    soon = datetime.now(UTC) + timedelta(seconds=2)
    value = soon if not server.database_url.startswith("sqlite") else soon.isoformat(sep=" ")
    await execute(
        server, "UPDATE auth_sessions SET expires_at = ? WHERE user_id = ?", value, user_id
    )
    socket = await Socket(server, cookie).connect()
    assert await socket.disconnected()
