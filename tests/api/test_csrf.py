"""CSRF: state-changing requests need the cookie's token echoed back."""

from __future__ import annotations

import pytest

from server.models.user import User
from tests.conftest import unique_email

SIGNUP = {"email": "x@example.com", "password": "long enough", "display_name": "X"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/auth/logout"),
        ("POST", "/api/auth/login"),
        ("PATCH", "/api/me"),
        ("DELETE", "/api/me/photo"),
        ("PUT", "/api/me/photo"),
        ("DELETE", "/api/songs/0123456789abcdef0123456789abcdef"),
    ],
)
async def test_unsafe_request_without_token_is_refused(app, method, path):
    browser = app.test_client()
    await browser.get("/")  # the cookie is there, as in any browser; the header is not
    response = await browser.open(path, method=method, json={})
    assert response.status_code == 403
    assert (await response.get_json())["error"]["code"] == "csrf_failed"


async def test_signup_without_token_writes_nothing(app):
    browser = app.test_client()
    response = await browser.post("/api/auth/signup", form=SIGNUP)
    assert response.status_code == 403
    assert await User.all().count() == 0


async def test_wrong_token_is_refused(app):
    browser = app.test_client()
    await browser.get("/")
    headers = {"X-CSRF-Token": "not-the-cookie-value"}
    response = await browser.post("/api/auth/signup", form=SIGNUP, headers=headers)
    assert response.status_code == 403


async def test_html_form_may_send_the_token_as_a_field(app):
    browser = app.test_client()
    await browser.get("/")
    token = next(c.value for c in browser.cookie_jar if c.name == "csrf_token")
    form = SIGNUP | {"email": unique_email(), "csrf_token": token}
    response = await browser.post("/api/auth/signup", form=form)
    assert response.status_code == 201


async def test_csrf_cookie_is_readable_by_scripts(client):
    response = await client.get("/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "csrf_token" in c)
    assert "HttpOnly" not in cookie and "SameSite=Lax" in cookie
