"""The ASGI application Hypercorn serves: Socket.IO in front, the Quart app behind it.

`hypercorn server.asgi:app` builds it from the environment on first access; tests call
`create_asgi_app(config)` for their own.
"""

from __future__ import annotations

from collections.abc import Callable

import socketio

from server.app import create_app
from server.config import Config
from server.sockets import create_socket_server

SOCKET_PATH = "socket.io"


def create_asgi_app(config: Config | None = None) -> socketio.ASGIApp:
    """Socket.IO traffic goes to the socket server; everything else, lifespan included, to Quart."""
    quart_app = create_app(config)
    sio = create_socket_server(quart_app)
    return socketio.ASGIApp(sio, other_asgi_app=quart_app, socketio_path=SOCKET_PATH)


class LazyApp:
    """Builds the real app from the environment on its first ASGI call (the lifespan startup)."""

    def __init__(self) -> None:
        self._app: socketio.ASGIApp | None = None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self._app is None:
            self._app = create_asgi_app()
        await self._app(scope, receive, send)


# Importing this module reads no environment and opens no files; Hypercorn's first call does.
app = LazyApp()
