"""Page routes: the landing, sign-up, login, dashboard and studio pages."""

from quart import Blueprint, render_template

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
async def landing() -> str:
    return await render_template("index.html")
