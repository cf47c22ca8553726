"""Socket.IO across workers: with REDIS_URL set, python-socketio's `AsyncRedisManager` carries
every emit to the members connected to other workers, and connections use WebSocket only, so
that no request of one session ever lands on a worker that does not know it (no sticky sessions).
"""

from __future__ import annotations

import asyncio
import logging

import socketio
from quart import Quart

from server.config import Config

log = logging.getLogger(__name__)

# Without Redis one worker holds every session, so long-polling (the fallback where WebSocket
# is blocked) works; across workers a polling request may reach a worker that never saw the
# session ("Invalid session"), so only WebSocket is offered there.
SINGLE_WORKER_TRANSPORTS = ["websocket", "polling"]
SHARED_TRANSPORTS = ["websocket"]
# redis-py pings an idle pub/sub connection this often (s), so that a connection that died
# without a word (a Redis restart behind NAT, a half-open TCP link) raises and is replaced.
HEALTH_CHECK_SECONDS = 5


def client_manager(config: Config) -> socketio.AsyncManager | None:
    """The Redis message queue when REDIS_URL is set; None keeps python-socketio's in-memory one."""
    if not config.redis_url:
        return None
    # The client name lets operators (and tests) tell this deployment's connections apart.
    options = {"health_check_interval": HEALTH_CHECK_SECONDS, "socket_keepalive": True}
    options["client_name"] = config.socketio_channel
    return ReconnectingRedisManager(
        config.redis_url, channel=config.socketio_channel, redis_options=options
    )


class ReconnectingRedisManager(socketio.AsyncRedisManager):
    """python-socketio's Redis manager, closing its old connections when it makes new ones:
    after a cut, redis-py quietly revives the old pub/sub connection and its subscription while
    the listener makes a new one, and the old one would stay subscribed with no reader."""

    def _redis_connect(self) -> None:
        old = [client for client in (self.pubsub, self.redis) if client is not None]
        super()._redis_connect()
        for client in old:
            asyncio.ensure_future(client.aclose())  # still subscribed otherwise, read by none


def transports(config: Config) -> list[str]:
    return SHARED_TRANSPORTS if config.redis_url else SINGLE_WORKER_TRANSPORTS


def init_socket_manager(app: Quart, sio: socketio.AsyncServer) -> None:
    """Subscribe when the worker starts serving, not at its first connection: a worker with no
    client yet must still hear the others (and count among the channel's subscribers)."""
    if not isinstance(sio.manager, socketio.AsyncRedisManager):
        return

    async def subscribe() -> None:
        if not sio.manager_initialized:
            sio.manager_initialized = True
            sio.manager.initialize()

    async def unsubscribe() -> None:
        await close_manager(sio.manager)

    app.before_serving(subscribe)
    app.after_serving(unsubscribe)


async def close_manager(manager: socketio.AsyncRedisManager) -> None:
    thread = getattr(manager, "thread", None)
    if thread is not None:
        thread.cancel()
    for client in (manager.pubsub, manager.redis):
        if client is not None:
            await client.aclose()
