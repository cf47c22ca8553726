"""Uploaded MIDI files: kept for their owner, and read only in a worker process with CPU,
memory and wall-clock limits (the structural guard first, then mido), so no file can stall or
exhaust the server. Another user's upload is as unknown as a missing one.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from subprocess import DEVNULL, PIPE
from typing import Any

from server.config import REPO_ROOT
from server.errors import AppError, NotFoundError
from server.generation.melody import Melody
from server.generation.upload_analysis import json_to_melody, melody_to_json
from server.models.ids import is_token
from server.models.upload import FILENAME_MAX_LENGTH, Upload
from server.models.user import User

MAX_UPLOAD_BYTES = 1024 * 1024  # 1 MB: far above any melody file, far below a parser's trouble
MAX_PARALLEL_WORKERS = 2  # per server process; further uploads queue for a free one
WORKER_MODULE = "server.services.midi_worker"
OVER_LIMIT = "it needs more time or memory to read than a melody file should"
_parsers = ThreadPoolExecutor(MAX_PARALLEL_WORKERS, thread_name_prefix="midi-worker")


@dataclass(frozen=True)
class WorkerLimits:
    wall_seconds: float = 10.0  # from start (interpreter included) to answer, then it is killed
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
    analysis, melody = await parse_midi(data)
    return await Upload.create(
        owner=owner,
        filename=clean_filename(filename),
        midi=data,
        size=len(data),
        analysis=analysis | {"melody": melody_to_json(melody)},
    )


async def get_upload(owner: User, upload_id: str) -> Upload:
    upload = await Upload.get_or_none(id=upload_id, owner=owner) if is_token(upload_id) else None
    if upload is None:
        raise NotFoundError("No such upload among your files.")
    return upload


async def upload_melody(upload: Upload, track: int | None = None) -> Melody:
    """The melody of a stored upload: the one found on arrival, or (another `track`) read from
    the file in a worker again."""
    same_track = track is None or track == upload.analysis.get("melody_track")
    if same_track and "melody" in upload.analysis:
        return json_to_melody(upload.analysis["melody"])
    _, melody = await parse_midi(upload.to_midi(), track=track)
    return melody


async def parse_midi(
    data: bytes, *, track: int | None = None, limits: WorkerLimits | None = None
) -> tuple[dict[str, Any], Melody]:
    """The analysis (as JSON) and melody of a file, read by a worker process; UploadError for
    any file it refuses or that breaks a limit."""
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(
        _parsers, run_in_worker, data, track, limits or WorkerLimits()
    )
    if not answer.get("ok"):
        raise unusable(answer["error"])
    return answer["analysis"], json_to_melody(answer["melody"])


def run_in_worker(data: bytes, track: int | None, limits: WorkerLimits) -> dict[str, Any]:
    """Blocking: run the worker on `data`, kill it at `limits.wall_seconds`, always reap it.
    Returns its answer: {"ok": true, "analysis", "melody"} or {"ok": false, "error"}."""
    request = {"track": track, "cpu_seconds": limits.cpu_seconds}
    request["memory_headroom"] = limits.memory_headroom
    command = [sys.executable, "-m", WORKER_MODULE, json.dumps(request)]
    with subprocess.Popen(
        command, cwd=REPO_ROOT, stdin=PIPE, stdout=PIPE, stderr=DEVNULL
    ) as worker:
        try:
            output, _ = worker.communicate(data, timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.communicate()
            return {"ok": False, "error": f"reading it took longer than {limits.wall_seconds:g} s"}
    try:
        return json.loads(output) if worker.returncode == 0 else {"ok": False, "error": OVER_LIMIT}
    except ValueError:
        return {"ok": False, "error": OVER_LIMIT}


def clean_filename(filename: str | None) -> str:
    """The file's own name without folders or control characters, e.g. `My Song.mid`."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", (filename or "").replace("\\", "/")).rsplit("/", 1)[-1]
    return name.strip()[:FILENAME_MAX_LENGTH] or "upload.mid"
