"""The application factory: `create_app(config)` wires every part of the studio together."""

from __future__ import annotations

from quart import Quart

from server.api import init_api
from server.config import REPO_ROOT, Config
from server.database import init_database
from server.errors import install_error_handling
from server.security.csrf import init_csrf
from server.security.headers import init_security_headers
from server.security.passwords import make_hasher
from server.security.rate_limits import init_rate_limits
from server.security.sessions import init_sessions
from server.services.registry import init_services
from server.views import pages


def create_app(config: Config | None = None) -> Quart:
    """A ready-to-serve Quart app; `config` defaults to the environment's."""
    config = config or Config.from_env()
    app = Quart(
        __name__,
        instance_path=str(config.instance_path),
        template_folder=str(REPO_ROOT / "web" / "templates"),
        static_folder=str(REPO_ROOT / "web" / "dist"),
        static_url_path="/static",
    )
    app.secret_key = config.secret_key
    app.config["MAX_CONTENT_LENGTH"] = config.max_content_length
    app.extensions["studio_config"] = config
    app.extensions["password_hasher"] = make_hasher(
        config.argon2_time_cost, config.argon2_memory_cost, config.argon2_parallelism
    )
    install_error_handling(app)
    init_database(app, config.database_url)
    # The melody engine and the genre classifier behind each song's "sounds like", loaded once.
    init_services(app, config)
    # CSRF before the rate limiter, so forged requests cost nothing.
    init_csrf(app, secure=config.cookie_secure)
    init_rate_limits(app, redis_url=config.redis_url, enabled=config.rate_limits_enabled)
    init_sessions(app, config)
    init_security_headers(app)
    init_api(app)
    app.register_blueprint(pages.blueprint)
    return app
