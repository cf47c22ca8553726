"""A ramp of load levels that stops at the first level failing twice running, shared by the
single-server ramp of `make bench` and the worker comparison of `bench.scale`; each attempt is
kept with the machine's load average, since the machine is shared."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from bench.machine import load_average


def ramp(
    run_level: Callable[[int], dict], levels: Iterable[int], passed: Callable[[dict], bool]
) -> tuple[list[dict], int]:
    """Run levels in order until one fails twice running; returns every attempt and the largest
    level that passed. A failed level is tried once more: other processes on a shared machine
    can stall everything for a moment."""
    results, best = [], 0
    for size in levels:
        for attempt in (1, 2):
            before = load_average()
            level = run_level(size)
            level |= {"attempt": attempt, "load_average": [before, load_average()]}
            results.append(level)
            print(json.dumps({k: v for k, v in level.items() if k != "parts"}), flush=True)
            if passed(level):
                break
        if not passed(level):
            break
        best = size
    return results, best


def streams_passed(level: dict) -> bool:
    """Every stream connected and completed, with no late note."""
    everyone = level["connected"] == level["streams"]
    return everyone and not level["late_notes"] and not level["failed"]


def members_passed(level: dict) -> bool:
    """Every member joined and received every note in order and on time."""
    everyone = level["joined"] == level["members"]
    return everyone and not level["members_behind"] and not level["late_notes"]
