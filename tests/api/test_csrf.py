"""CSRF: state-changing requests need the cookie's token echoed back."""

from __future__ import annotations

from dataclasses import replace

import pytest
from quart.testing import QuartClient

from server.app import create_app
from server.models.user import User
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER, SECURE_CSRF_COOKIE
from server.security.sessions import SESSION_COOKIE
from tests.conftest import PASSWORD, unique_email

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


async def rename_with(app, cookies: dict[str, str], token: str):
    """A profile change sent with exactly these cookies and this token (no cookie jar)."""
    browser = QuartClient(app, use_cookies=False)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), CSRF_HEADER: token}
    return await browser.patch("/api/me", json={"display_name": "Mallory"}, headers=headers)


async def test_a_token_from_one_session_is_refused_in_another(app, auth, client, new_client):
    """A token an attacker got in their own session (and planted as a cookie) is useless."""
    await auth.signup()
    attackers_token = client.cookie(CSRF_COOKIE)
    victim = new_client()
    await auth.signup(client=victim, display_name="Victim")
    cookies = {SESSION_COOKIE: victim.cookie(SESSION_COOKIE), CSRF_COOKIE: attackers_token}
    response = await rename_with(app, cookies, attackers_token)
    assert response.status_code == 403
    assert (await response.get_json())["error"]["code"] == "csrf_failed"
    own = {SESSION_COOKIE: victim.cookie(SESSION_COOKIE), CSRF_COOKIE: victim.cookie(CSRF_COOKIE)}
    assert (await rename_with(app, own, own[CSRF_COOKIE])).status_code == 200


async def test_logging_in_and_out_replaces_the_token(app, auth, client):
    email = unique_email()
    anonymous = await client.csrf_token()
    await auth.signup(email=email)
    signed_in = client.cookie(CSRF_COOKIE)
    assert signed_in and signed_in != anonymous
    session = {SESSION_COOKIE: client.cookie(SESSION_COOKIE)}
    planted = await rename_with(app, session | {CSRF_COOKIE: anonymous}, anonymous)
    assert planted.status_code == 403  # the token from before login no longer counts
    assert (await client.patch("/api/me", json={"display_name": "Ada"})).status_code == 200
    await auth.logout()
    assert client.cookie(CSRF_COOKIE) not in {signed_in, anonymous}
    assert (await auth.login(email, PASSWORD)).status_code == 200


async def test_under_https_the_cookie_is_host_only_secure_and_still_works(config):
    app = create_app(replace(config, cookie_secure=True))
    async with app.test_app():
        browser = app.test_client()
        response = await browser.get("/", scheme="https")
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if "csrf" in c)
        assert cookie.startswith(f"{SECURE_CSRF_COOKIE}=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        token = next(c.value for c in browser.cookie_jar if c.name == SECURE_CSRF_COOKIE)
        form = SIGNUP | {"email": unique_email()}
        signup = await browser.post(
            "/api/auth/signup", form=form, headers={CSRF_HEADER: token}, scheme="https"
        )
        assert signup.status_code == 201


async def test_a_token_that_is_not_ascii_is_refused_not_a_server_error(app):
    browser = QuartClient(app, use_cookies=False)
    headers = {"Cookie": f"{CSRF_COOKIE}=caf\u00e9", CSRF_HEADER: "caf\u00e9"}
    response = await browser.post("/api/auth/login", json={}, headers=headers)
    assert response.status_code == 403
