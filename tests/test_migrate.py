"""`python -m server.migrate` brings fresh and existing databases to the models' schema."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from server.config import DATABASE_FILE, REPO_ROOT
from server.models import APP_LABEL, tortoise_config

TABLES = {"users", "auth_sessions", "songs"}


def run_migrate(instance_path: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"INSTANCE_PATH": str(instance_path)}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "server.migrate"]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def test_fresh_then_existing_database_reach_the_current_schema(tmp_path):
    fresh = run_migrate(tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    database = tmp_path / DATABASE_FILE
    assert TABLES <= tables(database)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        connection.execute(
            "INSERT INTO users (email, display_name, password_hash, created_at) "
            "VALUES ('kept@example.com', 'Kept', 'x', '2024-01-01T00:00:00+00:00')"
        )
    again = run_migrate(tmp_path)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT email FROM users").fetchall() == [("kept@example.com",)]


async def test_models_and_migrations_agree():
    """A model change without its migration fails here, not in production."""
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as context:
        await context.init(config=config)
        detector = MigrationAutodetector(context.apps, config["apps"])
        pending = await detector.changes()
    assert [writer.name for writer in pending] == [], (
        f"models changed without a migration in app {APP_LABEL}: "
        "TORTOISE_ORM=server.models.TORTOISE_ORM python -m tortoise makemigrations"
    )
