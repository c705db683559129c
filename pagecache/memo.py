"""
Small parts that every reader page shows and that change rarely (the section menu), kept in each
process's memory, with the page cache on or off, and refreshed by tags like pages and blocks.

Read and rendered on every page, the section menu cost the story page a query and more Python
than its own story text. A copy kept in memory costs one cache round trip instead: the current
versions of its tags. Each process keeps a part with the versions its tags had before its data
was read, and uses it while they have not moved; a change anywhere moves them after it commits
(``invalidate``), so the next request in every process reads the data again.

Kept in memory rather than in the cache like a block, because a block is kept only while the
page cache is on (``NEWSROOM_PAGE_CACHE_TTL``), and reading it back costs its HTML's transfer and
unpickling besides the versions. Only for parts that no clock changes (no embargo, no window):
whatever they show must move a tag when it changes.
"""

import threading

from cachetools import LRUCache

from pagecache import store

# Parts by name, with the versions of their tags: a handful of small strings (a menu per marked
# section), in every process.
KEPT_PARTS = 256
_kept = LRUCache(KEPT_PARTS)
_lock = threading.Lock()  # threaded servers share it, and an LRU cache reorders itself on reads


def kept_in_process(name, tags, compute):
    """
    ``compute()``'s value for the part ``name``, which shows what ``tags`` name: this process's
    copy if none of them has moved since it was computed, else computed now (and kept). With the
    cache away, nothing says whether they moved: computed every time.
    """
    current = store.current_versions(tags)
    if current is None:
        return compute()
    with _lock:
        kept = _kept.get(name)
    if kept is not None and kept[0] == current:
        return kept[1]
    # The versions were read before the data is: a change committed after that read moves a tag
    # above them, and the next request computes the part again. Read from a replica only if it
    # has replayed every change up to the clock, which is at or above those versions.
    store.clock(store.cache())
    value = compute()
    with _lock:
        _kept[name] = (current, value)
    return value
