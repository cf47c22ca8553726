"""The Socket.IO server: every connection is authenticated with the HTTP session cookie, and
lives only as long as that login (`logins.SocketLogins`).

Feature modules add their events in `register_handlers`; a handler finds the user id in the
socket session (`await sio.get_session(sid)`).
"""

from __future__ import annotations

from typing import Any

import socketio
from quart import Quart

from server.security.sessions import session_for_cookie_header
from server.services.stream_recovery import init_stream_recovery
from server.services.studio_recovery import user_room
from server.sockets import duets, generation, jam, rooms, time_sync
from server.sockets.logins import SocketLogins, guarded
from server.sockets.manager import client_manager, init_socket_manager, transports
from server.sockets.text_only import TextOnlyServer

# Bytes per HTTP long-polling payload; protocol messages are small (Hypercorn caps WebSocket
# frames at 64 KiB as well).
MAX_HTTP_BUFFER_SIZE = 64 * 1024
NOT_SIGNED_IN = {"code": "unauthorized", "message": "Log in before connecting."}


def create_socket_server(app: Quart) -> socketio.AsyncServer:
    """An ASGI Socket.IO server bound to `app`'s sessions; same-origin connections only."""
    config = app.extensions["studio_config"]
    sio = TextOnlyServer(  # binary packets close the connection
        async_mode="asgi",
        client_manager=client_manager(config),  # Redis carries emits to other workers
        max_http_buffer_size=MAX_HTTP_BUFFER_SIZE,
        transports=transports(config),
    )
    init_socket_manager(app, sio)
    init_stream_recovery(app, sio)  # streams saved on SIGTERM, recovered after a crash
    logins = SocketLogins(sio, config)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> None:
        session = await session_for_cookie_header(app, environ.get("HTTP_COOKIE"))
        if session is None:
            # The client's connect_error gets {"message": ..., "data": {"code", "message"}}.
            raise socketio.exceptions.ConnectionRefusedError(
                NOT_SIGNED_IN["message"], NOT_SIGNED_IN
            )
        await logins.connected(sid, session)
        await sio.enter_room(sid, user_room(session.user.id))  # hears of its user's lost streams

    register_handlers(sio, app, logins)
    app.extensions["socketio"] = sio
    app.extensions["socket_logins"] = logins  # closes the sockets of ended logins
    return sio


def register_handlers(sio: socketio.AsyncServer, app: Quart, logins: SocketLogins) -> None:
    """Wire each feature's events (one module per feature); `register` returns the feature's
    clean-up, run when a client disconnects (python-socketio keeps one handler per event).
    Events that act or save are `guarded`: refused once the socket's login has ended."""
    guard = guarded(logins)
    cleanups = [
        generation.register(sio, app, guard),
        duets.register(sio, app, guard),
        rooms.register(sio, app, guard),
        jam.register(sio, app, guard),
        time_sync.register(sio, app),
    ]

    @sio.event
    async def disconnect(sid: str, reason: str) -> None:
        logins.forget(sid)
        for cleanup in cleanups:
            await cleanup(sid)
