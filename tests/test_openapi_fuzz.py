"""Schemathesis against /openapi.json, in process: no generated input may cause a 5xx.

A signed-in session (with its CSRF token) sends every request, so generated bodies reach the
validation and service code behind the login and CSRF checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.python import asgi

from server.asgi import create_asgi_app
from server.security.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.conftest import PASSWORD, unique_email

EXAMPLES_PER_OPERATION = 25
SKIPPED = {("POST", "/api/auth/logout")}  # it would only end the session the fuzzing uses


@pytest.fixture
def fuzz_target(config) -> Iterator[tuple]:
    """The full ASGI app (rate limits off so inputs reach deeper) and a signed-in client."""
    app = create_asgi_app(replace(config, rate_limits_enabled=False))
    try:
        with asgi.get_client(app) as client:
            client.get("/healthz")
            token = client.cookies[CSRF_COOKIE]
            form = {"email": unique_email(), "password": PASSWORD, "display_name": "Fuzz"}
            signup = client.post("/api/auth/signup", data=form, headers={CSRF_HEADER: token})
            assert signup.status_code == 201, signup.text
            yield app, client, client.cookies[CSRF_COOKIE]  # signing up issued a new token
    finally:
        asgi.shutdown_lifespans()  # closes the database before the next test opens its own


def test_no_generated_input_causes_a_server_error(fuzz_target):
    app, client, token = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        failures += fuzz_operation(operation, client, token)
    assert failures == []


def fuzz_operation(operation, client, token) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,  # the same inputs every run: a failure reproduces
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def send(case) -> None:
        response = case.call(session=client, headers={CSRF_HEADER: token})
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

    send()
    return failures
