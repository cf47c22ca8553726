"""Page routes: the landing, sign-up, login, dashboard, studio and rooms pages.

Pages only render templates; each page's script talks to the JSON API and the socket.
"""

from __future__ import annotations

from urllib.parse import urlencode

from quart import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from server.api.schemas import user_out
from server.generation.melody import GENRES, MODES, PITCH_NAMES
from server.generation.vocabulary import ANY_GENRE
from server.models.user import User
from server.security.sessions import signed_in_user

blueprint = Blueprint("pages", __name__)

# What the studio's controls offer; ANY_GENRE asks the model for no particular genre.
STUDIO_CHOICES = {"genres": (ANY_GENRE, *GENRES), "keys": PITCH_NAMES, "modes": MODES}


async def render_page(template: str, user: User | None, **context: object) -> str:
    """Every page knows its visitor: the user (or None) and the photo's cache-busting URL."""
    photo_url = user_out(user).photo_url if user is not None else None
    return await render_template(template, user=user, photo_url=photo_url, **context)


def login_redirect() -> Response:
    """To the login page, coming back here after logging in."""
    return redirect(f"/login?{urlencode({'next': request.full_path.rstrip('?')})}")


async def guest_page(template: str, **context: object) -> str | Response:
    """A page for people not logged in; a signed-in user goes to the dashboard instead."""
    if await signed_in_user() is not None:
        return redirect("/dashboard")
    return await render_page(template, None, **context)


async def member_page(template: str, **context: object) -> str | Response:
    """A page for signed-in users; anyone else is sent to log in first."""
    user = await signed_in_user()
    if user is None:
        return login_redirect()
    return await render_page(template, user, **context)


@blueprint.get("/")
async def landing() -> str:
    return await render_page("index.html", await signed_in_user())


@blueprint.get("/signup")
async def signup() -> str | Response:
    return await guest_page("signup.html")


@blueprint.get("/login")
async def login() -> str | Response:
    return await guest_page("login.html", active="login")


@blueprint.get("/dashboard")
async def dashboard() -> str | Response:
    return await member_page("dashboard.html", active="dashboard")


@blueprint.get("/studio")
async def studio() -> str | Response:
    return await member_page("studio.html", active="studio", **STUDIO_CHOICES)


@blueprint.get("/rooms")
async def rooms() -> str | Response:
    return await member_page("rooms.html", active="rooms")


@blueprint.get("/rooms/<token>")
async def room(token: str) -> str | Response:
    """A room's invite link; the page joins with `token` over the socket."""
    return await member_page("room.html", active="rooms", token=token, **STUDIO_CHOICES)
