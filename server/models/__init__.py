"""Tortoise models of the studio and the ORM configuration that lists them."""

from __future__ import annotations

from typing import Any

APP_LABEL = "studio"
MIGRATIONS_MODULE = "migrations"
MODEL_MODULES = [
    "server.models.user",
    "server.models.auth_session",
    "server.models.song",
    "server.models.upload",
    "server.models.room",
    "server.models.room_member",
    "server.models.room_connection",
    "server.models.room_message",
    "server.models.room_piece",
    "server.models.room_jam_event",
    "server.models.stream_progress",
]


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise configuration for one database; migrations live in the repo's `migrations/`."""
    return {
        "connections": {"default": database_url},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the tortoise CLI when writing a new migration after a model change:
#   TORTOISE_ORM=server.models.TORTOISE_ORM python -m tortoise makemigrations
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
