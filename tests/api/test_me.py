"""The profile: reading and changing it, and deleting the account with everything in it."""

from __future__ import annotations

import pytest

from server.models.auth_session import AuthSession
from server.models.song import Song
from server.models.user import User
from server.security.rate_limits import (
    PASSWORD_CHECKS_PER_ACCOUNT_PER_HOUR,
    PASSWORD_CHECKS_PER_SESSION_PER_MINUTE,
    password_checks_in_flight,
)
from tests.api.images import image_bytes
from tests.conftest import PASSWORD, unique_email


async def test_profile_shows_the_account(auth, client):
    email = unique_email()
    await auth.signup(email=email, display_name="Grace")
    body = await (await client.get("/api/me")).get_json()
    assert body["email"] == email and body["display_name"] == "Grace"
    assert "password_hash" not in body


async def test_change_display_name_and_email(auth, client):
    await auth.signup()
    changes = {"display_name": "Grace Hopper", "email": "Grace@Navy.example"}
    response = await client.patch("/api/me", json=changes | {"current_password": PASSWORD})
    body = await response.get_json()
    assert (body["display_name"], body["email"]) == ("Grace Hopper", "grace@navy.example")
    assert (await auth.login("grace@navy.example")).status_code == 200


async def test_email_taken_by_someone_else_is_refused(auth, client, make_user):
    other = await make_user()
    await auth.signup()
    changes = {"email": other.email.upper(), "current_password": PASSWORD}
    response = await client.patch("/api/me", json=changes)
    assert response.status_code == 409


@pytest.mark.parametrize("current_password", [None, "not my password"])
async def test_changing_the_email_needs_the_current_password(auth, client, current_password):
    """A stolen session cannot move the account to the thief's address."""
    email = unique_email()
    await auth.signup(email=email)
    changes = {"email": unique_email("thief"), "current_password": current_password}
    response = await client.patch("/api/me", json=changes)
    assert response.status_code == 403
    assert (await response.get_json())["error"]["message"].startswith("current_password:")
    assert (await (await client.get("/api/me")).get_json())["email"] == email
    same = await client.patch("/api/me", json={"email": email.upper(), "display_name": "Kept"})
    assert same.status_code == 200  # the address it already has needs no password


async def test_whether_an_email_is_taken_is_told_only_after_the_password(auth, client, make_user):
    other = await make_user()
    await auth.signup()
    guess = {"email": other.email, "current_password": "not my password"}
    response = await client.patch("/api/me", json=guess)
    assert response.status_code == 403  # not 409: without the password, nothing is told


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("DELETE", {"password": "not my password"}),
        ("PATCH", {"password": "a new secret!", "current_password": "not my password"}),
        ("PATCH", {"email": "new@example.com", "current_password": "not my password"}),
    ],
)
async def test_password_checks_are_rate_limited_per_session(auth, client, method, body):
    await auth.signup()
    statuses = [
        (await client.open("/api/me", method=method, json=body)).status_code
        for _ in range(PASSWORD_CHECKS_PER_SESSION_PER_MINUTE + 1)
    ]
    assert statuses == [403] * PASSWORD_CHECKS_PER_SESSION_PER_MINUTE + [429]
    # Every route that checks the password shares the budget, even with the right one.
    right = await client.delete("/api/me", json={"password": PASSWORD})
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    assert (await client.patch("/api/me", json={"display_name": "Ok"})).status_code == 200


async def test_password_checks_of_one_account_are_bounded_across_its_sessions(auth, new_client):
    """Sessions opened one after another do not multiply the guesses against the account."""
    email = unique_email()
    await auth.signup(email=email)
    wrong = {"password": "not my password"}
    statuses = []
    for _ in range(PASSWORD_CHECKS_PER_ACCOUNT_PER_HOUR // PASSWORD_CHECKS_PER_SESSION_PER_MINUTE):
        session = new_client()
        assert (await auth.login(email, client=session)).status_code == 200
        for _ in range(PASSWORD_CHECKS_PER_SESSION_PER_MINUTE):
            statuses.append((await session.delete("/api/me", json=wrong)).status_code)
    assert set(statuses) == {403}
    one_more = new_client()
    await auth.login(email, client=one_more)
    assert (await one_more.delete("/api/me", json=wrong)).status_code == 429


async def test_a_password_check_running_for_the_account_refuses_another(app, auth, client):
    """Checks in flight per account are bounded before any hashing (each takes 64 MiB)."""
    user = await User.get(id=(await (await auth.signup()).get_json())["id"])
    async with password_checks_in_flight(app).hold(user.id):
        busy = await client.delete("/api/me", json={"password": PASSWORD})
    assert busy.status_code == 429
    assert await User.exists(id=user.id)
    assert (await client.delete("/api/me", json={"password": PASSWORD})).status_code == 204


@pytest.mark.parametrize(
    ("changes", "status", "starts_with"),
    [
        ({"password": "a new secret!"}, 403, "current_password:"),
        ({"password": "a new secret!", "current_password": "wrong one"}, 403, "current_password:"),
        ({"password": "short", "current_password": PASSWORD}, 400, "password:"),
        ({"display_name": ""}, 400, "display_name:"),
        ({"display_name": "n" * 51}, 400, "display_name:"),
        ({"display_name": "Tab\there"}, 400, "display_name:"),
        ({"email": "nope"}, 400, "email:"),
        ({"is_admin": True}, 400, "is_admin:"),
    ],
)
async def test_bad_profile_change_is_refused_and_changes_nothing(
    auth, client, changes, status, starts_with
):
    before = await (await auth.signup()).get_json()
    response = await client.patch("/api/me", json=changes)
    assert response.status_code == status
    assert (await response.get_json())["error"]["message"].startswith(starts_with)
    user = await User.get(id=before["id"])
    assert (user.email, user.display_name) == (before["email"], before["display_name"])
    assert (await auth.login(user.email, PASSWORD)).status_code == 200


async def test_account_deletion_removes_songs_photo_and_sessions(auth, client, make_song):
    body = await (await auth.signup(photo=image_bytes())).get_json()
    owner = await User.get(id=body["id"])
    await make_song(owner)
    await make_song(owner)
    response = await client.delete("/api/me", json={"password": PASSWORD})
    assert response.status_code == 204
    assert not await User.exists(id=body["id"])
    assert await Song.filter(owner_id=body["id"]).count() == 0
    assert await AuthSession.filter(user_id=body["id"]).count() == 0
    assert (await client.get("/api/me")).status_code == 401
    assert (await auth.login(body["email"])).status_code == 401


async def test_account_deletion_needs_the_password(auth, client):
    body = await (await auth.signup()).get_json()
    response = await client.delete("/api/me", json={"password": "not it at all"})
    assert response.status_code == 403
    assert await User.exists(id=body["id"])


async def test_profile_needs_login(client):
    assert (await client.get("/api/me")).status_code == 401
    assert (await client.patch("/api/me", json={"display_name": "X"})).status_code == 401
