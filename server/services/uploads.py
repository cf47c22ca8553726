"""Uploaded MIDI files: kept for their owner within a storage quota, listed, deleted, and read
only in a worker process with CPU, memory and wall-clock limits (the structural guard first,
then mido), a bounded number at a time, so no file or flood of files can stall or exhaust the
server. Another user's upload is as unknown as a missing one.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from subprocess import DEVNULL, PIPE
from typing import Any, cast

from server.config import REPO_ROOT
from server.errors import AppError, conflict, not_found
from server.generation.melody import Melody
from server.generation.upload_analysis import json_to_melody, melody_to_json
from server.generation.upload_chords import SourceChords
from server.models.ids import is_token
from server.models.upload import FILENAME_MAX_LENGTH, Upload
from server.models.user import User
from server.services.work_pools import WorkPool

MAX_UPLOAD_BYTES = 1024 * 1024  # 1 MB: far above any melody file, far below a parser's trouble
QUOTA_BYTES = 20_000_000  # 20 MB: what one account may keep, all its uploads together
QUOTA_FILES = 100
PAGE_SIZE = 20  # uploads per page of the listing
WORKER_MODULE = "server.services.midi_worker"
OVER_LIMIT = "it needs more time or memory to read than a melody file should"
# Two worker processes at a time per server process, six more files may wait for them, and an
# account has one file being read at a time, so one account never holds both workers: past
# that, `busy` before anything starts.
MIDI_PARSING = WorkPool("midi-worker", "MIDI files being read", workers=2, waiting=6, per_owner=1)
# Everything a listing shows; the MIDI bytes stay in the database.
SUMMARY_FIELDS = ("id", "owner_id", "filename", "size", "analysis", "created_at")


@dataclass(frozen=True)
class WorkerLimits:
    wall_seconds: float = 10.0  # from start (interpreter included) to answer, then it is killed
    cpu_seconds: int = 8  # the kernel ends the worker past this (SIGXCPU)
    memory_headroom: int = 512 * 1024 * 1024  # bytes of address space beyond the worker's start


def unusable(reason: str) -> AppError:
    return AppError("invalid_midi", f"This MIDI file cannot be used: {reason}.")


@dataclass(frozen=True)
class UploadPage:
    uploads: list[Upload]
    page: int
    pages: int
    total: int
    used_bytes: int  # all of the owner's uploads, not only this page's
    page_size: int = PAGE_SIZE


async def create_upload(owner: User, filename: str | None, data: bytes) -> Upload:
    """Check and analyse an uploaded file in a worker, then keep it for `owner`; the size and
    the owner's quota are checked before the file is read, and the quota again before it is
    kept (another upload may have finished meanwhile)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise AppError("too_large", "MIDI files may be at most 1 MB.", status=413)
    await check_quota(owner, len(data))
    analysis, melody = await parse_midi(data, owner=owner.id)
    await check_quota(owner, len(data))
    return await Upload.create(
        owner=owner,
        filename=clean_filename(filename),
        midi=data,
        size=len(data),
        analysis=analysis | {"melody": melody_to_json(melody)},
    )


async def check_quota(owner: User, size: int) -> None:
    """A conflict (409) when keeping `size` more bytes would take `owner` past the quota."""
    files, used = await usage(owner)
    if files + 1 > QUOTA_FILES or used + size > QUOTA_BYTES:
        raise conflict(
            f"Your uploads are full: {files} files using {used / 1_000_000:.1f} MB of "
            f"{QUOTA_FILES} files and {QUOTA_BYTES / 1_000_000:.0f} MB. Delete some uploads "
            "you no longer need and try again.",
            code="quota_exceeded",
        )


async def usage(owner: User) -> tuple[int, int]:
    """How many files `owner` keeps and their bytes."""
    sizes = cast(list[int], await Upload.filter(owner=owner).values_list("size", flat=True))
    return len(sizes), sum(sizes)


async def list_uploads(owner: User, page: int) -> UploadPage:
    """Newest first; a page past the end is simply empty."""
    total, used = await usage(owner)
    uploads = (
        await Upload.filter(owner=owner)
        .order_by("-created_at", "-id")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .only(*SUMMARY_FIELDS)
    )
    return UploadPage(uploads, page, math.ceil(total / PAGE_SIZE), total, used)


async def delete_upload(owner: User, upload_id: str) -> None:
    """Songs converted from it stay; they keep its name and id in their parameters."""
    await (await get_upload(owner, upload_id)).delete()


async def get_upload(owner: User, upload_id: str) -> Upload:
    upload = await Upload.get_or_none(id=upload_id, owner=owner) if is_token(upload_id) else None
    if upload is None:
        raise not_found("No such upload among your files.")
    return upload


async def upload_source(upload: Upload, track: int | None = None) -> tuple[Melody, SourceChords]:
    """The melody of a stored upload and the chords under it: those found on arrival, or
    (another `track`, or an upload analysed before chords were kept) read from the file in a
    worker again."""
    same_track = track is None or track == upload.analysis.get("melody_track")
    if same_track and "melody" in upload.analysis and "chords" in upload.analysis:
        melody = json_to_melody(upload.analysis["melody"])
        return melody, SourceChords.from_json(upload.analysis["chords"])
    analysis, melody = await parse_midi(upload.to_midi(), track=track, owner=upload.owner_id)
    return melody, SourceChords.from_json(analysis["chords"])


async def parse_midi(
    data: bytes,
    *,
    track: int | None = None,
    limits: WorkerLimits | None = None,
    owner: int | None = None,
) -> tuple[dict[str, Any], Melody]:
    """The analysis (as JSON) and melody of a file, read by a worker process; AppError for
    any file it refuses or that breaks a limit, `busy` (nothing started) when `owner`'s
    share of MIDI_PARSING or the pool itself is in use."""
    answer = await MIDI_PARSING.submit(owner, run_in_worker, data, track, limits or WorkerLimits())
    if not answer.get("ok"):
        raise unusable(answer["error"])
    return answer["analysis"], json_to_melody(answer["melody"])


def run_in_worker(data: bytes, track: int | None, limits: WorkerLimits) -> dict[str, Any]:
    """Blocking: run the worker on `data`, kill it at `limits.wall_seconds`, always reap it.
    Returns its answer: {"ok": true, "analysis", "melody"} or {"ok": false, "error"}."""
    request = {
        "track": track,
        "cpu_seconds": limits.cpu_seconds,
        "memory_headroom": limits.memory_headroom,
    }
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
