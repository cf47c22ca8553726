"""How the server process asks the C library for memory. glibc raises its mmap threshold each
time a large block it had mapped on its own is freed (up to 32 MB); after that, the arrays a
worker allocates and frees for every batch of notes (tens to hundreds of KB) come from the heap
instead and leave it fragmented. In a soak with hundreds of clients each worker's resident size
grew from about 150 MB to 225 MB over a quarter of an hour that way; with the threshold held at
glibc's starting 128 KB it stayed within 4% (docs/performance.md, "Soak").
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value; setting it stops its adjustment


def hold_mmap_threshold() -> bool:
    """Hold glibc's mmap threshold where it starts (see the module doc); False where the C
    library has no `mallopt` (not glibc) or refuses."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    status: int = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    return status == 1
