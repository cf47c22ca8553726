"""Malformed, oversized and too-frequent requests: each a clear 4xx and nothing written."""

from __future__ import annotations

import pytest

from server.models.user import User
from tests.conftest import PASSWORD, unique_email


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/auth/signup"), ("PUT", "/api/me/photo"), ("POST", "/api/auth/login")],
)
async def test_ten_megabyte_body_is_a_413(auth, client, method, path):
    await auth.signup()
    boundary = "cadenza-test"
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    body = b"\0" * (10 * 1024 * 1024)
    response = await client.open(path, method=method, data=body, headers=headers)
    assert response.status_code == 413
    assert (await response.get_json())["error"]["code"] == "too_large"
    assert await User.all().count() == 1  # only the account signed up above


@pytest.mark.parametrize("body", [b"{", b'{"email": "a@b.c",}', b"\xff\xfe", b"[1, 2"])
async def test_malformed_json_is_a_400(auth, client, body):
    await auth.signup()
    headers = {"Content-Type": "application/json"}
    response = await client.patch("/api/me", data=body, headers=headers)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["message"] == "The body is not valid JSON."


# Every route that reads a JSON body; the test below keeps this list complete.
JSON_ROUTES = [
    ("POST", "/api/auth/login"),
    ("PATCH", "/api/me"),
    ("DELETE", "/api/me"),
    ("PATCH", "/api/songs/{song_id}"),
    ("POST", "/api/songs/convert"),
    ("POST", "/api/rooms"),
]


async def test_every_json_route_is_in_the_nesting_test(client):
    spec = await (await client.get("/openapi.json")).get_json()
    json_routes = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert json_routes == set(JSON_ROUTES)


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_deeply_nested_json_is_a_400(auth, client, method, path):
    """A body nested deeper than the parser recurses is unparseable, like any malformed one."""
    await auth.signup()
    headers = {"Content-Type": "application/json"}
    path = path.format(song_id="0123456789abcdef0123456789abcdef")
    response = await client.open(path, method=method, data=b"[" * 5000, headers=headers)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "bad_request"
    assert (await client.get("/api/me")).status_code == 200  # still signed in, still serving


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"null", b"42"])
async def test_json_that_is_not_an_object_is_a_400(client, body):
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/auth/login", data=body, headers=headers)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["message"].startswith("body:")


async def test_json_endpoint_given_a_form_is_a_400(client):
    response = await client.post("/api/auth/login", form={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert "JSON" in (await response.get_json())["error"]["message"]


async def test_login_attempts_on_one_account_are_rate_limited(auth, new_client):
    email = unique_email()
    await auth.signup(email=email)
    statuses = [
        (await auth.login(email, "wrong guess", client=new_client())).status_code for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    blocked = await auth.login(email, PASSWORD, client=new_client())
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert (await blocked.get_json())["error"]["code"] == "rate_limited"


async def test_login_attempts_from_one_address_are_rate_limited(auth):
    statuses = {(await auth.login(unique_email(), "guess")).status_code for _ in range(31)}
    assert statuses == {401, 429}


async def test_signups_from_one_address_are_rate_limited(auth, new_client):
    statuses = [(await auth.signup(client=new_client())).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
    assert await User.all().count() == 10


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/songs/{}"),
        ("GET", "/api/songs/{}/midi"),
        ("PATCH", "/api/songs/{}"),
        ("DELETE", "/api/songs/{}"),
        ("GET", "/api/uploads/{}"),
        ("GET", "/api/rooms/invite/{}"),
        ("POST", "/api/rooms/{}/copy"),
    ],
)
@pytest.mark.parametrize(
    "odd_id",
    [
        "ab%00cd",
        "%00" * 20,
        "caf%C3%A9",
        "a%0Ab",
        "00000000-0000-0000-0000-000000000000",  # a uuid written with dashes: too long
        "0" * 33,
        "a" * 64,
        "z" * 32 + "%E2%99%AB",
        "%E2%99%AB" * 32,
        "x" * 5000,
        "..",
        "a.b",
    ],
)
async def test_an_id_with_characters_no_id_has_is_a_404(auth, client, method, path, odd_id):
    """Ids and tokens are URL-safe; a NUL (which PostgreSQL text cannot hold) is just no such."""
    await auth.signup()
    body = {"title": "Renamed"} if method == "PATCH" else None
    response = await client.open(path.format(odd_id), method=method, json=body)
    assert response.status_code == 404
    assert (await response.get_json())["error"]["code"] in {"not_found", "room_not_found"}


@pytest.mark.parametrize("email", ["nul\x00@example.com", "tab\t@example.com", "a@b\x7f.com"])
async def test_an_email_with_control_characters_is_refused_without_a_server_error(auth, email):
    signup = await auth.signup(email=email)
    assert signup.status_code == 400
    assert (await signup.get_json())["error"]["message"].startswith("email:")
    assert (await auth.login(email)).status_code in {400, 401}
    assert await User.all().count() == 0
