"""Browser fixtures: Debian's Chromium driven by Playwright against a real Hypercorn server.

Every page fails its test on a console error or on any request that leaves localhost.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageOps
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    WebSocketRoute,
    expect,
    sync_playwright,
)
from tortoise import Tortoise

from server.config import REPO_ROOT
from server.generation.lstm import WEIGHTS_FILE
from server.generation.notes import Note
from server.models import tortoise_config
from server.models.song import Song
from server.models.user import User
from server.services.songs import save_song
from tests.conftest import PASSWORD, LiveServer, serving, unique_email
from tests.databases import DatabaseSource, one_database, run_aside
from tests.generation.random_checkpoint import write_lively_checkpoint
from tests.notes import beat_notes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
DOC_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
SOUND_LEVEL = 0.003  # RMS of the output waveform above which the page is audibly playing


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


SHIPPED_CHECKPOINT = REPO_ROOT / "checkpoints" / "melody"
BUILT_ASSETS = REPO_ROOT / "web" / "dist" / "js" / "studio.js"


def skip_or_fail(reason: str) -> None:
    """Missing browser prerequisites skip the tests on a workstation and fail them in CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def studio_server(
    tmp_path_factory: pytest.TempPathFactory, databases: DatabaseSource
) -> Iterator[LiveServer]:
    """The full app with live generation: the shipped model when there is one, else random
    weights (the studio's behaviour, not the music, is under test). Its own process, with
    sign-up limits off: every test here signs up, and the limits are tested in tests/api."""
    instance = tmp_path_factory.mktemp("browser")
    checkpoint = SHIPPED_CHECKPOINT
    if not (checkpoint / WEIGHTS_FILE).exists():
        checkpoint = write_lively_checkpoint(instance / "melody")
    env = {"CADENZA_MODEL_DIR": str(checkpoint), "RATE_LIMITS": "off"}
    with one_database(databases, instance) as url:
        with serving(instance, DATABASE_URL=url, **env) as server:
            yield server


@pytest.fixture(scope="package")
def browser(studio_server: LiveServer) -> Iterator[Browser]:
    """One headless Chromium for the browser tests; never a downloaded browser.

    Playwright's sync API keeps an event loop running on this thread while it is open, so the
    browser starts after the server fixtures (which call asyncio.run) and closes with this
    package, before any async test elsewhere needs the thread's loop.
    """
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not BUILT_ASSETS.exists():
        skip_or_fail("the studio's assets are not built (make assets, or npm ci && npm run build)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def default_autoplay_browser(browser: Browser) -> Iterator[Browser]:
    """A second Chromium under desktop Chrome's default autoplay policy: audio starts only after a
    user gesture (click, key press) in the page, as for people using the studio. Headless
    Chromium allows autoplay unless told otherwise, so the policy is named. It shares the first
    browser's Playwright, whose sync API allows one per thread."""
    args = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--autoplay-policy")]
    args.append("--autoplay-policy=document-user-activation-required")
    launched = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=args)
    yield launched
    launched.close()


@dataclass
class PageProblems:
    """What went wrong on the page: console errors and requests that tried to leave localhost."""

    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    expected_errors: list[re.Pattern[str]] = field(default_factory=list)

    def expect_console_error(self, pattern: str) -> None:
        """A console error the test provokes on purpose (e.g. a 400 it asserts on)."""
        self.expected_errors.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        return [
            text
            for text in self.console_errors
            if not any(pattern.search(text) for pattern in self.expected_errors)
        ]


def _watch(context: BrowserContext, problems: PageProblems) -> None:
    def block_outside(route: Route) -> None:
        problems.outside_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def block_outside_socket(socket: WebSocketRoute) -> None:
        problems.outside_requests.append(socket.url)
        socket.close()

    context.route(lambda url: not is_local(url), block_outside)
    context.route_web_socket(lambda url: not is_local(url), block_outside_socket)


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def context(
    browser: Browser, studio_server: LiveServer, problems: PageProblems
) -> Iterator[BrowserContext]:
    context = watched_context(browser, studio_server.base_url, problems)
    yield context
    context.close()


