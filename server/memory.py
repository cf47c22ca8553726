"""How the server process asks the C library for memory. glibc raises its mmap threshold each
time a large block it had mapped on its own is freed (up to 32 MB); after that, the arrays a
worker allocates and frees for every batch of notes (tens to hundreds of KB) come from the heap
instead and leave it fragmented. In a soak with hundreds of clients each worker's resident size
grew from about 150 MB to 225 MB over a quarter of an hour that way; with the threshold held at
glibc's starting 128 KB it stayed within 4% (docs/performance.md, "Soak").

And how it collects cycles. A worker holding hundreds of live streams keeps hundreds of
thousands of objects alive (each connection's asyncio and engine.io objects, each stream's notes
and chords) and makes short-lived ones (frames, futures, wire dicts) by the million. With
CPython's default thresholds a young collection runs every 700 allocations and promotes whatever
is alive at that moment, so transient objects pile into the oldest generation, and full
collections, each a pause of everything the worker does while it walks the whole heap, came a
dozen times a level and took up to 0.7 s each at 750 streams (docs/performance.md, "Collections").
Once a worker has loaded its models, `settle_heap` freezes what start-up made (it lives as long
as the process, so no collection need walk it again) and runs young collections less often.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value; setting it stops its adjustment
# Allocations (less deallocations) between young collections; CPython's default is 700. A young
# collection still walks only what was made since the last one, and most of a frame's objects
# are gone by then. The middle and old thresholds stay CPython's.
YOUNG_COLLECTION_ALLOCATIONS = 20_000
GC_THRESHOLDS = (YOUNG_COLLECTION_ALLOCATIONS, 10, 10)
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
