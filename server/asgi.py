"""The ASGI application Hypercorn serves: Socket.IO in front, the Quart app behind it.

`hypercorn server.asgi:app` builds it from the environment on first access; tests call
`create_asgi_app(config)` for their own.
"""

from __future__ import annotations

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


def __getattr__(name: str) -> socketio.ASGIApp:
    # Built lazily so that importing this module reads no environment and opens no files.
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()["app"] = application = create_asgi_app()
    return application
