"""Uploaded MIDI files: kept for their owner, and read only in a worker process with CPU,
memory and wall-clock limits (the structural guard first, then mido), so no file can stall or
exhaust the server. Another user's upload is as unknown as a missing one.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import resource
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from server.errors import AppError, NotFoundError
from server.generation.melody import Melody
from server.generation.midi_guard import MidiLimits
from server.generation.midi_io import MidiError
from server.generation.upload_analysis import UploadAnalysis, analyse_midi
from server.models.upload import FILENAME_MAX_LENGTH, Upload
from server.models.user import User

MAX_UPLOAD_BYTES = 1024 * 1024  # 1 MB: far above any melody file, far below a parser's trouble
MAX_PARALLEL_WORKERS = 2  # per server process; further uploads queue for a free one
WORKER_MODULES = ["server.services.uploads"]  # imported once by the fork server, not per upload
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_parsers = ThreadPoolExecutor(MAX_PARALLEL_WORKERS, thread_name_prefix="midi-worker")


@dataclass(frozen=True)
class WorkerLimits:
    wall_seconds: float = 10.0  # from start to answer, then the worker is killed
    cpu_seconds: int = 8  # the kernel ends the worker past this (SIGXCPU)
    memory_headroom: int = 512 * 1024 * 1024  # bytes of address space beyond the worker's start


class UploadError(AppError):
    code = "invalid_midi"


def unusable(reason: str) -> UploadError:
    return UploadError(f"This MIDI file cannot be used: {reason}.")


async def create_upload(owner: User, filename: str | None, data: bytes) -> Upload:
    """Check and analyse an uploaded file in a worker, then keep it for `owner`."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError("MIDI files may be at most 1 MB.", code="too_large", status=413)
    analysis, _ = await parse_midi(data)
    return await Upload.create(
        owner=owner,
        filename=clean_filename(filename),
        midi=data,
        size=len(data),
        analysis=analysis.to_json(),
    )


async def get_upload(owner: User, upload_id: str) -> Upload:
    upload = await Upload.get_or_none(id=upload_id, owner=owner)
    if upload is None:
        raise NotFoundError("No such upload among your files.")
    return upload


async def upload_melody(upload: Upload, track: int | None = None) -> Melody:
    """The melody of a stored upload (of `track` when given), read in a worker again."""
    _, melody = await parse_midi(upload.to_midi(), track=track)
    return melody


async def parse_midi(
    data: bytes, *, track: int | None = None, limits: WorkerLimits | None = None
) -> tuple[UploadAnalysis, Melody]:
    """`analyse_midi` in a fresh worker process; UploadError for any file it refuses or that
    breaks a limit."""
    loop = asyncio.get_running_loop()
    outcome = await loop.run_in_executor(
        _parsers, run_in_worker, data, track, limits or WorkerLimits()
    )
    if outcome[0] == "error":
        raise unusable(outcome[1])
    return outcome[1], outcome[2]


def run_in_worker(data: bytes, track: int | None, limits: WorkerLimits) -> tuple[Any, ...]:
    """Blocking: fork a worker, wait at most `limits.wall_seconds`, always reap it.
    Returns ("ok", analysis, melody) or ("error", reason)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_worker_main, args=(sender, data, track, limits), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(limits.wall_seconds):
            return "error", f"reading it took longer than {limits.wall_seconds:g} seconds"
        return receiver.recv()
    except EOFError:  # the worker died without answering: a CPU or memory limit
        return "error", "it needs more time or memory to read than a melody file should"
    finally:
        worker.kill()
        worker.join()
        receiver.close()


def _worker_main(sender: Connection, data: bytes, track: int | None, limits: WorkerLimits) -> None:
    """In the worker process: limit it, analyse, send one answer."""
    _limit_this_process(limits)
    try:
        analysis, melody = analyse_midi(data, track=track, limits=MidiLimits())
        sender.send(("ok", analysis, melody))
    except MidiError as error:
        sender.send(("error", str(error)))
    except (MemoryError, RecursionError):
        sender.send(("error", "it needs more memory to read than a melody file should"))
    finally:
        sender.close()


def _limit_this_process(limits: WorkerLimits) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    address_space = _virtual_memory_bytes() + limits.memory_headroom
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def _virtual_memory_bytes() -> int:
    """This process's current address space; the limit is set relative to it, because the
    libraries it already mapped (NumPy's BLAS reserves a lot) vary by machine."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * _PAGE_BYTES


def clean_filename(filename: str | None) -> str:
    """The file's own name without folders or control characters, e.g. `My Song.mid`."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", (filename or "").replace("\\", "/")).rsplit("/", 1)[-1]
    return name.strip()[:FILENAME_MAX_LENGTH] or "upload.mid"
