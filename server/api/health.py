"""`GET /healthz`: the load balancer's and the test harness's "ready to serve" probe."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from quart import Blueprint
from quart_schema import validate_response

from server.api.schemas import HealthOut
from server.database import database_ready

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@validate_response(HealthOut, 200)
@validate_response(HealthOut, 503)
async def healthz() -> tuple[HealthOut, int]:
    if await database_ready():
        return HealthOut(status="ok", database="ok", version=app_version()), 200
    return HealthOut(status="unavailable", database="unavailable", version=app_version()), 503


def app_version() -> str:
    try:
        return version("cadenza")
    except PackageNotFoundError:  # run from a checkout, not installed
        return "dev"
