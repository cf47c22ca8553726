"""Sign-up, login and logout through the JSON API."""

from __future__ import annotations

import pytest

from server.models.auth_session import AuthSession
from server.models.user import User
from server.security.rate_limits import ACCOUNT_CEILING_PER_HOUR, password_checks_in_flight
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
    assert "Max-Age=" in session_set_cookie(remembered)
    assert "Max-Age=" not in session_set_cookie(browser_only)
    sessions = await AuthSession.filter(user__email=email).order_by("id")
    assert sessions[-2].expires_at > sessions[-1].expires_at


def session_set_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if "cadenza_session=" in c)


async def test_session_cookie_is_http_only_and_lax(auth):
    cookie = session_set_cookie(await auth.signup())
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_logout_ends_the_session(auth, client):
    await auth.signup()
    assert (await auth.logout()).status_code == 204
    assert (await client.get("/api/me")).status_code == 401


async def login_from(client, address: str, email: str, password: str = "a wrong guess"):
    """A login attempt from the client address `address` (as the server's peer)."""
    body = {"email": email, "password": password}
    return await client.post("/api/auth/login", json=body, scope_base={"client": (address, 50000)})


async def test_an_attackers_failures_do_not_lock_the_owner_out(auth, client, new_client):
    """Someone who knows an email and fails from their address is refused there, not the owner."""
    email = unique_email()
    await auth.signup(email=email)
    attacker = new_client()
    statuses = [(await login_from(attacker, "203.0.113.9", email)).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    owner = new_client()  # another browser of the owner's, somewhere else
    assert (await login_from(owner, "198.51.100.4", email, PASSWORD)).status_code == 200
    still = await login_from(new_client(), "203.0.113.9", email, PASSWORD)
    assert still.status_code == 429  # the guessing address stays refused for this account


async def test_guesses_from_many_addresses_slow_new_browsers_but_not_the_owners(auth, new_client):
    """Past the account's hourly ceiling a browser that never signed in to it is slowed to one
    attempt a minute or so; a browser that did sign in to it keeps logging in."""
    email = unique_email()
    owners_browser = new_client()
    await auth.signup(email=email, client=owners_browser)
    await auth.logout(client=owners_browser)
    guesses = [
        (await login_from(new_client(), f"203.0.113.{n // 5}", email)).status_code
        for n in range(ACCOUNT_CEILING_PER_HOUR)
    ]
    assert guesses == [401] * ACCOUNT_CEILING_PER_HOUR
    slowed = await login_from(new_client(), "198.51.100.77", email, PASSWORD)
    assert slowed.status_code == 429
    assert 0 < int(slowed.headers["Retry-After"]) <= 3600 // ACCOUNT_CEILING_PER_HOUR + 1
    welcome = await login_from(owners_browser, "198.51.100.78", email, PASSWORD)
    assert welcome.status_code == 200


async def test_a_password_check_already_running_for_the_account_refuses_another(app, auth):
    """Checks in flight per account are bounded before any hashing (each takes 64 MiB)."""
    email = unique_email()
    user = await User.get(id=(await (await auth.signup(email=email)).get_json())["id"])
    async with password_checks_in_flight(app).hold(user.id):  # another check of it is running
        busy = await auth.login(email, PASSWORD)
    assert busy.status_code == 429
    assert (await auth.login(email, PASSWORD)).status_code == 200
