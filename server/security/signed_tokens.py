"""Tokens the server signs for one purpose and one subject, checked without storing them:
`nonce.HMAC-SHA256(secret key, purpose, subject, nonce)`, URL-safe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from quart import current_app

NONCE_BYTES = 16
TOKEN_MAX_LENGTH = 128  # characters; ours are 66, anything longer is not worth a hash


def new_signed_token(purpose: str, subject: str) -> str:
    """A fresh token for `subject` (e.g. a session's auth id) under `purpose` (e.g. "csrf")."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    return f"{nonce}.{_signature(purpose, subject, nonce)}"


def signed_token_fits(token: str, purpose: str, subject: str) -> bool:
    """Whether `token` was signed by this server for `subject` under `purpose`."""
    nonce, _, signature = token.partition(".")
    if not nonce or not signature or len(token) > TOKEN_MAX_LENGTH:
        return False
    return same_text(signature, _signature(purpose, subject, nonce))


def same_text(first: str, second: str) -> bool:
    """Constant-time equality of two strings of any characters (compare_digest refuses str
    holding anything but ASCII, so both are compared as UTF-8)."""
    return hmac.compare_digest(first.encode(), second.encode())


def _signature(purpose: str, subject: str, nonce: str) -> str:
    message = "|".join((purpose, subject, nonce)).encode()
    digest = hmac.new(_secret_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _secret_key() -> bytes:
    key = current_app.secret_key
    if not key:
        raise RuntimeError("the app has no secret key to sign tokens with")
    return key.encode() if isinstance(key, str) else key
