"""Socket.IO across workers: with REDIS_URL set, python-socketio's `AsyncRedisManager` carries
every emit to the members connected to other workers, and connections use WebSocket only, so
that no request of one session ever lands on a worker that does not know it (no sticky sessions).
Closing an account's room (`account_room`) reaches every worker the same way: each checks the
logins of its own sockets there and disconnects those whose login has ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

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
ACCOUNT_ROOM_PREFIX = "account:"
# No client connects to this namespace: emits published on it are the workers' own messages to
# each other (`WorkerMessages`), handed to the room relay rather than to any socket.
WORKERS_NAMESPACE = "/workers"
# Checks this worker's sockets in an account's room; set by the login watch (sockets/logins.py).
LoginCheck = Callable[[str], Coroutine[Any, Any, None]]


def account_room(user_id: int) -> str:
    """Every socket of one user, whichever login opened it."""
    return f"{ACCOUNT_ROOM_PREFIX}{user_id}"


def client_manager(config: Config) -> socketio.AsyncManager:
    """The Redis message queue when REDIS_URL is set, else an in-memory manager."""
    if not config.redis_url:
        return LocalManager()
    # The client name lets operators (and tests) tell this deployment's connections apart.
    options = {
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "socket_keepalive": True,
        "client_name": config.socketio_channel,
    }
    return ReconnectingRedisManager(
        config.redis_url, channel=config.socketio_channel, redis_options=options
    )


class AccountRooms:
    """A manager's part in ending the sockets of ended logins: "closing" an account's room checks
    the logins of this worker's sockets in it (in a task of its own: the pub/sub listener must
    not wait on the database), and leaves the room as it is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_logins: LoginCheck | None = None
        self._checks: set[asyncio.Task[None]] = set()  # kept so that none is collected mid-way

    def check_account_room(self, room: object) -> bool:
        """Start the check when `room` is an account's; False for any other room."""
        if not isinstance(room, str) or not room.startswith(ACCOUNT_ROOM_PREFIX):
            return False
        if self.check_logins is not None:
            task = asyncio.get_running_loop().create_task(self.check_logins(room))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)
        return True


class LocalManager(AccountRooms, socketio.AsyncManager):
    """python-socketio's in-memory manager, for one worker."""

    async def close_room(self, room: str, namespace: str | None) -> None:
        if not self.check_account_room(room):
            await super().close_room(room, namespace)


class WorkerMessages:
    """A manager's channel from worker to worker: `publish_to_workers` reaches every other
    worker's `worker_message` (set by the room relay), which runs in a task of its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_message: Callable[[Any], Coroutine[Any, Any, None]] | None = None
        self._received: set[asyncio.Task[None]] = set()

    async def publish_to_workers(self, data: Any) -> None:
        message = {
            "method": "emit",
            "event": "worker",
            "data": [data],
            "binary": False,
            "namespace": WORKERS_NAMESPACE,
            "room": None,
            "skip_sid": None,
            "callback": None,
            "host_id": self.host_id,  # type: ignore[attr-defined]
        }
        await self._publish(message)  # type: ignore[attr-defined]

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("namespace") != WORKERS_NAMESPACE:
            await super()._handle_emit(message)  # type: ignore[misc]
        elif self.worker_message is not None and message.get("data"):
            task = asyncio.get_running_loop().create_task(self.worker_message(message["data"][0]))
            self._received.add(task)
            task.add_done_callback(self._received.discard)


class ReconnectingRedisManager(WorkerMessages, AccountRooms, socketio.AsyncRedisManager):
    """python-socketio's Redis manager, closing its old connections when it makes new ones:
    after a cut, redis-py quietly revives the old pub/sub connection and its subscription while
    the listener makes a new one, and the old one would stay subscribed with no reader.

    `close_room` publishes to every worker and runs `_handle_close_room` here as well; the
    other workers run it as the message arrives."""

    def _redis_connect(self) -> None:
        old = [client for client in (self.pubsub, self.redis) if client is not None]
        super()._redis_connect()
        for client in old:
            asyncio.ensure_future(client.aclose())  # still subscribed otherwise, read by none

    async def _handle_close_room(self, message: dict[str, Any]) -> None:
        if not self.check_account_room(message.get("room")):
            await super()._handle_close_room(message)


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
