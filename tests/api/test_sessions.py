"""Sessions that really end: replayed cookies, password changes, lifetimes, fresh tokens."""

from __future__ import annotations

import base64
from datetime import timedelta

from server.models.auth_session import AuthSession, utc_now
from server.security.sessions import SESSION_COOKIE
from tests.conftest import PASSWORD, unique_email


def session_cookie(client) -> str:
    return client.cookie(SESSION_COOKIE)


def with_signature_flipped(cookie: str) -> str:
    """The cookie with one bit of its signature's first byte flipped: editing the base64 text
    itself could touch only padding bits and leave the signed bytes as they were."""
    signed, _, signature = cookie.rpartition(".")
    digest = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    digest[0] ^= 0x01
    return f"{signed}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


async def test_cookie_replayed_after_logout_is_refused(auth, client, new_client):
    await auth.signup()
    captured = session_cookie(client)
    await auth.logout()
    replay = new_client()
    replay.set_cookie("localhost", SESSION_COOKIE, captured)
    response = await replay.get("/api/me")
    assert response.status_code == 401


async def test_each_login_issues_a_new_token(auth, new_client):
    email = unique_email()
    await auth.signup(email=email)
    first, second = new_client(), new_client()
    await auth.login(email, client=first)
    await auth.login(email, client=second)
    assert session_cookie(first) != session_cookie(second)
    assert await AuthSession.filter(user__email=email).count() == 3


async def test_login_in_the_same_browser_replaces_its_old_session(auth, client):
    email = unique_email()
    await auth.signup(email=email)
    await auth.login(email)
    live = await AuthSession.filter(user__email=email, revoked_at__isnull=True).count()
    assert live == 1


async def test_password_change_ends_the_other_sessions_only(auth, client, new_client):
    email = unique_email()
    await auth.signup(email=email)
    other = new_client()
    await auth.login(email, client=other)
    response = await client.patch(
        "/api/me", json={"password": "a brand new secret", "current_password": PASSWORD}
    )
    assert response.status_code == 200
    assert (await client.get("/api/me")).status_code == 200
    assert (await other.get("/api/me")).status_code == 401
    assert (await auth.login(email, "a brand new secret", client=new_client())).status_code == 200


async def test_idle_session_expires(auth, client, app):
    await auth.signup()
    idle = app.extensions["studio_config"].session_idle_seconds
    await AuthSession.all().update(last_seen_at=utc_now() - timedelta(seconds=idle + 1))
    assert (await client.get("/api/me")).status_code == 401


async def test_session_past_its_absolute_lifetime_expires(auth, client):
    await auth.signup()
    await AuthSession.all().update(expires_at=utc_now() - timedelta(seconds=1))
    assert (await client.get("/api/me")).status_code == 401


async def test_tampered_cookie_is_refused(auth, client, new_client):
    await auth.signup()
    forged = new_client()
    forged.set_cookie("localhost", SESSION_COOKIE, with_signature_flipped(session_cookie(client)))
    assert (await forged.get("/api/me")).status_code == 401
