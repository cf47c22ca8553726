"""Socket.IO acknowledgements: `{ok: true, ...fields}`, or `{ok: false, error: {code,
message[, field]}}` for an `AppError` (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from server.errors import AppError


async def acknowledge(action: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """The acknowledgement of `action`, which returns its fields or raises `AppError`."""
    try:
        result = await action
    except AppError as error:
        return {"ok": False, "error": error.to_json()}
    return {"ok": True, **result}
