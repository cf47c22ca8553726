"""What an id or token from a client may look like before it reaches a query."""

from __future__ import annotations

import re
from typing import Any

# Every id and token a client names is hex (uuid4, 32 characters) or URL-safe base64 (a room's
# invite, 32 characters), and the id columns hold at most 32: a longer value is no such row, and
# must not reach a query, where the ORM refuses it as too long for the column.
ID_MAX_LENGTH = 32
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{1,{ID_MAX_LENGTH}}}")


def is_token(value: Any) -> bool:
    """Whether `value` can be one of the studio's ids or tokens at all. Anything else matches no
    row, and must not be queried: PostgreSQL refuses text holding a NUL outright."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None
