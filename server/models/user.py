"""A person with an account: login email, display name, password hash and profile photo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from server.security.passwords import PasswordHasher, hash_password, verify_password

if TYPE_CHECKING:
    from server.models.auth_session import AuthSession
    from server.models.song import Song

EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit
MAX_USER_ID = 2**31 - 1  # users.id is a 32-bit integer on PostgreSQL; no user has a larger one
DISPLAY_NAME_MAX_LENGTH = 50


def is_user_id(value: Any) -> bool:
    """Whether `value`, as a client sent it, can be a user's id at all; anything else would be
    refused by the database driver rather than simply match nobody."""
    return type(value) is int and 0 < value <= MAX_USER_ID


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively, so they are stored trimmed and lower-cased."""
    return email.strip().lower()


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=EMAIL_MAX_LENGTH, unique=True)
    display_name = fields.CharField(max_length=DISPLAY_NAME_MAX_LENGTH)
    password_hash = fields.CharField(max_length=255)
    # A 256x256 re-encoded image (tens of KB), kept in the database so every worker serves it.
    photo = fields.BinaryField(null=True)
    photo_content_type = fields.CharField(max_length=32, null=True)
    photo_updated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    sessions: fields.ReverseRelation[AuthSession]
    songs: fields.ReverseRelation[Song]

    class Meta:
        table = "users"

    async def set_password(self, password: str, hasher: PasswordHasher) -> None:
        """Hash (off the event loop) and keep the new password; the caller saves."""
        self.password_hash = await hash_password(hasher, password)

    async def check_password(self, password: str, hasher: PasswordHasher) -> bool:
        return await verify_password(hasher, self.password_hash, password)
