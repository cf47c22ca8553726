"""Security headers on every response: no inline script, no framing, no MIME sniffing, no
powerful browser features, no cached private pages, and HTTPS only once served over it."""

from __future__ import annotations

from quart import Quart, Response, request

from server.config import current_config

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    # 'self' covers the same host's ws:/wss: too (CSP Level 3), where Socket.IO connects.
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Features the studio never uses are off for it and anything it embeds; Web MIDI (keyboards
# played into a room) may be used by the studio's own pages.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "display-capture=()",
        "geolocation=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "midi=(self)",
        "payment=()",
        "usb=()",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Sent only under COOKIE_SECURE: a browser that saw it refuses plain HTTP here for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# Pages and API answers hold private data (name, email, photo, songs): no shared or browser
# cache keeps them, so Back after logging out shows nothing of the account.
NO_STORE = "no-store"
STATIC_PREFIX = "/static/"


def security_headers(*, https: bool) -> dict[str, str]:
    """The headers every answer carries, for a site served over HTTPS or not."""
    if https:
        return SECURITY_HEADERS | {"Strict-Transport-Security": STRICT_TRANSPORT_SECURITY}
    return SECURITY_HEADERS


def init_security_headers(app: Quart) -> None:
    app.after_request(add_security_headers)


async def add_security_headers(response: Response) -> Response:
    for name, value in security_headers(https=current_config().cookie_secure).items():
        response.headers.setdefault(name, value)
    # Only the built assets may be cached; an answer that chose its own caching keeps it.
    if not request.path.startswith(STATIC_PREFIX):
        response.headers.setdefault("Cache-Control", NO_STORE)
    return response
