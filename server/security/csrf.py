"""Double-submit CSRF protection: a readable `csrf_token` cookie echoed on every unsafe request.

Scripts send it in the `X-CSRF-Token` header, HTML forms in a `csrf_token` field. A cross-site
page can make the browser send the cookie but cannot read it, so it cannot echo it.
"""

from __future__ import annotations

import hmac
import secrets

from quart import Quart, Response, g, request

from server.errors import AppError

CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
COOKIE_SECONDS = 365 * 24 * 3600  # the token carries no identity, so it may live long


class CsrfError(AppError):
    status = 403
    code = "csrf_failed"


def init_csrf(app: Quart, *, secure: bool) -> None:
    app.before_request(check_csrf_token)
    app.after_request(_set_cookie_when_missing(secure))
    app.context_processor(lambda: {"csrf_token": csrf_token})


def csrf_token() -> str:
    """The token of this browser (from its cookie), or a new one the response will set."""
    if "csrf_token" not in g:
        g.csrf_token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return g.csrf_token


async def check_csrf_token() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    submitted = request.headers.get(CSRF_HEADER) or await _form_token()
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise CsrfError(
            "Missing or wrong CSRF token: send the csrf_token cookie's value "
            f"in the {CSRF_HEADER} header (or a csrf_token form field)."
        )


async def _form_token() -> str:
    if request.mimetype not in FORM_TYPES:
        return ""
    return (await request.form).get(CSRF_FIELD, "")


def _set_cookie_when_missing(secure: bool):
    async def set_cookie(response: Response) -> Response:
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(
                CSRF_COOKIE,
                csrf_token(),
                max_age=COOKIE_SECONDS,
                secure=secure,
                httponly=False,  # the page's script reads it to echo it
                samesite="Lax",
            )
        return response

    return set_cookie
