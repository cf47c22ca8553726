"""Accounts: sign-up, checking credentials, profile and password changes, deletion."""

from __future__ import annotations

from quart import current_app
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.errors import AppError, conflict
from server.models.auth_session import AuthSession, utc_now
from server.models.user import User, normalize_email
from server.security.passwords import PasswordHasher, hash_password, verify_password
from server.security.rate_limits import count_password_check, password_check_slot
from server.security.sessions import disconnect_ended_sessions
from server.services.photos import PHOTO_CONTENT_TYPE, photo_to_avatar
from server.services.registry import services

# Checked when the email is unknown, so both failures take the same time (argon2 dominates).
_TIMING_DECOY = "cadenza-timing-decoy"


def wrong_password(message: str) -> AppError:
    return AppError("wrong_password", message, status=403)


def password_hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions["password_hasher"]
    return hasher


async def sign_up(email: str, password: str, display_name: str, photo: bytes | None) -> User:
    """A new account; the photo is checked first so a bad one leaves nothing behind."""
    avatar = await photo_to_avatar(photo) if photo is not None else None
    email = normalize_email(email)
    await _ensure_email_free(email)
    user = User(email=email, display_name=display_name.strip())
    if avatar is not None:
        _attach_photo(user, avatar)
    await user.set_password(password, password_hasher())
    try:
        await user.save()
    except IntegrityError:  # a concurrent sign-up took the address between check and insert
        raise _email_taken() from None
    return user


async def authenticate(email: str, password: str) -> User:
    """The user these credentials belong to; one answer for unknown email and wrong password."""
    email = normalize_email(email)
    user = await User.get_or_none(email=email)
    async with password_check_slot(user.id if user else email):
        if user is None:
            await verify_password(password_hasher(), await _decoy_hash(), password)
        elif await user.check_password(password, password_hasher()):
            return user
    raise AppError("invalid_credentials", "Wrong email or password.", status=401)


async def update_profile(
    user: User,
    *,
    display_name: str | None = None,
    email: str | None = None,
    new_password: str | None = None,
    current_password: str | None = None,
    keep_auth_id: str | None = None,
) -> User:
    """Apply the given changes; a new email or password needs the current password (checked
    before telling whether the email is taken), and a new password ends other sessions."""
    new_email = normalize_email(email) if email is not None else user.email
    if new_email != user.email or new_password is not None:
        await _check_current_password(user, current_password)
    if display_name is not None:
        user.display_name = display_name.strip()
    if new_email != user.email:
        await _ensure_email_free(new_email)
        user.email = new_email
    if new_password is not None:
        await user.set_password(new_password, password_hasher())
    async with in_transaction():
        await _save_unique(user)
        if new_password is not None:
            await AuthSession.revoke_all(user, keep_auth_id=keep_auth_id)
    await disconnect_ended_sessions(user.id)  # the sockets of the logins just ended close too
    return user


async def set_photo(user: User, data: bytes) -> User:
    _attach_photo(user, await photo_to_avatar(data))
    await user.save(update_fields=["photo", "photo_content_type", "photo_updated_at"])
    return user


async def remove_photo(user: User) -> User:
    user.photo = user.photo_content_type = user.photo_updated_at = None
    await user.save(update_fields=["photo", "photo_content_type", "photo_updated_at"])
    return user


async def delete_account(user: User, password: str) -> None:
    """Remove the account with its sessions, songs and photo (cascading deletes)."""
    await _check_current_password(user, password)
    await user.delete()


def _attach_photo(user: User, avatar: bytes) -> None:
    user.photo = avatar
    user.photo_content_type = PHOTO_CONTENT_TYPE
    user.photo_updated_at = utc_now()


async def _check_current_password(user: User, password: str | None) -> None:
    """Counted (per session and account) and bounded in flight before anything is hashed."""
    if not password:
        raise wrong_password("current_password: enter your current password to confirm.")
    await count_password_check()
    async with password_check_slot(user.id):
        matches = await user.check_password(password, password_hasher())
    if not matches:
        raise wrong_password("current_password: that is not your current password.")


async def _ensure_email_free(email: str) -> None:
    if await User.exists(email=email):
        raise _email_taken()


async def _save_unique(user: User) -> None:
    try:
        await user.save()
    except IntegrityError:
        raise _email_taken() from None


def _email_taken() -> AppError:
    return conflict("email: an account with this email already exists.", code="email_taken")


async def _decoy_hash() -> str:
    held = services()
    if held.password_decoy_hash is None:
        held.password_decoy_hash = await hash_password(password_hasher(), _TIMING_DECOY)
    return held.password_decoy_hash
