"""Helpers for tests of logins and the sockets they open: a second login of a user over HTTP, a
socket client that notices being disconnected, and changes written straight into the live
server's database (a login revoked or an account gone, before any worker has been told)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
from yarl import URL

from tests.conftest import PASSWORD, LiveServer
from tests.sockets.test_rooms import Member


async def login(server: LiveServer, email: str, password: str = PASSWORD) -> str:
    """Another login of an existing user: the `Cookie:` header value that carries it."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{server.base_url}/healthz") as response:
            token = response.cookies["csrf_token"].value
        body = {"email": email, "password": password}
        url = f"{server.base_url}/api/auth/login"
        async with http.post(url, json=body, headers={"X-CSRF-Token": token}) as response:
            assert response.status == 200, await response.text()
        cookies = http.cookie_jar.filter_cookies(URL(server.base_url))
        return "; ".join(
            f"{name}={cookies[name].value}" for name in ("cadenza_session", "csrf_token")
        )


async def http(
    server: LiveServer, cookie: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """One JSON request as the browser holding `cookie` makes it (with its CSRF header)."""
    csrf = dict(part.split("=", 1) for part in cookie.split("; "))["csrf_token"]
    headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.request(method, server.base_url + path, json=body) as response:
            text = await response.text()
            return response.status, (await response.json()) if text else None


class Socket(Member):
    """A logged-in socket client that also records when the server disconnects it."""

    def __init__(self, server: LiveServer, cookie: str) -> None:
        super().__init__(server, cookie)
        self.gone = asyncio.Event()
        self.sio.on("disconnect", lambda *reason: self.gone.set())

    async def call_or_closed(self, event: str, data: Any = None) -> dict | None:
        """The answer, or None when the server closes the socket first."""
        answer = asyncio.ensure_future(self.call(event, data))
        closed = asyncio.ensure_future(self.gone.wait())
        await asyncio.wait({answer, closed}, return_when=asyncio.FIRST_COMPLETED)
        closed.cancel()
        if answer.done() and not answer.cancelled() and answer.exception() is None:
            return answer.result()
        answer.cancel()
        return None

    async def disconnected(self, timeout: float = 10) -> bool:
        try:
            await asyncio.wait_for(self.gone.wait(), timeout)
        except TimeoutError:
            return False
        return True


async def execute(server: LiveServer, sql: str, *args: Any) -> None:
    """Run one statement on the live server's database (`?` placeholders), as another program
    writing to it would: no worker hears of it."""
    url = server.database_url
    if url.startswith("sqlite"):
        path = urlsplit(url).path
        await asyncio.to_thread(_execute_sqlite, path, sql, args)
        return
    numbered = sql
    for number in range(1, len(args) + 1):
        numbered = numbered.replace("?", f"${number}", 1)
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(numbered, *args)
    finally:
        await connection.close()


def _execute_sqlite(path: str, sql: str, args: tuple) -> None:
    with sqlite3.connect(path, timeout=10) as connection:
        connection.execute("PRAGMA foreign_keys = ON")  # deletes cascade, as the server's do
        connection.execute(sql, args)
