"""The databases tests run on: each test or live server gets its own, copied from a template
migrated once per run. SQLite files by default; `CADENZA_TEST_DATABASE=postgres` puts every one
on the PostgreSQL server at `TEST_POSTGRES_URL` and drops them all, template included, at the end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import os
import secrets
import shutil
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg

from server.config import DATABASE_FILE, sqlite_url
from server.migrate import apply_migrations

BACKEND_VARIABLE = "CADENZA_TEST_DATABASE"  # "sqlite" (the default) or "postgres"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
FORCED_DROP_VERSION = 130000  # DROP DATABASE ... WITH (FORCE) arrived in PostgreSQL 13
T = TypeVar("T")


class DatabaseUnavailableError(RuntimeError):
    """The chosen database server does not answer."""


def run_aside(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs `coroutine` to its end on a loop of its own in a worker thread, so that callers inside
    a running loop (async fixtures, Playwright's sync API) can wait for it."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


class DatabaseSource(Protocol):
    """Hands out databases by URL: `fresh` ones at the current schema, `empty` ones without it."""

    def fresh(self, folder: Path) -> str: ...
    def empty(self, folder: Path) -> str: ...
    def drop(self, url: str) -> None: ...
    def close(self) -> None: ...


@contextlib.contextmanager
def one_database(
    databases: DatabaseSource, folder: Path, *, migrated: bool = True
) -> Iterator[str]:
    """A database for one test, dropped afterwards whether the test passed or not."""
    url = databases.fresh(folder) if migrated else databases.empty(folder)
    try:
        yield url
    finally:
        databases.drop(url)


def open_test_databases(folder: Path) -> DatabaseSource:
    """The backend `CADENZA_TEST_DATABASE` names, with its template migrated into `folder`."""
    backend = os.environ.get(BACKEND_VARIABLE, "sqlite").strip().lower() or "sqlite"
    if backend == "sqlite":
        return SqliteDatabases(folder)
    if backend in {"postgres", "postgresql"}:
        return PostgresDatabases(POSTGRES_ADMIN_URL)
    raise ValueError(f"{BACKEND_VARIABLE} must be sqlite or postgres, got {backend!r}")


class SqliteDatabases:
    """Each database is a copy of one migrated file, kept in the test's own folder (which pytest
    removes), so dropping one has nothing to do."""

    def __init__(self, folder: Path) -> None:
        self.template = folder / DATABASE_FILE
        run_aside(apply_migrations(sqlite_url(self.template)))

    def fresh(self, folder: Path) -> str:
        shutil.copy(self.template, folder / DATABASE_FILE)
        return sqlite_url(folder / DATABASE_FILE)

    def empty(self, folder: Path) -> str:
        return sqlite_url(folder / DATABASE_FILE)

    def drop(self, url: str) -> None:
        pass

    def close(self) -> None:
        pass


class PostgresDatabases:
    """Each database is `CREATE DATABASE ... TEMPLATE` of one migrated per run (about 0.1 s).
    Names start with a prefix of this run's own, so two runs on one server never meet, and
    `close` drops whatever still carries it."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"cadenza_test_{os.getpid()}_{secrets.token_hex(3)}_"
        self.template = f"{self.prefix}template"
        self._numbers = itertools.count()
        # Dropping waits for a checkpoint (0.05-0.3 s here); the next test need not wait for it.
        self._dropper = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        run_aside(self._create_template())

    def url(self, name: str) -> str:
        return f"{self.admin_url.rsplit('/', 1)[0]}/{name}"

    def fresh(self, folder: Path) -> str:
        return self._create(f'TEMPLATE "{self.template}"')

    def empty(self, folder: Path) -> str:
        return self._create("TEMPLATE template0")

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        if not name.startswith(self.prefix):
            raise ValueError(f"{name} is not a database of this test run")
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        self._dropper.submit(lambda: asyncio.run(self._admin(statement)))

    def close(self) -> None:
        """Drops every database of this run, the template last (whatever a drop in the
        background missed included)."""
        self._dropper.shutdown(wait=True)
        run_aside(self._drop_all())

    def _create(self, source: str) -> str:
        name = f"{self.prefix}{next(self._numbers)}"
        run_aside(self._admin(f'CREATE DATABASE "{name}" {source}'))
        return self.url(name)

    async def _create_template(self) -> None:
        try:
            version = await self._admin("SHOW server_version_num")
        except (OSError, asyncpg.PostgresError) as error:
            raise DatabaseUnavailableError(
                f"{BACKEND_VARIABLE}=postgres, but PostgreSQL at {self.url('')} does not answer "
                f"({error}); start it or point TEST_POSTGRES_URL at one"
            ) from error
        if int(version) < FORCED_DROP_VERSION:
            raise RuntimeError(f"the tests need PostgreSQL 13 or later (version number {version})")
        await self._admin(f'CREATE DATABASE "{self.template}"')
        try:
            await apply_migrations(self.url(self.template))
            # No session may sit in a template while it is copied, autovacuum's included.
            await self._admin(f'ALTER DATABASE "{self.template}" ALLOW_CONNECTIONS false')
        except BaseException:
            await self._admin(f'DROP DATABASE "{self.template}" WITH (FORCE)')
            raise

    async def _drop_all(self) -> None:
        names = await self._admin(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
            self.prefix,
            rows=True,
        )
        for name in sorted(names, key=lambda name: name == self.template):
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def _admin(self, statement: str, *args: Any, rows: bool = False) -> Any:
        """One statement on a short connection of its own (CREATE/DROP DATABASE cannot run in a
        transaction); the first column of every row with `rows`, else of the first row."""
        connection = await asyncpg.connect(self.admin_url, timeout=10)
        try:
            records = await connection.fetch(statement, *args)
        finally:
            await connection.close()
        column = [record[0] for record in records]
        return column if rows else (column[0] if column else None)
