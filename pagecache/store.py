"""
Where pages and blocks are kept with the versions of their tags, and how tags move (the design is
in the package's docstring).
"""

import datetime
import secrets
import threading
import typing

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from ops import replication
from pagecache import registry

TAG_PREFIX = "tag:"
GENERATION_KEY = "page-cache:generation"
NEXT_CHANGE_KEY = "page-cache:next-change"
# Request attribute holding when (and under which generation) the request started reading.
STARTED_ATTRIBUTE = "page_cache_started"
# How many entries' tags a process remembers (a few hundred bytes each) to serve hits in one
# round trip: entry key -> the tag keys its stored copy had when this process last saw it. The
# least recently used are forgotten first, so the pages being read stay one round trip.
REMEMBERED_ENTRIES = 5_000
_remembered_tag_keys = LRUCache(REMEMBERED_ENTRIES)
# Threaded servers share it, and an LRU cache reorders itself on every read.
_remembered_lock = threading.Lock()


def cache():
    return caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]


def is_on():
    return settings.NEWSROOM_PAGE_CACHE_TTL > 0


def _new_version():
    # An int: the Redis backend stores it as it is, so reading one back costs no unpickling.
    return secrets.randbits(62)


class PurgeFailed(Exception):
    """The cache did not take an invalidation: pages showing its tags may still be served."""


def invalidate(*tags):
    """
    Refresh every cached page and block showing any of ``tags``, and recompute the next
    scheduled change (the application calls it through ``purges``, which retries it until it
    lands). Raises ``PurgeFailed`` if the cache did not take it.
    """
    if tags:
        store = cache()
        # The generation first: whoever then reads a moved tag also reads the moved generation
        # (``_tag_versions`` reads them in the other order), even where writes are not atomic.
        # set_many answers the keys it could not store (Django's contract; set() answers nothing).
        generation = _new_version()
        failed = store.set_many({GENERATION_KEY: generation}, None)
        if not failed:
            # What a read replica must have replayed to render under it (ops/replication.py).
            replication.record_generation(store, generation)
            failed = store.set_many({TAG_PREFIX + str(t): _new_version() for t in set(tags)}, None)
        if failed:
            raise PurgeFailed(f"the cache did not store {', '.join(sorted(failed))}")


class Start(typing.NamedTuple):
    """When a request started reading what it shows, and the generation then."""

    generation: int | None
    at: datetime.datetime


def generation(store, found=None):
    """
    The generation now (from ``found``, a ``read``, if it has it). One is made if the cache has
    none (never invalidated, or evicted): a request that started without one could not tell
    whether an invalidation happened while it rendered.
    """
    current = (found or {}).get(GENERATION_KEY)
    if current is None:
        store.add(GENERATION_KEY, _new_version(), None)
        current = store.get(GENERATION_KEY)
    # Data read from here on is kept under this generation: from a replica only if it is not
    # behind it (ops/replication.py).
    replication.require_replayed(store, current)
    return current


def started(request):
    """
    When ``request`` started reading data (see :class:`Start`). A view that reads data before it
    asks for its blocks calls this first, and passes it to ``cached_blocks``.
    """
    if not hasattr(request, STARTED_ATTRIBUTE):
        current = generation(cache()) if is_on() else None
        setattr(request, STARTED_ATTRIBUTE, Start(current, timezone.now()))
    return getattr(request, STARTED_ATTRIBUTE)


def _tag_versions(store, keys, since_generation):
    """
    The current versions of the tag ``keys``, or ``None`` if the generation is no longer
    ``since_generation`` (an invalidation happened since the request started).
    """
    if since_generation is None:
        return None
    versions = store.get_many([*keys, GENERATION_KEY])  # the generation last: see invalidate()
    if versions.pop(GENERATION_KEY, None) != since_generation:
        return None
    missing = [key for key in keys if key not in versions]
    if missing:
        # add(), not set(): two processes storing at once must not move each other's versions.
        for key in missing:
            store.add(key, _new_version(), None)
        versions.update(store.get_many([*missing, GENERATION_KEY]))
        if versions.pop(GENERATION_KEY, None) != since_generation:
            return None  # an invalidation landed while the missing versions were added
    return versions


def _remember(key, tag_keys):
    with _remembered_lock:
        _remembered_tag_keys[key] = tuple(tag_keys)


def read(store, keys):
    """
    One round trip: the entries stored at ``keys``, the generation, and the current versions of
    the tags those entries had when this process last saw them.
    """
    with _remembered_lock:
        remembered = [tag_key for key in keys for tag_key in _remembered_tag_keys.get(key, ())]
    return store.get_many([*keys, GENERATION_KEY, *remembered])


def fresh_entry(store, key, found):
    """The entry at ``key`` in ``found`` (from ``read``) if none of its tags has moved, or None."""
    entry = found.get(key)
    if entry is None:
        return None
    versions = entry["versions"]
    unread = [tag_key for tag_key in versions if tag_key not in found]
    if unread:
        # Its tags changed since this process last saw it (or a version was evicted).
        found.update(store.get_many(unread))
        _remember(key, versions)
    if any(found.get(tag_key) != version for tag_key, version in versions.items()):
        return None
    return entry


def store_entry(store, key, entry, tags, *, since):
    """
    Store ``entry``, rendered from data read after ``since`` (a :class:`Start`), with the current
    versions of ``tags``: for as long as it may be kept, and only if the generation has not moved.
    """
    store_entries(store, {key: entry}, tags, since=since)


def store_entries(store, entries, tags, *, since, remember=None):
    """
    ``store_entry`` for several entries showing the same thing (``{key: entry}``: a page in each
    content coding), in one write. This process remembers the tags of those in ``remember`` (all
    by default): the page cache names the one its request reads, as a hit would. Whether they
    were stored (an edge may keep only what was: ``pagecache.edge``).
    """
    ttl = _seconds_to_keep(store, since)
    if ttl <= 0:
        return False
    tag_keys = [TAG_PREFIX + t for t in sorted(tags)]
    versions = _tag_versions(store, tag_keys, since.generation)
    if versions is None:
        return False  # something changed while this was rendered: it may show it as it was
    store.set_many({key: {**entry, "versions": versions} for key, entry in entries.items()}, ttl)
    for key in entries if remember is None else remember:
        _remember(key, tag_keys)
    return True


def next_change(store, since):
    """
    The first moment after ``since.at`` at which visibility changes by the clock, as a
    timestamp, or None. Remembered with the generation it was computed under: an answer from
    before any later change (a new embargo, say) is never used.
    """
    remembered = store.get(NEXT_CHANGE_KEY)
    if remembered is not None:
        remembered_generation, moment = remembered
        if remembered_generation == since.generation and (moment is None or moment > since.at.timestamp()):
            return moment
    # Unknown, from an older generation, or passed: ask the apps (one query each).
    moment = registry.schedules.next_change(now=since.at)
    timestamp = moment.timestamp() if moment else None
    store.set(NEXT_CHANGE_KEY, (since.generation, timestamp), None)
    return timestamp


def _seconds_to_keep(store, since):
    """
    How long, from now, something rendered from data read after ``since`` may be kept: the
    TTL, and never past the next visibility change after ``since`` (0: not at all).
    """
    ttl = settings.NEWSROOM_PAGE_CACHE_TTL
    if ttl <= 0:
        return 0  # the page cache is off
    moment = next_change(store, since)
    if moment is not None:
        ttl = min(ttl, int(moment - timezone.now().timestamp()))
    return max(ttl, 0)
