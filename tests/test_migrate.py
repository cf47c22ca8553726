"""`python -m server.migrate` brings fresh and existing databases to the models' schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from server.config import REPO_ROOT
from server.models import APP_LABEL, tortoise_config
from tests.databases import one_database

TABLES = ("users", "auth_sessions", "songs")


def run_migrate(instance_path: Path, database_url: str) -> subprocess.CompletedProcess:
    env = os.environ | {"INSTANCE_PATH": str(instance_path), "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "server.migrate"]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)


async def query(database_url: str, sql: str) -> list[dict[str, Any]]:
    """Rows of one statement, through the ORM's own driver for the URL (SQLite or PostgreSQL)."""
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(database_url))
        return await context.connections.get("default").execute_query_dict(sql)


async def test_fresh_then_existing_database_reach_the_current_schema(tmp_path, databases):
    with one_database(databases, tmp_path, migrated=False) as url:
        fresh = run_migrate(tmp_path, url)
        assert fresh.returncode == 0, fresh.stderr
        for table in TABLES:
            assert await query(url, f"SELECT COUNT(*) AS n FROM {table}") == [{"n": 0}]
        if url.startswith("sqlite"):
            assert await query(url, "PRAGMA journal_mode") == [{"journal_mode": "wal"}]
        await query(
            url,
            "INSERT INTO users (email, display_name, password_hash, created_at) "
            "VALUES ('kept@example.com', 'Kept', 'x', '2024-01-01T00:00:00+00:00')",
        )
        again = run_migrate(tmp_path, url)
        assert again.returncode == 0, again.stderr
        assert await query(url, "SELECT email FROM users") == [{"email": "kept@example.com"}]


async def test_a_room_piece_from_before_chords_were_stored_has_none(tmp_path, databases):
    """The chords column arrives on a table that already holds pieces: they get no chords."""
    with one_database(databases, tmp_path, migrated=False) as url:
        async with TortoiseContext():
            await migrate(config=tortoise_config(url), target="studio.0004_stream_progress")
        await query(
            url,
            "INSERT INTO users (email, display_name, password_hash, created_at) "
            "VALUES ('host@example.com', 'Host', 'x', '2024-01-01T00:00:00+00:00')",
        )
        await query(
            url,
            "INSERT INTO rooms (id, name, invite_token, owner_id, created_at, playback, tempo, "
            "paused_beats, effective_ms, revision) SELECT 'r1', 'Room', 't1', id, "
            "'2024-01-01T00:00:00+00:00', 'idle', 120, 0, 0, 0 FROM users",
        )
        await query(
            url,
            "INSERT INTO room_pieces (id, room_id, kind, title, tempo, key, mode, instrument, "
            "notes, expected_beats, complete, created_at) VALUES ('p1', 'r1', 'song', 'Old', "
            "120, 'C', 'major', 'piano', '[]', 0, true, '2024-01-01T00:00:00+00:00')",
        )
        upgraded = run_migrate(tmp_path, url)
        assert upgraded.returncode == 0, upgraded.stderr
        [row] = await query(url, "SELECT chords FROM room_pieces")
        chords = row["chords"]
        assert (json.loads(chords) if isinstance(chords, str) else chords) == []


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
