"""The melody network's steps in a process of their own, so that its products use a core the
worker's event loop does not (docs/performance.md, "The network in a process of its own").

A step is stateless: the streams' ids and states go in and the pitch logits and new states come
out through one block of shared memory, and the pipe carries only the batch size and the answer.
The worker keeps every stream's state, so a process that dies loses nothing: the engine steps in
its own process until a new one is ready, and the numbers are the same either way (the same
network object, sent whole, and one BLAS thread on both sides).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import signal
import socket
import subprocess
import sys
from multiprocessing import resource_tracker, shared_memory
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

from server.generation.lstm import INPUT_NAMES, LstmNetwork, NetworkConfig

log = logging.getLogger(__name__)

READY = b"ready"
DONE = b""  # a step's answer; anything else is the error the process met
START_TIMEOUT_SECONDS = 60.0  # importing NumPy and receiving the weights; seconds here
BYTE_ORDER: Literal["little"] = "little"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where `python -m server...` finds it


class NetworkProcessError(RuntimeError):
    """The network's process is gone, or could not take the step."""


class StepBuffers:
    """Views over one shared block for batches of up to `max_batch` streams: the ids and the
    state going in, the pitch logits and the new state coming out; each view of a batch of n
    is C-contiguous, as the arrays the engine builds itself are."""

    def __init__(self, block: memoryview | None, config: NetworkConfig, max_batch: int) -> None:
        if block is None:
            raise NetworkProcessError("the shared block is closed")
        self.block, self.config, self.max_batch = block, config, max_batch
        self._offsets: dict[str, int] = {}
        offset = 0
        for name, (per_stream, _) in self._layout(config).items():
            self._offsets[name] = offset
            offset += per_stream * max_batch

    @staticmethod
    def _layout(config: NetworkConfig) -> dict[str, tuple[int, np.dtype[Any]]]:
        """Bytes a stream takes in each region, and the region's type."""
        state = config.layers * 2 * config.hidden * 4
        return {
            "ids": (len(INPUT_NAMES) * 8, np.dtype(np.int64)),
            "state_in": (state, np.dtype(np.float32)),
            "logits": (config.n_pitch * 4, np.dtype(np.float32)),
            "state_out": (state, np.dtype(np.float32)),
        }

    @classmethod
    def size(cls, config: NetworkConfig, max_batch: int) -> int:
        return sum(per_stream for per_stream, _ in cls._layout(config).values()) * max_batch

    def _view(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        dtype = self._layout(self.config)[name][1]
        return np.ndarray(shape, dtype=dtype, buffer=self.block, offset=self._offsets[name])

    def ids(self, batch: int) -> np.ndarray:
        return self._view("ids", (len(INPUT_NAMES), batch))

    def state(self, batch: int, *, out: bool = False) -> np.ndarray:
        shape = (self.config.layers, 2, batch, self.config.hidden)
        return self._view("state_out" if out else "state_in", shape)

    def logits(self, batch: int) -> np.ndarray:
        return self._view("logits", (batch, self.config.n_pitch))


def serve(network: LstmNetwork, block_name: str, max_batch: int, connection: Connection) -> None:
    """The process's whole life: answer one step per message until the worker's end of the
    pipe closes (the worker ended, or gave this process up)."""
    threadpool_limits(1, user_api="blas")  # as the engine steps: the same numbers
    block = shared_memory.SharedMemory(name=block_name)
    resource_tracker.unregister(block._name, "shared_memory")  # type: ignore[attr-defined]
    buffers = StepBuffers(block.buf, network.config, max_batch)
    connection.send_bytes(READY)
    while True:
        try:
            batch = int.from_bytes(connection.recv_bytes(), BYTE_ORDER)
        except (EOFError, OSError):
            break
        try:
            logits, state = network.step(buffers.ids(batch), buffers.state(batch))
            buffers.logits(batch)[...] = logits
            buffers.state(batch, out=True)[...] = state
        except Exception as error:  # told to the worker, which steps the batch itself
            connection.send_bytes(f"{type(error).__name__}: {error}".encode())
        else:
            connection.send_bytes(DONE)


class NetworkProcess:
    """The worker's side: start the process, send it steps, one at a time."""

    def __init__(self, network: LstmNetwork, max_batch: int) -> None:
        self.network, self.max_batch = network, max_batch
        self._block = shared_memory.SharedMemory(
            create=True, size=StepBuffers.size(network.config, max_batch)
        )
        self._buffers = StepBuffers(self._block.buf, network.config, max_batch)
        self._process: Any = None  # a Popen once started
        self._connection: Connection | None = None
        self._answer: asyncio.Future[bytes] | None = None
        self.alive = False
        self.steps = 0  # steps answered, for monitoring

    @classmethod
    async def started(cls, network: LstmNetwork, max_batch: int) -> NetworkProcess:
        """A process with `network` loaded and ready for steps; NetworkProcessError if it
        could not be started."""
        process = cls(network, max_batch)
        try:
            await process._start()
        except BaseException:
            await process.aclose()
            raise
        return process

    async def _start(self) -> None:
        mine, theirs = socket.socketpair()
        command = [sys.executable, "-m", __name__, str(theirs.fileno())]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, pass_fds=[theirs.fileno()], cwd=PACKAGE_ROOT
        )
        theirs.close()  # the process's end: it alone holds it, so its exit reads as EOF here
        self._connection = Connection(mine.detach())
        loop = asyncio.get_running_loop()
        loop.add_reader(self._connection.fileno(), self._readable)
        # Kept here: the answer may come, and `_answer` be cleared, before the sending returns.
        ready = self._answer = loop.create_future()
        await asyncio.to_thread(self._send_weights)  # megabytes: not on the loop
        try:
            answer = await asyncio.wait_for(ready, START_TIMEOUT_SECONDS)
        except TimeoutError as error:
            raise NetworkProcessError("the network's process did not start in time") from error
        if answer != READY:
            raise NetworkProcessError(f"the network's process answered {answer!r} at start")
        self.alive = True

    def _send_weights(self) -> None:
        weights = pickle.dumps((self.network, self._block.name, self.max_batch))
        try:
            self._process.stdin.write(weights)
            self._process.stdin.close()
        except OSError:
            pass  # it died at start: its pipe's end tells the loop

    def _readable(self) -> None:
        """The pipe has the process's answer, or the process is gone."""
        assert self._connection is not None
        answer = self._answer
        try:
            message = self._connection.recv_bytes()
        except (EOFError, OSError):
            self._lost()
            if answer is not None and not answer.done():
                answer.set_exception(NetworkProcessError("the network's process is gone"))
            return
        self._answer = None
        if answer is not None and not answer.done():
            answer.set_result(message)

    async def step(self, ids: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`LstmNetwork.step` in the process: the same logits and state, new arrays."""
        batch = ids.shape[1]
        if batch > self.max_batch:
            raise ValueError(f"a step takes at most {self.max_batch} streams, got {batch}")
        if not self.alive or self._answer is not None or self._connection is None:
            raise NetworkProcessError("the network's process is not ready for a step")
        self._buffers.ids(batch)[...] = ids
        self._buffers.state(batch)[...] = state
        self._answer = asyncio.get_running_loop().create_future()
        try:
            self._connection.send_bytes(batch.to_bytes(4, BYTE_ORDER))
        except OSError as error:
            self._lost()
            raise NetworkProcessError("the network's process is gone") from error
        try:
            answer = await self._answer
        except asyncio.CancelledError:
            self._lost()  # its answer would come to the next step: start afresh instead
            raise
        if answer != DONE:
            raise NetworkProcessError(answer.decode(errors="replace"))
        self.steps += 1
        return self._buffers.logits(batch).copy(), self._buffers.state(batch, out=True).copy()

    def _lost(self) -> None:
        """No more steps go to this process: stop reading it and let it go."""
        self.alive = False
        if self._connection is not None:
            asyncio.get_running_loop().remove_reader(self._connection.fileno())
            self._connection.close()
            self._connection = None
        self._answer = None
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()

    async def aclose(self) -> None:
        """End the process (it exits when its pipe closes) and free the shared block."""
        if self.alive or self._connection is not None:
            self._lost()
        if self._process is not None:
            try:
                await asyncio.to_thread(self._process.wait, 5.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._buffers = None  # type: ignore[assignment]  # the views go before the block
        self._block.close()
        self._block.unlink()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else int(self._process.pid)


def main() -> None:
    """`python -m server.generation.network_process FD`: the network, the shared block's name
    and the largest batch come pickled on standard input, from the worker that started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to handle
    connection = Connection(int(sys.argv[1]))
    network, block_name, max_batch = pickle.load(sys.stdin.buffer)
    serve(network, block_name, max_batch, connection)


if __name__ == "__main__":
    main()
