"""Fixtures for several workers sharing PostgreSQL and Redis: a fresh database and a private
Socket.IO channel per test, and a builder that starts worker processes over them."""

from __future__ import annotations

import secrets

import pytest

from tests.test_backends import postgres_url, redis_url  # noqa: F401  (fixtures used here)


@pytest.fixture
def channel() -> str:
    """A Socket.IO channel no other test run publishes on (pub/sub ignores the db number)."""
    return f"cadenza-test-{secrets.token_hex(6)}"
