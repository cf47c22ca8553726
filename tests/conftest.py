"""Shared fixtures: a real app on a database of its own, clients, users, songs, a live server.

`app`, `client`, `auth`, `make_user`, `make_song` run in-process through Quart's test client;
`live_server` is a real Hypercorn process for socket and browser tests. Databases are SQLite
files, or PostgreSQL ones with CADENZA_TEST_DATABASE=postgres (see tests/databases.py).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from quart import Quart
from quart.datastructures import FileStorage
from quart.testing import QuartClient
from yarl import URL

from server.app import create_app
from server.config import REPO_ROOT, Config
from server.models.song import Song
from server.models.user import User
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER, UNSAFE_METHODS
from server.security.sessions import SESSION_COOKIE
from server.services.songs import save_song
from tests.databases import (
    BACKEND_VARIABLE,
    DatabaseSource,
    DatabaseUnavailableError,
    one_database,
    open_test_databases,
)
from tests.notes import beat_notes

TESTS_ROOT = Path(__file__).parent
# Markers given by what a test needs (registered in pyproject.toml); `make test-fast` leaves
# every one of them out.
MARKER_OF_FOLDER = {"browser": "browser", "scale": "scale", "training": "training"}
SLOW_TESTS = {
    "test_openapi_fuzz.py",  # every operation of /openapi.json, 25 generated requests each
    "sockets/test_generation_load.py::test_the_server_keeps_answering_http_while_50_streams_run",
    # Fills the kernel's socket buffers before the server may drop the client: 10 s and more.
    "sockets/test_generation_load.py::test_a_client_that_stops_reading_is_dropped_and_memory_stays_bounded",
    # Plays 8 bars at 120 BPM in real time: 16 s.
    "sockets/test_rooms.py::test_a_member_joining_a_live_generation_gets_the_notes_so_far_then_the_rest",
}

PASSWORD = "correct horse battery"
C_MAJOR_SCALE = [(60 + step, float(beat), 1.0) for beat, step in enumerate((0, 2, 4, 5, 7, 9, 11))]
_emails = itertools.count()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test `browser`, `scale` or `training` by its folder, `postgres` when it needs
    a PostgreSQL server, and `slow` when it is named in SLOW_TESTS."""
    every_database_on_postgres = os.environ.get(BACKEND_VARIABLE) == "postgres"
    for item in items:
        where = item.path.relative_to(TESTS_ROOT)
        marker = MARKER_OF_FOLDER.get(where.parts[0])
        if marker:
            item.add_marker(marker)
        fixtures = getattr(item, "fixturenames", ())
        if "postgres_url" in fixtures or (every_database_on_postgres and "databases" in fixtures):
            item.add_marker("postgres")
        test_id = f"{where.as_posix()}::{item.name}"
        if where.as_posix() in SLOW_TESTS or test_id in SLOW_TESTS:
            item.add_marker("slow")


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{next(_emails)}-{secrets.token_hex(3)}@example.com"


def config_for_tests(instance_path: Path, database_url: str, **overrides: Any) -> Config:
    """A config for tests: its own folder and database, argon2 at its cheapest (KiB, rounds)."""
    fields = {
        "instance_path": instance_path,
        "secret_key": secrets.token_urlsafe(48),
        "database_url": database_url,
        "argon2_time_cost": 1,
        "argon2_memory_cost": 8,
        "argon2_parallelism": 1,
    }
    return Config(**(fields | overrides))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseSource]:
    """Where this run's databases live; the template is migrated once, here. A PostgreSQL
    server that does not answer skips the tests on a workstation and fails them in CI."""
    try:
        chosen = open_test_databases(tmp_path_factory.mktemp("template"))
    except DatabaseUnavailableError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error))
        pytest.skip(str(error))
    try:
        yield chosen
    finally:
        chosen.close()


@pytest.fixture
def database_url(tmp_path: Path, databases: DatabaseSource) -> Iterator[str]:
    """A database of this test's own at the current schema, dropped after it."""
    with one_database(databases, tmp_path) as url:
        yield url


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return config_for_tests(tmp_path, database_url)


@pytest.fixture
async def app(config: Config) -> AsyncIterator[Quart]:
    """The studio app, started (database open) for the length of one test."""
    application = create_app(config)
    async with application.test_app():
        yield application


class StudioTestClient(QuartClient):
    """Quart's test client acting like the page script: it echoes the CSRF cookie on writes."""

    async def open(self, path: str, *, method: str = "GET", headers: Any = None, **kwargs: Any):
        if method.upper() in UNSAFE_METHODS:
            headers = {CSRF_HEADER: await self.csrf_token(), **dict(headers or {})}
        return await super().open(path, method=method, headers=headers, **kwargs)

    async def csrf_token(self) -> str:
        if self.cookie(CSRF_COOKIE) is None:
            await super().open("/healthz")
        return self.cookie(CSRF_COOKIE) or ""

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookie_jar or () if c.name == name), None)


