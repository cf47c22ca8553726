"""Logins that really end: the cookie carries only a random auth id looked up on every use.

quart-auth signs and sets the cookie; the `AuthSession` table decides whether it still counts.
"""

from __future__ import annotations

from datetime import timedelta

from quart import Quart, current_app, g
from quart_auth import AuthUser, QuartAuth, current_user, login_user, logout_user
from werkzeug.exceptions import Unauthorized
from werkzeug.http import parse_cookie

from server.config import Config, current_config
from server.models.auth_session import AuthSession, utc_now
from server.models.user import User

SESSION_COOKIE = "cadenza_session"


class SessionUser(AuthUser):
    """quart-auth's user, authenticated only while its session row is live."""

    @property
    async def is_authenticated(self) -> bool:
        return await signed_in_user() is not None


def init_sessions(app: Quart, config: Config) -> QuartAuth:
    app.config.update(
        QUART_AUTH_COOKIE_NAME=SESSION_COOKIE,
        QUART_AUTH_COOKIE_SECURE=config.cookie_secure,
        QUART_AUTH_COOKIE_SAMESITE="Lax",
        QUART_AUTH_COOKIE_HTTP_ONLY=True,
        # The signature outlives no session; the table enforces the real lifetimes.
        QUART_AUTH_DURATION=config.remember_seconds,
    )
    return QuartAuth(app, user_class=SessionUser)


async def load_session(
    auth_id: str | None, config: Config, *, with_user: bool = True
) -> AuthSession | None:
    """The live session behind `auth_id` (with its user unless not needed: a cheaper query),
    refreshing its last use; else None."""
    if not auth_id:
        return None
    query = AuthSession.get_or_none(auth_id=auth_id)
    session = await (query.select_related("user") if with_user else query)
    now = utc_now()
    idle = timedelta(seconds=config.session_idle_seconds)
    if session is None or not session.is_active(now, idle):
        return None
    await session.touch(now)
    return session


async def current_session() -> AuthSession | None:
    """The request's session, looked up once per request."""
    if "auth_session" not in g:
        g.auth_session = await load_session(current_user.auth_id, current_config())
    session: AuthSession | None = g.auth_session
    return session


async def signed_in_user() -> User | None:
    session = await current_session()
    return session.user if session else None


async def require_user() -> User:
    """The signed-in user, or a 401 for anonymous, logged-out or expired sessions."""
    user = await signed_in_user()
    if user is None:
        raise Unauthorized()
    return user


async def start_session(user: User, *, remember: bool) -> AuthSession:
    """A new session row and cookie; a browser session ends sooner than a remembered one."""
    await _revoke_previous_session()
    config = current_config()
    seconds = config.remember_seconds if remember else config.session_seconds
    session = await AuthSession.issue(user, remember=remember, lifetime=timedelta(seconds=seconds))
    login_user(SessionUser(session.auth_id), remember=remember)
    g.auth_session = session
    return session


async def _revoke_previous_session() -> None:
    """A login replaces whatever session this browser had, so an old cookie cannot linger."""
    previous = await current_session()
    if previous is not None:
        await previous.revoke()
        await disconnect_ended_sessions(previous.user_id)


async def current_auth_id() -> str | None:
    session = await current_session()
    return session.auth_id if session else None


async def end_session() -> None:
    """Revoke the current session (if any), clear the cookie and close its sockets. Also after
    the account was deleted: its other logins went with it, and their sockets close too."""
    session = await current_session()
    if session is not None:
        await session.revoke()
    logout_user()
    g.auth_session = None
    if session is not None:
        await disconnect_ended_sessions(session.user_id)


async def disconnect_ended_sessions(user_id: int) -> None:
    """Close, on every worker, the sockets of `user_id` opened by logins that have ended. Call
    it once the change that ended them is committed: the workers read the table to decide."""
    logins = current_app.extensions.get("socket_logins")  # server/sockets/logins.py
    if logins is not None:
        await logins.account_changed(user_id)


async def session_for_cookie_header(app: Quart, cookie_header: str | None) -> AuthSession | None:
    """The live session (with its user) a raw `Cookie:` header carries, for connections
    outside a Quart request."""
    token = _cookie_value(cookie_header, SESSION_COOKIE)
    if token is None:
        return None
    auth = next(ext for ext in app.extensions["QUART_AUTH"] if ext.singleton)
    auth_id = auth.load_token(token, app=app)
    return await load_session(auth_id, app.extensions["studio_config"])


def _cookie_value(cookie_header: str | None, name: str) -> str | None:
    return parse_cookie(cookie_header or "").get(name)
