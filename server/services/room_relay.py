"""A room's live piece is written by one worker, while its members may be connected to any: what
they do to the piece (steer it, ask for a solo, stop it, play notes its accompaniment hears)
reaches the worker writing it through this relay, over the Socket.IO manager's Redis channel.

Every worker runs the same operation: `here(room_id, args)` returns None when this worker does
not write the room's piece, else the result. A worker that does not write it asks the others
(`ask`, answered by the one that does, its `AppError` included) or tells them (`tell`, no
answer). One worker alone has no relay: a piece it does not write does not exist.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from server.errors import AppError

log = logging.getLogger(__name__)

# How long an asking worker waits for the worker writing the piece. A worker that died holding a
# room's piece never answers; its stream is recovered by lease (stream_recovery) meanwhile.
ASK_SECONDS = 2.0
Operation = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any] | None]]
Publish = Callable[[dict[str, Any]], Awaitable[None]]


def not_live() -> AppError:
    return AppError("not_live", "Nothing is being written live in this room.")


class RoomRelay:
    def __init__(self, publish: Publish | None, worker: str) -> None:
        self.publish, self.worker = publish, worker  # publish: None with one worker alone
        self._operations: dict[str, Operation] = {}
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def add(self, name: str, here: Operation) -> None:
        self._operations[name] = here

    async def ask(self, name: str, room_id: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run the operation here when this worker writes the room's piece, else on the worker
        that does; `not_live` when none does."""
        here = await self._operations[name](room_id, args)
        if here is not None:
            return here
        if self.publish is None:
            raise not_live()
        request = secrets.token_hex(8)
        answer = self._waiting[request] = asyncio.get_running_loop().create_future()
        try:
            await self.publish(self._message("ask", name, room_id, args, request))
            reply = await asyncio.wait_for(answer, ASK_SECONDS)
        except TimeoutError:
            raise not_live() from None
        except Exception:  # Redis unreachable: no other worker can be asked
            log.exception("relaying %s for room %s failed", name, room_id)
            raise not_live() from None
        finally:
            self._waiting.pop(request, None)
        if "error" in reply:
            error = reply["error"]
            raise AppError(error["code"], error["message"], field=error.get("field"))
        result: dict[str, Any] = reply["result"]
        return result

    async def tell(self, name: str, room_id: str, args: dict[str, Any]) -> None:
        """Run the operation here when this worker writes the room's piece, else on the worker
        that does, if any; nothing comes back."""
        if await self._operations[name](room_id, args) is None and self.publish is not None:
            try:
                await self.publish(self._message("tell", name, room_id, args))
            except Exception:  # Redis unreachable: the caller goes on (a room still closes)
                log.exception("relaying %s for room %s failed", name, room_id)

    async def received(self, message: Any) -> None:
        """A message from another worker: an operation to run if this worker writes the piece,
        or the answer to one this worker asked."""
        try:
            if message.get("answer") is not None:
                self._answered(message)
            elif message.get("operation") in self._operations:
                await self._run(message)
        except Exception:  # a malformed message or a failed operation: this worker serves on
            log.exception("a relayed room operation failed")

    async def _run(self, message: dict[str, Any]) -> None:
        here = self._operations[message["operation"]]
        try:
            result = await here(message["room_id"], message["args"])
            reply = None if result is None else {"result": result}
        except AppError as error:
            reply = {"error": error.to_json()}
        if reply is not None and message.get("request") and self.publish is not None:
            await self.publish({"answer": message["request"], "to": message["from"]} | reply)

    def _answered(self, message: dict[str, Any]) -> None:
        if message.get("to") != self.worker:
            return
        waiting = self._waiting.get(message["answer"])
        if waiting is not None and not waiting.done():
            waiting.set_result(message)

    def _message(
        self, kind: str, name: str, room_id: str, args: dict[str, Any], request: str = ""
    ) -> dict[str, Any]:
        return {
            "kind": kind,
            "operation": name,
            "room_id": room_id,
            "args": args,
            "from": self.worker,
            "request": request,
        }