@pytest.fixture
def client(app: Quart) -> StudioTestClient:
    return StudioTestClient(app)


@pytest.fixture
def new_client(app: Quart):
    """Another browser: a client with its own cookie jar."""
    return lambda: StudioTestClient(app)


def photo_file(data: bytes, filename: str = "photo.png", content_type: str = "image/png"):
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


class AuthActions:
    """Sign-up, login and logout through the real API, as a browser would do them."""

    def __init__(self, client: StudioTestClient):
        self.client = client

    async def signup(
        self,
        email: str | None = None,
        password: str = PASSWORD,
        display_name: str = "Ada Lovelace",
        photo: bytes | None = None,
        client: StudioTestClient | None = None,
    ):
        form = {"email": email or unique_email(), "password": password}
        form["display_name"] = display_name
        files = {"photo": photo_file(photo)} if photo is not None else None
        return await (client or self.client).post("/api/auth/signup", form=form, files=files)

    async def login(
        self,
        email: str,
        password: str = PASSWORD,
        remember: bool = False,
        client: StudioTestClient | None = None,
    ):
        body = {"email": email, "password": password, "remember": remember}
        return await (client or self.client).post("/api/auth/login", json=body)

    async def logout(self, client: StudioTestClient | None = None):
        return await (client or self.client).post("/api/auth/logout")


@pytest.fixture
def auth(client: StudioTestClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_user(app: Quart):
    """Builder: a saved user (no HTTP), password `PASSWORD` unless given."""

    async def make(
        email: str | None = None, password: str = PASSWORD, display_name: str = "Test User"
    ) -> User:
        user = User(email=email or unique_email(), display_name=display_name)
        await user.set_password(password, app.extensions["password_hasher"])
        await user.save()
        return user

    return make


@pytest.fixture
def make_song(app: Quart):
    """Builder: a saved song of `owner` from (pitch, start beats, duration beats) notes."""

    async def make(owner: User, notes=C_MAJOR_SCALE, **fields: Any) -> Song:
        fields.setdefault("title", "Test Song")
        return await save_song(owner, beat_notes(notes), **fields)

    return make


@dataclass
class LiveServer:
    """A running Hypercorn process serving the full ASGI app on `base_url`."""

    base_url: str
    instance_path: Path
    database_url: str
    pid: int

    async def session_cookie(
        self, email: str | None = None, password: str = PASSWORD, source: str | None = None
    ) -> str:
        """Sign up a new user and return the `Cookie:` header value that carries the login.
        Sign-ups are rate limited per address: another `source` (127.0.0.x) is another client,
        and without one each sign-up comes from the next of SIGNUP_SOURCES, so the servers the
        run shares never refuse a test for the sign-ups of the tests before it."""
        source = source or next(SIGNUP_SOURCES)
        jar = aiohttp.CookieJar(unsafe=True)
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        async with aiohttp.ClientSession(cookie_jar=jar, connector=connector) as http:
            async with http.get(f"{self.base_url}/healthz") as response:
                token = response.cookies[CSRF_COOKIE].value
            form = {"email": email or unique_email(), "password": password, "display_name": "Live"}
            url = f"{self.base_url}/api/auth/signup"
            async with http.post(url, data=form, headers={CSRF_HEADER: token}) as response:
                assert response.status == 201, await response.text()
            cookies = http.cookie_jar.filter_cookies(URL(self.base_url))
            names = (SESSION_COOKIE, CSRF_COOKIE)
            return "; ".join(f"{name}={cookies[name].value}" for name in names)


# Addresses sign-ups come from by default, in turn: 150 of them, each well under the sign-up
# limit per address (10 in 10 minutes) at the rate a run signs up.
SIGNUP_SOURCES = itertools.cycle([f"127.0.0.{host}" for host in range(100, 250)])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} not healthy after {timeout} s")


@contextlib.contextmanager
def serving(instance_path: Path, **env: str) -> Iterator[LiveServer]:
    """Hypercorn in a subprocess on a free port over `instance_path`, with extra environment
    that names its DATABASE_URL (never the one the shell running the tests may carry)."""
    if "DATABASE_URL" not in env:
        raise ValueError("serving() needs DATABASE_URL, e.g. from the `databases` fixture")
    port = free_port()
    env = os.environ | {"INSTANCE_PATH": str(instance_path), "PYTHONUNBUFFERED": "1"} | env
    command = [sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "server.asgi:app"]
    log = (instance_path / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process)
        yield LiveServer(base_url, instance_path, env["DATABASE_URL"], process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, databases: DatabaseSource) -> Iterator:
    """Hypercorn in a subprocess with its own instance folder and database, shared by the run.

    Login and sign-up limits are off here so that tests sharing it never depend on how many
    accounts the others made; the limits themselves are tested in tests/api.
    """
    instance_path = tmp_path_factory.mktemp("live-instance")
    with one_database(databases, instance_path) as url:
        with serving(instance_path, DATABASE_URL=url, RATE_LIMITS="off") as server:
            yield server
