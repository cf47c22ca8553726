"""The profile: reading and changing it, and deleting the account with everything in it."""

from __future__ import annotations

import pytest

from server.models.auth_session import AuthSession
from server.models.song import Song
from server.models.user import User
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
    response = await client.patch("/api/me", json=changes)
    body = await response.get_json()
    assert (body["display_name"], body["email"]) == ("Grace Hopper", "grace@navy.example")
    assert (await auth.login("grace@navy.example")).status_code == 200


async def test_email_taken_by_someone_else_is_refused(auth, client, make_user):
    other = await make_user()
    await auth.signup()
    response = await client.patch("/api/me", json={"email": other.email.upper()})
    assert response.status_code == 409


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
