"""The worker process that reads one uploaded MIDI file: `python -m server.services.midi_worker
LIMITS_JSON` with the file on stdin and one JSON answer on stdout. It limits its own CPU time
and address space before it reads a byte, so a hostile file can only end this process.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any

from server.generation.midi_io import MidiError
from server.generation.upload_analysis import analyse_midi, melody_to_json

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def limit_this_process(cpu_seconds: int, memory_headroom: int) -> None:
    """CPU seconds (the kernel ends the process past them) and an address space of what it
    has mapped now plus `memory_headroom` bytes; relative, because what the libraries map at
    import (NumPy's BLAS reserves a lot) varies by machine."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * PAGE_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (mapped + memory_headroom, mapped + memory_headroom))


def answer(data: bytes, track: int | None) -> dict[str, Any]:
    try:
        analysis, melody = analyse_midi(data, track=track)
    except MidiError as error:
        return {"ok": False, "error": str(error)}
    except (MemoryError, RecursionError):
        return {"ok": False, "error": "it needs more memory to read than a melody file should"}
    return {"ok": True, "analysis": analysis.to_json(), "melody": melody_to_json(melody)}


def main() -> None:
    request = json.loads(sys.argv[1])  # {"track", "cpu_seconds", "memory_headroom"}
    limit_this_process(request["cpu_seconds"], request["memory_headroom"])
    data = sys.stdin.buffer.read()
    sys.stdout.write(json.dumps(answer(data, request["track"])))


if __name__ == "__main__":
    main()
