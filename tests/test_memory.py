"""The server holds glibc's mmap threshold, which keeps a long-running worker's memory flat
(server/memory.py); the machines it runs on use glibc."""

from __future__ import annotations

from server.memory import hold_mmap_threshold


def test_the_mmap_threshold_is_held_on_glibc():
    assert hold_mmap_threshold() is True