def watched_context(browser: Browser, base_url: str, problems: PageProblems) -> BrowserContext:
    """A new browser context (its own cookies) whose requests may not leave localhost."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    _watch(context, problems)
    return context


@pytest.fixture
def page(
    context: BrowserContext, problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Page]:
    page = watched_page(context, problems)
    yield page
    screenshot(page, f"last-{request.node.name}")  # what the page showed when the test ended
    assert problems.unexpected_errors() == [], "console errors on the page"
    assert problems.outside_requests == [], "requests left localhost"


def watched_page(context: BrowserContext, problems: PageProblems) -> Page:
    """A new page whose console errors and uncaught exceptions are recorded in `problems`."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda message: _record_console(message, problems))
    page.on(
        "pageerror",
        lambda error: problems.console_errors.append(f"uncaught: {error.stack or error}"),
    )
    return page


def _record_console(message: Any, problems: PageProblems) -> None:
    if message.type == "error":
        problems.console_errors.append(f"{message.text} ({message.location.get('url', '')})")


def wait_for_sound(page: Page) -> None:
    """Waits until the analyser on the player's output reads a non-silent signal."""
    page.wait_for_function(
        "level => Number(document.querySelector('[data-visualizer]').dataset.level) > level",
        arg=SOUND_LEVEL,
    )


def open_studio(page: Page) -> None:
    """Opens the studio and waits until its socket is connected."""
    page.goto("/studio")
    expect(page.locator("[data-connection]")).to_have_attribute("data-status", "connected")


def screenshot(page: Page, name: str, *, keep: bool = False) -> Path:
    """Saves a screenshot in test-output/. With `keep`, and UPDATE_DOC_SCREENSHOTS=1 in the
    environment, it also replaces the README's copy in docs/screenshots/ (a plain test run
    leaves the committed pictures alone)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if keep and os.environ.get("UPDATE_DOC_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (DOC_SCREENSHOTS / f"{name}.png").write_bytes(path.read_bytes())
    return path


def photo_bytes(size: int = 320) -> bytes:
    """A PNG portrait stand-in: a soft radial gradient in the studio's colours."""
    glow = Image.radial_gradient("L").resize((size, size))
    image = ImageOps.colorize(glow, black="#8b9cfb", white="#182036", mid="#5eead4")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photo_png(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(photo_bytes())
    return path


@dataclass
class Account:
    email: str
    password: str
    display_name: str


@pytest.fixture
def signed_in(context: BrowserContext) -> Account:
    """A new account with a photo, logged in inside the browser context (through the API)."""
    return sign_up(context, Account(unique_email("browser"), PASSWORD, "Clara Schumann"))


def sign_up(context: BrowserContext, account: Account) -> Account:
    """Signs `account` up (with a photo) through the API, logging the context in."""
    health = context.request.get("/healthz")
    assert health.ok, health.text()
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrf_token")
    form = {"email": account.email, "password": account.password}
    form["display_name"] = account.display_name
    form["photo"] = {"name": "photo.png", "mimeType": "image/png", "buffer": photo_bytes()}
    response = context.request.post(
        "/api/auth/signup", multipart=form, headers={"X-CSRF-Token": token}
    )
    assert response.status == 201, response.text()
    return account


@pytest.fixture
def insert_song(studio_server: LiveServer):
    """Builder: saves a song of notes, each a `Note` or (pitch, start beats, duration beats), for
    the account `email` straight into the server's database, as a finished generation would;
    returns its id."""
    url = studio_server.database_url
    return lambda email, notes, **fields: _save_for(
        url, email, lambda owner: save_song(owner, _notes(notes), **fields)
    )


def _notes(notes: Iterable[Note | tuple[int, float, float]]) -> list[Note]:
    return [note if isinstance(note, Note) else beat_notes([note])[0] for note in notes]


def _save_for(database_url: str, email: str, save: Callable[[User], Awaitable[Song]]) -> str:
    """The id of the song `save` writes for the account `email`, in the server's database."""

    async def insert() -> str:
        await Tortoise.init(config=tortoise_config(database_url))
        try:
            return (await save(await User.get(email=email))).id
        finally:
            await Tortoise.close_connections()

    return run_aside(insert())  # Playwright's sync API owns this thread's event loop
