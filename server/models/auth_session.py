"""One login: the random id carried by the session cookie, its lifetimes and its revocation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import cast

from tortoise import fields
from tortoise.models import Model

from server.models.user import User

AUTH_ID_BYTES = 32  # 256 random bits, URL-safe base64 (43 characters)
# Writing last_seen_at on every request would turn reads into writes; a minute is precise enough.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


class AuthSession(Model):
    id = fields.IntField(primary_key=True)
    auth_id = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "studio.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    remember = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_sessions"

    @classmethod
    async def issue(cls, user: User, *, remember: bool, lifetime: timedelta) -> AuthSession:
        """A fresh session with a new random id, so two logins never share a token.

        The user's sessions past their lifetime are dropped here, so the table stays the size
        of the live logins (plus revoked ones until their lifetime ends).
        """
        now = utc_now()
        await cls.filter(user=user, expires_at__lte=now).delete()
        return await cls.create(
            auth_id=secrets.token_urlsafe(AUTH_ID_BYTES),
            user=user,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )

    def is_active(self, now: datetime, idle: timedelta) -> bool:
        """Not revoked, within its absolute lifetime, and used recently enough."""
        return self.revoked_at is None and now < self.expires_at and now - self.last_seen_at < idle

    def ends_at(self, idle: timedelta) -> datetime:
        """When it lapses unless used again: its absolute end, or sooner if it sits idle."""
        return min(self.expires_at, self.last_seen_at + idle)

    @classmethod
    async def active_auth_ids(cls, auth_ids: set[str], now: datetime, idle: timedelta) -> set[str]:
        """Those of `auth_ids` whose sessions are active (as `is_active`), in one query."""
        if not auth_ids:
            return set()
        query = cls.filter(auth_id__in=auth_ids, revoked_at__isnull=True, expires_at__gt=now)
        live = query.filter(last_seen_at__gt=now - idle).values_list("auth_id", flat=True)
        return set(cast(list[str], await live))  # Tortoise's hints know no flat=True

    async def touch(self, now: datetime) -> None:
        if now - self.last_seen_at >= LAST_SEEN_RESOLUTION:
            self.last_seen_at = now
            await self.save(update_fields=["last_seen_at"])

    async def revoke(self) -> None:
        self.revoked_at = utc_now()
        await self.save(update_fields=["revoked_at"])

    @classmethod
    async def revoke_all(cls, user: User, *, keep_auth_id: str | None = None) -> int:
        """Ends every live session of `user` except `keep_auth_id`; returns how many ended."""
        query = cls.filter(user=user, revoked_at__isnull=True)
        if keep_auth_id is not None:
            query = query.exclude(auth_id=keep_auth_id)
        return await query.update(revoked_at=utc_now())


def utc_now() -> datetime:
    return datetime.now(UTC)
