"""`GET /healthz`: the load balancer's and the test harness's "ready to serve" probe."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from quart import Blueprint
from quart_schema import validate_response

from server.api.schemas import HealthOut
from server.config import current_config
from server.database import database_ready, redis_ready

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@validate_response(HealthOut, 200)
@validate_response(HealthOut, 503)
async def healthz() -> tuple[HealthOut, int]:
    """Ready when the database answers and, where REDIS_URL is set, Redis does too."""
    redis_url = current_config().redis_url
    database = "ok" if await database_ready() else "unavailable"
    redis = "off" if not redis_url else "ok" if await redis_ready(redis_url) else "unavailable"
    ready = database == "ok" and redis != "unavailable"
    status = "ok" if ready else "unavailable"
    health = HealthOut(status=status, database=database, redis=redis, version=app_version())
    return health, 200 if ready else 503


def app_version() -> str:
    try:
        return version("cadenza")
    except PackageNotFoundError:  # run from a checkout, not installed
        return "dev"
