"""The JSON API: one blueprint per feature, thin views that validate and call a service."""

from quart import Quart
from quart_schema import Info, QuartSchema

from server.api import auth, convert, health, me, rooms, songs, uploads

BLUEPRINTS = (
    auth.blueprint,
    me.blueprint,
    songs.blueprint,
    convert.blueprint,
    uploads.blueprint,
    rooms.blueprint,
    health.blueprint,
)


def init_api(app: Quart) -> None:
    """The JSON blueprints and their OpenAPI document at /openapi.json."""
    QuartSchema(
        app,
        info=Info(title="Cadenza", version="1"),
        swagger_ui_path=None,  # the bundled doc pages load inline script from a CDN (CSP)
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
