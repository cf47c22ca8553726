"""Double-submit CSRF protection: a readable CSRF cookie echoed on every unsafe request.

Scripts send it in the `X-CSRF-Token` header, HTML forms in a `csrf_token` field. A cross-site
page can make the browser send the cookie but cannot read it, so it cannot echo it. The token
is signed for the login session it was issued in (`nonce.HMAC(secret key, auth id, nonce)`), so
a token planted from another session (a sibling subdomain can set cookies) is refused, and
logging in or out issues a new one. Under HTTPS the cookie is `__Host-csrf_token`: only this
host, over HTTPS, may set it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from quart import Quart, current_app, g, request
from quart.typing import ResponseTypes

from server.errors import AppError
from server.security.sessions import current_auth_id
from server.security.signed_tokens import new_signed_token, same_text, signed_token_fits

CSRF_COOKIE = "csrf_token"
SECURE_CSRF_COOKIE = "__Host-csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
COOKIE_SECONDS = 365 * 24 * 3600  # the session it is bound to decides how long it counts
TOKEN_PURPOSE = "csrf"


def csrf_failed(message: str) -> AppError:
    return AppError("csrf_failed", message, status=403)


def csrf_cookie_name(secure: bool) -> str:
    """The cookie's name: `__Host-` prefixed when cookies are HTTPS-only (COOKIE_SECURE)."""
    return SECURE_CSRF_COOKIE if secure else CSRF_COOKIE


def init_csrf(app: Quart, *, secure: bool) -> None:
    app.extensions["csrf_cookie"] = csrf_cookie_name(secure)
    app.before_request(check_csrf_token)
    app.after_request(_set_cookie_for_the_session(secure))
    app.context_processor(lambda: {"csrf_token": csrf_token})


def new_token(auth_id: str | None) -> str:
    """A fresh token for the session `auth_id` (None: not logged in)."""
    return new_signed_token(TOKEN_PURPOSE, auth_id or "")


def token_fits(token: str, auth_id: str | None) -> bool:
    """Whether `token` was issued by this server for the session `auth_id`."""
    return signed_token_fits(token, TOKEN_PURPOSE, auth_id or "")


async def csrf_token() -> str:
    """The token this browser echoes now: its cookie's while that fits its session, else a new
    one the response sets. Templates call it for their forms' hidden field."""
    auth_id = await current_auth_id()
    token = g.get("csrf_token") or request.cookies.get(_cookie_name(), "")
    if not token_fits(token, auth_id):
        token = new_token(auth_id)
    g.csrf_token = token
    return token


async def check_csrf_token() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.cookies.get(_cookie_name(), "")
    submitted = request.headers.get(CSRF_HEADER) or await _form_token()
    if not expected or not submitted or not same_text(expected, submitted):
        raise csrf_failed(
            "Missing or wrong CSRF token: send the CSRF cookie's value "
            f"in the {CSRF_HEADER} header (or a csrf_token form field)."
        )
    if not token_fits(expected, await current_auth_id()):
        raise csrf_failed("This CSRF token belongs to another login: reload the page and retry.")


def _cookie_name() -> str:
    name: str = current_app.extensions["csrf_cookie"]
    return name


async def _form_token() -> str:
    if request.mimetype not in FORM_TYPES:
        return ""
    token: str = (await request.form).get(CSRF_FIELD, "")
    return token


def _set_cookie_for_the_session(
    secure: bool,
) -> Callable[[ResponseTypes], Awaitable[ResponseTypes]]:
    """After each request, a cookie whose token fits the session as it is now: logging in or
    out changes the session, and a first visit has no cookie yet."""

    async def set_cookie(response: ResponseTypes) -> ResponseTypes:
        name = _cookie_name()
        present = request.cookies.get(name)
        if present and request.endpoint == "static":
            return response  # assets never change the session; no lookup for each of them
        token = await csrf_token()
        if token != present:
            response.set_cookie(
                name,
                token,
                max_age=COOKIE_SECONDS,
                secure=secure,
                httponly=False,  # the page's script reads it to echo it
                samesite="Lax",
            )
        return response

    return set_cookie
