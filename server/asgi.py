"""The ASGI application Hypercorn serves: Socket.IO in front, the Quart app behind it.

`hypercorn server.asgi:app` builds it from the environment on first access; tests call
`create_asgi_app(config)` for their own.
"""

from __future__ import annotations

import socketio
from hypercorn.middleware import ProxyFixMiddleware
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, ASGISendEvent, Scope

from server.app import create_app
from server.config import Config
from server.memory import hold_mmap_threshold
from server.security.headers import NO_STORE, security_headers
from server.sockets import create_socket_server

SOCKET_PATH = "socket.io"


class SocketHeaders:
    """Adds the site's security headers to the answers Socket.IO gives itself (long-polling
    and handshakes never pass through Quart), keeping any header Socket.IO set."""

    def __init__(self, app: socketio.ASGIApp, headers: dict[str, str]) -> None:
        self.app = app  # the Socket.IO app, which hands everything else to Quart
        self._headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        self._prefix = f"/{SOCKET_PATH}/"

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self._prefix):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: ASGISendEvent) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                added = [(name, value) for name, value in self._headers if name not in present]
                message = {**message, "headers": [*headers, *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


ASGIApp = SocketHeaders | ProxyFixMiddleware


def create_asgi_app(config: Config | None = None) -> ASGIApp:
    """Socket.IO traffic goes to the socket server; everything else, lifespan included, to Quart.

    Behind `trusted_proxy_hops` proxies, client address and scheme come from X-Forwarded-*.
    """
    config = config or Config.from_env()
    hold_mmap_threshold()  # keeps a long-running worker's memory flat (server/memory.py)
    quart_app = create_app(config)
    sio = create_socket_server(quart_app)
    socket_app = socketio.ASGIApp(sio, other_asgi_app=quart_app, socketio_path=SOCKET_PATH)
    headers = security_headers(https=config.cookie_secure) | {"Cache-Control": NO_STORE}
    app = SocketHeaders(socket_app, headers)
    if config.trusted_proxy_hops > 0:
        return ProxyFixMiddleware(app, mode="legacy", trusted_hops=config.trusted_proxy_hops)
    return app


class LazyApp:
    """Builds the real app from the environment on its first ASGI call (the lifespan startup)."""

    def __init__(self) -> None:
        self._app: ASGIApp | None = None

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if self._app is None:
            self._app = create_asgi_app()
        await self._app(scope, receive, send)


# Importing this module reads no environment and opens no files; Hypercorn's first call does.
app = LazyApp()
