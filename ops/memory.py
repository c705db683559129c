"""
Memory a worker has freed, given back to the operating system every few requests.

A page render allocates and frees a few MB (querysets, rows, template nodes, the page itself);
a sitemap or feed more. CPython hands objects over 512 bytes, and its own arenas' bookkeeping,
to the C allocator, and glibc's malloc keeps what was freed inside its heap for reuse. It only
returns memory on its own when the free space is at the very top of the heap, which
fragmentation rarely allows, so a long-lived worker's RSS rises by the spread of its requests,
not by what it holds: after `make bench`'s reader mix a worker held about 20 MB of free heap
(110 MB of RSS; 87 MB with this, bench/RESULTS.md). ``malloc_trim(0)`` also releases the free
pages inside the heap (madvise), which is what this asks for, after every ``TRIM_EVERY``
requests, once the response has been sent (``request_finished``).

Not worker recycling (gunicorn's ``max_requests``): a recycled worker starts cold (its compiled
queries, remembered tags and pictures are gone) and only hides a leak; this frees nothing that
is in use. Not a replacement allocator (jemalloc through LD_PRELOAD): that is the deployment's
choice, and this costs nothing where it does not apply.
"""

import ctypes
import ctypes.util
import itertools

# A trim walks the heap's free chunks: well under a millisecond here, so once every 64
# requests costs each request a few microseconds.
TRIM_EVERY = 64


def _malloc_trim():
    """glibc's ``malloc_trim``, or ``None`` where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return getattr(ctypes.CDLL(name), "malloc_trim", None)


malloc_trim = _malloc_trim()
_finished = itertools.count(1)  # next() is atomic under the GIL: threaded servers share it


def release_free_memory():
    """Give the C allocator's free pages back to the operating system; whether it could."""
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True


def trim_every_few_requests(sender, **kwargs):
    """``request_finished`` receiver: release free memory after every ``TRIM_EVERY`` requests."""
    if next(_finished) % TRIM_EVERY == 0:
        release_free_memory()
