"""A socket lives only as long as the login that opened it. Each socket keeps its login's auth id
in its session; events that act or save check the login is still live (`guarded`); a login that
ends (logout, password change, account deletion) has its sockets closed on every worker, and one
that expires has them closed when it lapses.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import socketio

from server.config import Config
from server.models.auth_session import AuthSession, utc_now
from server.security.sessions import load_session
from server.sockets.manager import AccountRooms, account_room

log = logging.getLogger(__name__)

UNAUTHORIZED = {"code": "unauthorized", "message": "Your login has ended; log in again."}
SERVER_ERROR = {"code": "server_error", "message": "The server could not do that; try again."}
# Seconds a refused socket stays open, so that the refusal reaches it before the close does
# (python-socketio queues the answer only after the handler returns).
ANSWER_GRACE_SECONDS = 0.5
Handler = Callable[..., Awaitable[dict[str, Any]]]
Guard = Callable[[Handler], Handler]


class LoginEndedError(Exception):
    """The socket's login was revoked, expired or its account deleted."""


class SocketLogins:
    """One per Socket.IO server: which login each of this worker's sockets belongs to, and the
    closing of those whose login ended."""

    def __init__(self, sio: socketio.AsyncServer, config: Config) -> None:
        self.sio, self.config = sio, config
        self.idle = timedelta(seconds=config.session_idle_seconds)
        self._lapses: dict[str, asyncio.TimerHandle] = {}  # sid -> check when its login lapses
        self._tasks: set[asyncio.Task[None]] = set()
        if isinstance(sio.manager, AccountRooms):
            sio.manager.check_logins = self.check_room

    async def connected(self, sid: str, session: AuthSession) -> None:
        """Remember the socket's login and user, and when to look at the login again."""
        user = session.user
        fields = {"user_id": user.id, "display_name": user.display_name}
        await self.sio.save_session(sid, fields | {"auth_id": session.auth_id})
        await self.sio.enter_room(sid, account_room(user.id))
        self._watch(sid, session)

    def forget(self, sid: str) -> None:
        handle = self._lapses.pop(sid, None)
        if handle is not None:
            handle.cancel()

    async def require(self, sid: str) -> dict[str, Any]:
        """The socket's session while its login is live; else the socket is closed (once its
        answer is on its way) and LoginEndedError raised."""
        fields: dict[str, Any] = await self.sio.get_session(sid)
        if await load_session(fields.get("auth_id"), self.config, with_user=False) is None:
            loop = asyncio.get_running_loop()
            loop.call_later(ANSWER_GRACE_SECONDS, lambda: self._spawn(self._close(sid)))
            raise LoginEndedError
        return fields

    async def account_changed(self, user_id: int) -> None:
        """Some login of `user_id` ended: every worker checks its sockets of that user."""
        await self.sio.close_room(account_room(user_id))  # see AccountRooms

    async def check_room(self, room: str) -> None:
        """Close this worker's sockets in `room` whose login is no longer live."""
        try:
            sids = [sid for sid, _ in self.sio.manager.get_participants("/", room)]
            await self.close_ended(sids)
        except Exception:
            log.exception("checking the logins of %s failed", room)

    async def close_ended(self, sids: list[str]) -> None:
        auth_ids = {sid: (await self.sio.get_session(sid)).get("auth_id") for sid in sids}
        live = await AuthSession.active_auth_ids(
            {auth_id for auth_id in auth_ids.values() if auth_id}, utc_now(), self.idle
        )
        for sid, auth_id in auth_ids.items():
            if auth_id not in live:
                await self._close(sid)

    def _watch(self, sid: str, session: AuthSession) -> None:
        self.forget(sid)
        delay = max((session.ends_at(self.idle) - utc_now()).total_seconds(), 0.0)
        loop = asyncio.get_running_loop()
        self._lapses[sid] = loop.call_later(delay, lambda: self._spawn(self._lapsed(sid)))

    async def _lapsed(self, sid: str) -> None:
        """Its login's end came: close the socket, or wait again if the login was used since."""
        self._lapses.pop(sid, None)
        if not self.sio.manager.is_connected(sid, "/"):
            return
        fields = await self.sio.get_session(sid)
        session = await load_session(fields.get("auth_id"), self.config, with_user=False)
        if session is None:
            await self._close(sid)
        else:
            self._watch(sid, session)

    async def _close(self, sid: str) -> None:
        self.forget(sid)
        await self.sio.disconnect(sid, ignore_queue=True)  # a socket of this worker

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def guarded(logins: SocketLogins) -> Guard:
    """Wrap a handler that acts or saves: it runs only while the socket's login is live, and
    every call is answered, `server_error` when the handler fails unexpectedly."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def answer(sid: str, *args: Any) -> dict[str, Any]:
            try:
                await logins.require(sid)
                return await handler(sid, *args)
            except LoginEndedError:
                return {"ok": False, "error": UNAUTHORIZED}
            except Exception:
                log.exception("%s failed", handler.__name__)
                return {"ok": False, "error": SERVER_ERROR}

        return answer

    return wrap
