"""The assembled app: readiness, security headers, CSRF cookie, JSON errors, ASGI wiring."""

from __future__ import annotations

import ast
from dataclasses import replace

import pytest
from schemathesis.python import asgi

from server.app import create_app
from server.asgi import create_asgi_app
from server.config import REPO_ROOT
from server.security.headers import CONTENT_SECURITY_POLICY
from tests.conftest import config_for_tests, unique_email
from tests.databases import one_database


async def test_healthz_reports_ready(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"


async def test_landing_page_sets_csrf_cookie_and_security_headers(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert "csrf_token=" in response.headers.get("Set-Cookie", "")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def directives(policy: str) -> dict[str, str]:
    """A policy header's directives by name, e.g. {"connect-src": "'self'"}."""
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


async def test_scripts_may_connect_only_to_this_site(client):
    policy = directives((await client.get("/")).headers["Content-Security-Policy"])
    assert policy["connect-src"] == "'self'"  # Socket.IO's same-origin websocket included


async def test_powerful_browser_features_are_off_except_midi_for_this_site(client):
    policy = (await client.get("/")).headers["Permissions-Policy"]
    features = dict(part.strip().split("=") for part in policy.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert features["midi"] == "(self)"


@pytest.mark.parametrize("path", ["/", "/dashboard", "/studio", "/rooms", "/api/me", "/api/songs"])
async def test_nothing_shown_to_a_signed_in_user_is_kept_in_a_cache(auth, client, path):
    """Back after logout must not show the name, email and photo from a cached page."""
    await auth.signup()
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("https", [False, True])
async def test_browsers_are_told_to_use_https_only_when_the_site_is_served_over_it(config, https):
    app = create_app(replace(config, cookie_secure=https))
    async with app.test_app():
        response = await app.test_client().get("/healthz")
    hsts = response.headers.get("Strict-Transport-Security")
    assert (hsts is not None) is https
    if https:
        assert int(directives(hsts.replace("=", " "))["max-age"]) >= 365 * 24 * 3600


def test_socket_io_polling_answers_carry_the_security_headers(config):
    """Socket.IO answers its own HTTP requests, outside Quart; the ASGI wrapper adds them."""
    app = create_asgi_app(replace(config, cookie_secure=True))
    try:
        with asgi.get_client(app) as client:
            response = client.get("/socket.io/?EIO=4&transport=polling")
            page = client.get("/healthz")
    finally:
        asgi.shutdown_lifespans()
    assert response.status_code < 500
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Strict-Transport-Security",
    ):
        assert response.headers[name] == page.headers[name]
    assert response.headers["Cache-Control"] == "no-store"


async def test_csrf_cookie_is_not_reset_once_present(client):
    await client.get("/")
    response = await client.get("/")
    assert "csrf_token=" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/no/such/page", 404, "not_found"),
        ("GET", "/api/no-such-endpoint", 404, "not_found"),
        ("PUT", "/healthz", 405, "method_not_allowed"),
        ("GET", "/api/me", 401, "unauthorized"),
    ],
)
async def test_errors_are_json_with_code_and_message(client, method, path, status, code):
    response = await client.open(path, method=method)
    assert response.status_code == status
    error = (await response.get_json())["error"]
    assert error["code"] == code and error["message"]


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("signed_in", [False, True])
async def test_a_browser_asking_for_an_unknown_page_gets_the_sites_404_page(
    auth, client, signed_in
):
    if signed_in:
        await auth.signup(display_name="Clara")
    response = await client.get("/no/such/page", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = await response.get_data(as_text=True)
    assert 'href="/"' in page and "/static/css/app.css" in page  # the site's layout, a way home
    assert "Page not found" in page
    assert ("Clara" in page) is signed_in  # the navigation knows who is looking
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


async def test_api_clients_keep_json_404s_even_when_they_accept_html(client):
    response = await client.get("/api/no-such-endpoint", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert (await response.get_json())["error"]["code"] == "not_found"


async def test_openapi_lists_the_contract_paths(client):
    spec = await (await client.get("/openapi.json")).get_json()
    for path in ("/api/auth/signup", "/api/auth/login", "/api/me", "/api/songs", "/healthz"):
        assert path in spec["paths"]


async def test_asgi_app_forwards_lifespan_to_quart(config):
    """Startup (database open) must run under the Socket.IO wrapper, as Hypercorn drives it."""
    asgi_app = create_asgi_app(config)
    sent: list[dict] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    await asgi_app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_healthz_is_503_until_the_database_is_migrated(tmp_path, databases):
    with one_database(databases, tmp_path, migrated=False) as never_migrated:
        app = create_app(config_for_tests(tmp_path, never_migrated))
        async with app.test_app():
            response = await app.test_client().get("/healthz")
    assert response.status_code == 503
    assert (await response.get_json())["database"] == "unavailable"


def test_behind_a_trusted_proxy_limits_count_per_forwarded_client(config):
    """The proxy appends the peer it saw; entries a client writes before it are not trusted."""
    app = create_asgi_app(replace(config, trusted_proxy_hops=1))
    try:
        with asgi.get_client(app) as client:
            client.get("/healthz")
            csrf = {"X-CSRF-Token": client.cookies["csrf_token"]}

            def login_from(forwarded_for: str) -> int:
                body = {"email": unique_email(), "password": "a guess"}
                headers = csrf | {"X-Forwarded-For": forwarded_for}
                return client.post("/api/auth/login", json=body, headers=headers).status_code

            assert {login_from("198.51.100.1") for _ in range(30)} == {401}
            assert login_from("198.51.100.1") == 429
            assert login_from("203.0.113.7, 198.51.100.1") == 429  # a forged first entry
            assert login_from("198.51.100.2") == 401
    finally:
        asgi.shutdown_lifespans()


# Who may import whom: each layer only from the ones below it (docs: DESIGN.md, "The shape").
LOWER_THAN = {
    "services": {"api", "sockets", "views"},
    "models": {"api", "sockets", "views", "services"},
    "generation": {"api", "sockets", "views", "services", "models"},
}


def server_imports(package: str) -> set[tuple[str, str]]:
    """(module, imported server module) for every import in `server/<package>`, deferred ones
    and those for type checking included."""
    found = set()
    for path in (REPO_ROOT / "server" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in getattr(node, "names", [])]
            if isinstance(node, ast.Import | ast.ImportFrom):
                found |= {(path.stem, name) for name in names if name.startswith("server.")}
    return found


@pytest.mark.parametrize("package", sorted(LOWER_THAN))
def test_each_layer_imports_only_layers_below_it(package):
    upward = {
        (module, name)
        for module, name in server_imports(package)
        if name.split(".")[1] in LOWER_THAN[package]
    }
    assert upward == set()


def test_socket_handlers_and_http_routes_do_not_import_each_other():
    crossing = {(m, n) for m, n in server_imports("api") if n.startswith("server.sockets")}
    crossing |= {(m, n) for m, n in server_imports("sockets") if n.startswith("server.api")}
    assert crossing == set()
