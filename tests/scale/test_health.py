"""`/healthz` reports Redis beside the database when REDIS_URL is set, and fails without it."""

from __future__ import annotations

from dataclasses import replace

from server.app import create_app


async def test_healthz_reports_redis(config, redis_url):
    app = create_app(replace(config, redis_url=redis_url))
    async with app.test_app():
        response = await app.test_client().get("/healthz")
    assert response.status_code == 200
    assert await response.get_json() | {"version": ""} == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "version": "",
    }


async def test_healthz_is_503_when_redis_is_unreachable(config):
    app = create_app(replace(config, redis_url="redis://127.0.0.1:1/0", rate_limits_enabled=False))
    async with app.test_app():
        response = await app.test_client().get("/healthz")
    assert response.status_code == 503
    assert (await response.get_json())["redis"] == "unavailable"


async def test_healthz_says_redis_is_off_without_it(client):
    assert (await (await client.get("/healthz")).get_json())["redis"] == "off"
