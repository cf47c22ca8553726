"""How the server process asks the C library for memory. glibc raises its mmap threshold each
time a large block it had mapped on its own is freed (up to 32 MB); after that, the arrays a
worker allocates and frees for every batch of notes (tens to hundreds of KB) come from the heap
instead and leave it fragmented. In a soak with hundreds of clients each worker's resident size
grew from about 150 MB to 225 MB over a quarter of an hour that way; with the threshold held at
glibc's starting 128 KB it stayed within 4% (docs/performance.md, "Soak").

And how it collects cycles. A worker holding hundreds of live streams keeps hundreds of
thousands of objects alive (each connection's asyncio and engine.io objects, each stream's notes
and chords). Once a worker has loaded its models, `settle_heap` freezes what start-up made (about
130,000 objects that live as long as the process), so that no collection walks them again (a
full collection at 750 streams walked them all, up to 0.7 s; docs/performance.md, "Collections").
The thresholds stay CPython's. Young collections every 20,000 allocations instead
of 700 made full collections rare (one in 2,000,000 allocations, a few in ten minutes of the
soak), and what dies in a cycle after living a while (a closed connection's objects) waited for
them: the soak's workers grew by 15 to 18% over ten minutes that way, within 4 to 6% with these
thresholds (docs/performance.md, "Soak").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value; setting it stops its adjustment
# Allocations (less deallocations) between young collections, and young (middle) collections
# between middle (full) ones: CPython's own, a full collection at most every 70,000 allocations.
GC_THRESHOLDS = (700, 10, 10)
_heap_settled = False  # once a process: a worker serves one app


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


def settle_heap() -> bool:
    """Collect what start-up left, freeze what survives and set GC_THRESHOLDS (see the module
    doc); once a process: True the time it did so."""
    global _heap_settled
    if _heap_settled:
        return False
    _heap_settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return True
