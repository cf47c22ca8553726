"""Sign-up, login and logout through the JSON API."""

from __future__ import annotations

import pytest

from server.models.auth_session import AuthSession
from server.models.user import User
from tests.api.images import image_bytes
from tests.conftest import PASSWORD, unique_email


async def test_signup_creates_account_and_logs_in(auth, client):
    response = await auth.signup(email="Ada@Example.com", display_name="  Ada  ")
    assert response.status_code == 201
    body = await response.get_json()
    assert body["email"] == "ada@example.com"
    assert body["display_name"] == "Ada"
    assert body["photo_url"] is None
    me = await client.get("/api/me")
    assert (await me.get_json())["id"] == body["id"]


async def test_signup_with_photo_stores_a_256_square(auth, client):
    response = await auth.signup(photo=image_bytes((640, 480)))
    assert response.status_code == 201
    assert (await response.get_json())["photo_url"].startswith("/api/me/photo")
    photo = await client.get("/api/me/photo")
    assert photo.status_code == 200
    assert photo.content_type == "image/webp"


async def test_password_is_stored_as_argon2id_hash(auth):
    email = unique_email()
    await auth.signup(email=email)
    user = await User.get(email=email)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("variant", ["dup@example.com", "DUP@EXAMPLE.COM", " Dup@Example.com "])
async def test_duplicate_email_in_any_case_is_refused(auth, new_client, variant):
    await auth.signup(email="dup@example.com")
    response = await auth.signup(email=variant, client=new_client())
    assert response.status_code == 409
    assert (await response.get_json())["error"]["code"] == "email_taken"
    assert await User.filter(email="dup@example.com").count() == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"password": PASSWORD, "display_name": "A"}, "email"),
        ({"email": "a@example.com", "display_name": "A"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD}, "display_name"),
        ({"email": "not-an-email", "password": PASSWORD, "display_name": "A"}, "email"),
        ({"email": "a@example.com", "password": "short", "display_name": "A"}, "password"),
        (
            {"email": "a@example.com", "password": PASSWORD, "display_name": "x" * 51},
            "display_name",
        ),
        ({"email": "a@example.com", "password": PASSWORD, "display_name": "   "}, "display_name"),
        ({"email": "a" * 250 + "@example.com", "password": PASSWORD, "display_name": "A"}, "email"),
        ({"email": "a@example.com", "password": "p" * 1025, "display_name": "A"}, "password"),
    ],
)
async def test_bad_signup_names_the_field_and_writes_nothing(client, form, field):
    response = await client.post("/api/auth/signup", form=form)
    assert response.status_code == 400
    message = (await response.get_json())["error"]["message"]
    assert message.startswith(f"{field}:")
    assert await User.all().count() == 0


async def test_short_password_gets_a_clear_message(client):
    form = {"email": "a@example.com", "password": "1234567", "display_name": "A"}
    response = await client.post("/api/auth/signup", form=form)
    assert (await response.get_json())["error"]["message"] == (
        "password: must be at least 8 characters long"
    )


async def test_login_with_right_password(auth, new_client):
    email = unique_email()
    await auth.signup(email=email)
    browser = new_client()
    response = await auth.login(email.upper(), client=browser)
    assert response.status_code == 200
    assert (await browser.get("/api/me")).status_code == 200


async def test_wrong_password_and_unknown_email_get_the_same_answer(auth, new_client):
    email = unique_email()
    await auth.signup(email=email)
    wrong = await auth.login(email, "wrong password", client=new_client())
    unknown = await auth.login(unique_email(), PASSWORD, client=new_client())
    assert wrong.status_code == unknown.status_code == 401
    assert await wrong.get_json() == await unknown.get_json()


async def test_remember_me_makes_a_persistent_cookie(auth, new_client):
    email = unique_email()
    await auth.signup(email=email)
    remembered = await auth.login(email, remember=True, client=new_client())
    browser_only = await auth.login(email, remember=False, client=new_client())
    assert "Max-Age=" in remembered.headers["Set-Cookie"]
    assert "Max-Age=" not in browser_only.headers["Set-Cookie"]
    sessions = await AuthSession.filter(user__email=email).order_by("id")
    assert sessions[-2].expires_at > sessions[-1].expires_at


async def test_session_cookie_is_http_only_and_lax(auth):
    response = await auth.signup()
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "cadenza_session" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_logout_ends_the_session(auth, client):
    await auth.signup()
    assert (await auth.logout()).status_code == 204
    assert (await client.get("/api/me")).status_code == 401
