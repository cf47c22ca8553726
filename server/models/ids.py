"""What an id or token from a client may look like before it reaches a query."""

from __future__ import annotations

import re
from typing import Any

# Every id and token the studio mints is hex (uuid4) or URL-safe base64 (secrets.token_urlsafe).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_token(value: Any) -> bool:
    """Whether `value` can be one of the studio's ids or tokens at all. Anything else matches no
    row, and must not be queried: PostgreSQL refuses text holding a NUL outright."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None
