"""The machine a benchmark ran on and how busy it was: the load average, other processes' CPU and
the commit measured, written beside every figure since the machine is shared."""

from __future__ import annotations

import os
import platform
import subprocess
import time

import psutil

from server.config import REPO_ROOT


def load_average() -> float:
    """The 1-minute load average (runnable processes; this machine has 2 cores)."""
    return round(os.getloadavg()[0], 2)


def conditions() -> dict:
    """The machine and how busy it was: other processes' CPU over one second (% of one core)."""
    others = [p for p in psutil.process_iter() if p.pid != os.getpid()]
    for process in others:
        try:
            process.cpu_percent()
        except psutil.Error:
            pass
    time.sleep(1.0)
    busy = 0.0
    for process in others:
        try:
            busy += process.cpu_percent()
        except psutil.Error:
            pass
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_average_1min": load_average(),
        "other_processes_cpu_percent": round(busy, 1),
        "python": platform.python_version(),
    }


def commit() -> str:
    """The commit measured, with a `+` when the working tree differs from it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=REPO_ROOT, capture_output=True)
    dirty = dirty.returncode
    return head.stdout.strip() + ("+" if dirty else "")
