"""
Where pages and blocks are kept with the versions of their tags, and how tags move (the design is
in the package's docstring).
"""

import datetime
import threading
import typing

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from ops import replication
from pagecache import registry, versions

# Tag versions are numbers from the version clock (``pagecache.versions``); the format is in the
# prefix, so versions an older release kept (random tokens) are never compared with them.
TAG_PREFIX = "tag:2:"
CLOCK_KEY = "page-cache:clock"
NEXT_CHANGE_KEY = "page-cache:next-change:2"
# The tag a change to what happens by the clock moves (a story scheduled, rescheduled, published or
# taken down, a pick's window): the next scheduled change is asked again only then. No page has it.
SCHEDULES = "schedules"
SCHEDULES_KEY = TAG_PREFIX + SCHEDULES
# Request attribute holding when (and at which clock value) the request started reading.
STARTED_ATTRIBUTE = "page_cache_started"
# How many entries' tags a process remembers (a few hundred bytes each) to serve hits in one
# round trip: entry key -> the tag keys its stored copy had when this process last saw it. The
# least recently used are forgotten first, so the pages being read stay one round trip.
REMEMBERED_ENTRIES = 5_000
_remembered_tag_keys = LRUCache(REMEMBERED_ENTRIES)
# Threaded servers share it, and an LRU cache reorders itself on every read.
_remembered_lock = threading.Lock()
# One copy of each tag key for all the entries remembered: most pages share most of their tags
# ("site", "listing", a section's), and a copy per entry read back from the cache was 40,000
# small strings, kept for as long as the worker lives among the short-lived objects of renders
# (memory the worker could not give back). Emptied when it grows past this, which only ends the
# sharing of the keys already remembered.
SHARED_TAG_KEYS = 50_000
_shared_tag_keys = {}


def cache():
    return caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]


def is_on():
    return settings.NEWSROOM_PAGE_CACHE_TTL > 0


class PurgeFailed(Exception):
    """The cache did not take an invalidation: pages showing its tags may still be served."""


def invalidate(*tags):
    """
    Refresh every cached page and block showing any of ``tags`` (the application calls it
    through ``purges``, which retries it until it lands): the clock advances and the tags take
    its new value, in one step. Raises ``PurgeFailed`` if the cache did not take it.
    """
    if tags:
        store = cache()
        value = versions.advance(store, CLOCK_KEY, [TAG_PREFIX + str(t) for t in sorted(set(tags))])
        if value is None:
            raise PurgeFailed(f"the cache did not take the invalidation of {', '.join(sorted(set(tags)))}")
        # What a read replica must have replayed to render at this clock (ops/replication.py).
        replication.record_clock(store, value)


class Start(typing.NamedTuple):
    """When a request started reading what it shows, and the version clock then."""

    clock: int | None
    at: datetime.datetime


def clock(store, found=None):
    """
    The version clock now (from ``found``, a ``read``, if it has it), started if the cache has
    none; ``None`` if the cache is away (nothing read after it is stored).
    """
    current = (found or {}).get(CLOCK_KEY)
    if current is None:
        current = versions.start(store, CLOCK_KEY)
    if current is not None:
        # Data read from here on is kept at this clock: from a replica only if it is not behind
        # it (ops/replication.py).
        replication.require_replayed(store, current)
    return current


def started(request):
    """
    When ``request`` started reading data (see :class:`Start`). A view that reads data before it
    asks for its blocks calls this first, and passes it to ``cached_blocks``.
    """
    if not hasattr(request, STARTED_ATTRIBUTE):
        current = clock(cache()) if is_on() else None
        setattr(request, STARTED_ATTRIBUTE, Start(current, timezone.now()))
    return getattr(request, STARTED_ATTRIBUTE)


def _tag_versions(store, keys, since_clock):
    """
    The current versions of the tag ``keys``, or ``None`` if any of them moved after the clock
    was ``since_clock`` (the request started): what was rendered may show that thing as it was.
    Only the entry's own tags count, whenever the render declared them: the version a tag takes
    when it moves is above every clock value read before, so one that moved is seen here.
    """
    if since_clock is None:
        return None
    found = store.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # Never moved, or dropped by the cache (perhaps after it moved during this render): it
        # takes the clock's value, which is above ``since_clock`` if anything at all moved since.
        versions.set_to_clock(store, CLOCK_KEY, missing)
        found.update(store.get_many(missing))
    if len(found) < len(keys) or any(version > since_clock for version in found.values()):
        return None
    return found


def _remember(key, tag_keys):
    with _remembered_lock:
        if len(_shared_tag_keys) > SHARED_TAG_KEYS:
            _shared_tag_keys.clear()
        _remembered_tag_keys[key] = tuple(
            _shared_tag_keys.setdefault(tag_key, tag_key) for tag_key in tag_keys
        )


def read(store, keys):
    """
    One round trip: the entries stored at ``keys``, the version clock, and the current versions
    of the tags those entries had when this process last saw them.
    """
    with _remembered_lock:
        remembered = [tag_key for key in keys for tag_key in _remembered_tag_keys.get(key, ())]
    return store.get_many([*keys, CLOCK_KEY, *remembered])


def fresh_entry(store, key, found):
    """The entry at ``key`` in ``found`` (from ``read``) if none of its tags has moved, or None."""
    entry = found.get(key)
    if entry is None:
        return None
    kept = entry["versions"]
    unread = [tag_key for tag_key in kept if tag_key not in found]
    if unread:
        # Its tags changed since this process last saw it (or a version was evicted).
        found.update(store.get_many(unread))
        _remember(key, kept)
    if any(found.get(tag_key) != version for tag_key, version in kept.items()):
        return None
    return entry


def store_entry(store, key, entry, tags, *, since):
    """
    Store ``entry``, rendered from data read after ``since`` (a :class:`Start`), with the current
    versions of ``tags``: for as long as it may be kept, and only if none of them has moved since.
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
    current = _tag_versions(store, tag_keys, since.clock)
    if current is None:
        return False  # something it shows changed while it was rendered: it may show it as it was
    store.set_many({key: {**entry, "versions": current} for key, entry in entries.items()}, ttl)
    for key in entries if remember is None else remember:
        _remember(key, tag_keys)
    return True


def next_change(store, since):
    """
    The first moment after ``since.at`` at which visibility changes by the clock, as a
    timestamp, or None. Remembered with the version of ``SCHEDULES`` read before it was asked,
    and the moment it was asked from: it is used for a request that started between that moment
    and the answer, while no schedule has changed since (a new embargo, say, moves ``SCHEDULES``).
    """
    found = store.get_many([NEXT_CHANGE_KEY, SCHEDULES_KEY])
    schedules_version = found.get(SCHEDULES_KEY)
    at = since.at.timestamp()
    remembered = found.get(NEXT_CHANGE_KEY)
    if remembered is not None and schedules_version is not None:
        remembered_version, asked_from, moment = remembered
        if remembered_version == schedules_version and asked_from <= at and (moment is None or moment > at):
            return moment
    # Unknown, from before a schedule changed, or passed: ask the apps (one indexed query each).
    moment = registry.schedules.next_change(now=since.at)
    timestamp = moment.timestamp() if moment else None
    if schedules_version is not None:
        store.set(NEXT_CHANGE_KEY, (schedules_version, at, timestamp), None)
    else:
        # Never moved, or dropped by the cache: from now on it has a version that no answer
        # asked before a schedule change that it missed can share.
        versions.set_to_clock(store, CLOCK_KEY, [SCHEDULES_KEY])
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
