"""Page routes: the landing, sign-up, login, dashboard and studio pages.

Pages only render templates; each page's script talks to the JSON API and the socket.
"""

from __future__ import annotations

from urllib.parse import urlencode

from quart import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from server.generation.melody import GENRES, MODES, PITCH_NAMES
from server.generation.vocabulary import ANY_GENRE
from server.models.user import User
from server.security.sessions import signed_in_user

blueprint = Blueprint("pages", __name__)

# What the studio's controls offer; ANY_GENRE asks the model for no particular genre.
STUDIO_CHOICES = {"genres": (ANY_GENRE, *GENRES), "keys": PITCH_NAMES, "modes": MODES}


async def render_page(template: str, user: User | None, **context: object) -> str:
    return await render_template(template, user=user, **context)


def login_redirect() -> Response:
    """To the login page, coming back here after logging in."""
    return redirect(f"/login?{urlencode({'next': request.full_path.rstrip('?')})}")


@blueprint.get("/")
async def landing() -> str:
    return await render_page("index.html", await signed_in_user())


@blueprint.get("/signup")
async def signup() -> str | Response:
    user = await signed_in_user()
    if user is not None:
        return redirect("/dashboard")
    return await render_page("signup.html", user)


@blueprint.get("/login")
async def login() -> str | Response:
    user = await signed_in_user()
    if user is not None:
        return redirect("/dashboard")
    return await render_page("login.html", user, active="login")


@blueprint.get("/dashboard")
async def dashboard() -> str | Response:
    user = await signed_in_user()
    if user is None:
        return login_redirect()
    return await render_page("dashboard.html", user, active="dashboard")


@blueprint.get("/studio")
async def studio() -> str | Response:
    user = await signed_in_user()
    if user is None:
        return login_redirect()
    return await render_page("studio.html", user, active="studio", **STUDIO_CHOICES)
