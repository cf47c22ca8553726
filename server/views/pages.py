"""Page routes: the landing, sign-up, login, dashboard, studio and rooms pages.

Pages only render templates; each page's script talks to the JSON API and the socket.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseTypes
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from server.api.schemas import user_out
from server.errors import http_error_response, wants_a_page
from server.generation.chord_track import CHORD_TRACK_NAME, CHORD_VELOCITY
from server.generation.instruments import DEFAULT_INSTRUMENT, INSTRUMENTS
from server.generation.melody import GENRES, MODES, PITCH_NAMES
from server.generation.notes import browser_constants
from server.generation.progression_presets import presets_for
from server.generation.song_parts import PART_OF_TRACK
from server.generation.vocabulary import ANY_GENRE
from server.models.user import User
from server.security.sessions import signed_in_user

blueprint = Blueprint("pages", __name__)


def chord_presets() -> dict[str, list[dict[str, str]]]:
    """The preset progressions the studio's chord picker offers under each genre (all of them
    for any genre), as Roman numerals in either mode so they fit whatever key is chosen."""
    return {
        genre: [
            {
                "name": preset.name,
                "label": preset.label,
                "major": preset.major,
                "minor": preset.minor,
            }
            for preset in presets_for(None if genre == ANY_GENRE else genre)
        ]
        for genre in (ANY_GENRE, *GENRES)
    }


# What the studio's controls offer; ANY_GENRE asks the model for no particular genre.
STUDIO_CHOICES = {
    "genres": (ANY_GENRE, *GENRES),
    "keys": PITCH_NAMES,
    "modes": MODES,
    "chord_presets": chord_presets(),
}


def music_constants() -> dict[str, Any]:
    """The music constants the browser reads (web/js/music/constants.js) instead of repeating
    them: the note grid and defaults, pitch names, genres, modes, the player's instruments, how
    a piece's chords are saved and sounded, and the MIDI track each part of a band is saved in."""
    return browser_constants() | {
        "pitchNames": list(PITCH_NAMES),
        "genres": list(GENRES),
        "modes": list(MODES),
        "instruments": {name: instrument.label for name, instrument in INSTRUMENTS.items()},
        "defaultInstrument": DEFAULT_INSTRUMENT,
        "chordTrackName": CHORD_TRACK_NAME,
        "chordVelocity": CHORD_VELOCITY,
        # track name -> part, for reading a saved song's band back from its MIDI file
        "partTracks": PART_OF_TRACK,
    }


async def render_page(template: str, user: User | None, **context: object) -> str:
    """Every page knows its visitor (the user or None, and the photo's cache-busting URL) and
    carries the music constants for its scripts."""
    photo_url = user_out(user).photo_url if user is not None else None
    return await render_template(
        template, user=user, photo_url=photo_url, music_constants=music_constants(), **context
    )


def login_redirect() -> Response:
    """To the login page, coming back here after logging in."""
    return redirect(f"/login?{urlencode({'next': request.full_path.rstrip('?')})}")


def same_site_path(next_page: str | None) -> str | None:
    """`next_page` when it is a path on this site, else None. Browsers strip tabs and newlines
    from a URL and read a backslash as a slash (https://url.spec.whatwg.org/#url-parsing), so
    "/<tab>/evil.example" or "/\\evil.example" would leave the site: none of them pass."""
    if not next_page or not next_page.startswith("/") or next_page.startswith("//"):
        return None
    if "\\" in next_page or any(ord(char) < 0x20 or ord(char) == 0x7F for char in next_page):
        return None
    parts = urlsplit(next_page)
    return None if parts.scheme or parts.netloc else next_page


async def guest_page(template: str, **context: object) -> str | Response:
    """A page for people not logged in; a signed-in user goes on to the page a `next` link asks
    for (one of ours), else to the dashboard. The page's links to log in or sign up keep `next`."""
    next_page = same_site_path(request.args.get("next"))
    if await signed_in_user() is not None:
        return redirect(next_page or "/dashboard")
    next_query = f"?{urlencode({'next': next_page})}" if next_page else ""
    return await render_page(template, None, next_query=next_query, **context)


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


@blueprint.app_errorhandler(NotFound)
async def not_found(error: NotFound) -> ResponseTypes | tuple[str, int]:
    """An unknown address: the site's 404 page for a browser navigating, JSON for the API."""
    if not wants_a_page():
        return await http_error_response(error)
    return await render_page("404.html", await signed_in_user()), 404
