"""
Full-page cache for anonymous readers, with exact invalidation by tags.

Readers outnumber editors by orders of magnitude, and every anonymous reader gets the same bytes
for a page (see ``newsroom/consent.py``), so a whole rendered page can be kept and served again
without touching the database. The hard part is never serving a page that shows something that
has changed. The design:

* A view says what its page shows by calling :func:`tag` with cache tags (for example
  ``article:12``, ``section:3``, ``picks``). Only tagged responses are stored, so a page nobody
  thought about is never cached by accident.
* Each tag has a *version* token in the cache. A stored page remembers the versions of its tags
  when it was rendered, and is served only while none of them has moved. :func:`invalidate`
  moves the tags (a new random token each), so every page that showed a changed thing is
  refreshed on its next request, across all workers sharing the cache (Redis in production).
  The application calls it from ``transaction.on_commit`` only, so a rolled-back change
  invalidates nothing and a reader never gets a page rendered from uncommitted data.
* A hit costs one cache round trip: each worker remembers which tags a page had the last time it
  saw it, and asks for the page and those tags' versions together (if the page's tags have
  changed since, a second ``get_many`` reads the others).
* Every invalidation also moves a site-wide *generation* token (before the tags it names), read
  when a request starts (:func:`started`) and again, after the tags, just before its page or
  block is stored. Something rendered while an invalidation happened may show what was just
  changed as it was, so it is not stored.
* A page or block is kept for ``NEWSROOM_PAGE_CACHE_TTL`` seconds at most, and never past the
  first moment after its request started at which a story goes live or comes down by the clock,
  or an Editor's Pick starts or ends (``NEWSROOM_PAGE_CACHE_NEXT_CHANGE``): visibility that
  changes with the clock alone is refreshed on time without anyone acting. That moment is
  remembered with the generation it was computed under, so any change recomputes it.
* Only GET/HEAD requests without a session cookie are served from or stored in the cache; staff
  (logged in), previews and the admin always get a fresh page. Responses that set a cookie or vary
  on it are never stored.
* Each page carries an ``ETag`` (a hash of its bytes) and ``Last-Modified`` (when it was
  rendered); a conditional request for a cached page gets a 304 without any SQL query.
* Parts of pages are kept the same way (:func:`cached_blocks`): a page that has to be rendered
  (its tags moved, or a logged-in editor asked) reuses the blocks whose tags did not move. One
  story published in a section refreshes every page whose Related News fills from it, and those
  pages then re-render that block alone, not the story they are about or the Editor's Pick.

The HTTP caching headers for shared caches (``Cache-Control: public, max-age, s-maxage,
stale-while-revalidate, stale-if-error``) are set here too, for every response the middleware
would store, so nginx or a CDN in front can hold pages for ``s-maxage`` seconds (one) and keep
serving a stale copy while it refreshes or when the application is down.
"""

import datetime
import functools
import hashlib
import secrets
import typing

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

from newsroom.memo import BoundedMemo

# The entry format's version is in the key: entries an older release stored are never read.
PAGE_PREFIX = "page:2:"
BLOCK_PREFIX = "block:1:"
TAG_PREFIX = "tag:"
GENERATION_KEY = "page-cache:generation"
NEXT_CHANGE_KEY = "page-cache:next-change"
# Request attribute holding when (and under which generation) the request started reading.
STARTED_ATTRIBUTE = "page_cache_started"
# Response attribute a view's tags are collected on.
TAGS_ATTRIBUTE = "cache_tags"
# Headers a stored page keeps; everything else is recomputed.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Robots-Tag",
    "Link",
    "ETag",
    "Last-Modified",
    "Cache-Control",
)
# How many entries' tags a worker remembers (a few hundred bytes each) to serve hits in one round
# trip: entry key -> the tag keys its stored copy had when this worker last saw it.
REMEMBERED_ENTRIES = 5_000
_remembered_tag_keys = BoundedMemo(REMEMBERED_ENTRIES)


def _cache():
    return caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]


def tag(response, *tags):
    """Declare what ``response`` shows; only tagged responses are cached."""
    existing = getattr(response, TAGS_ATTRIBUTE, set())
    setattr(response, TAGS_ATTRIBUTE, existing | {str(t) for t in tags})
    return response


def tagged(view, *tags):
    """Wrap a view someone else wrote (a sitemap, say) so that its pages carry ``tags``."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return tag(view(request, *args, **kwargs), *tags)

    return wrapper


def _new_version():
    # An int: the Redis backend stores it as it is, so reading one back costs no unpickling.
    return secrets.randbits(62)


def invalidate(*tags):
    """
    Refresh every cached page and block showing any of ``tags``, and recompute the next
    scheduled change (call from ``transaction.on_commit``).
    """
    if tags:
        cache = _cache()
        # The generation first: whoever then reads a moved tag also reads the moved generation
        # (``_tag_versions`` reads them in the other order), even where writes are not atomic.
        cache.set(GENERATION_KEY, _new_version(), None)
        cache.set_many({TAG_PREFIX + str(t): _new_version() for t in set(tags)}, None)


class Start(typing.NamedTuple):
    """When a request started reading what it shows, and the generation then."""

    generation: int | None
    at: datetime.datetime


def started(request):
    """
    When ``request`` started reading data (see :class:`Start`). A view that reads data before it
    asks for its blocks calls this first, and passes it to :func:`cached_blocks`.
    """
    if not hasattr(request, STARTED_ATTRIBUTE):
        generation = _cache().get(GENERATION_KEY) if settings.NEWSROOM_PAGE_CACHE_TTL > 0 else None
        setattr(request, STARTED_ATTRIBUTE, Start(generation, timezone.now()))
    return getattr(request, STARTED_ATTRIBUTE)


def _tag_versions(cache, keys, generation):
    """
    The current versions of the tag ``keys``, or ``None`` if the generation is no longer
    ``generation`` (an invalidation happened since the request started).
    """
    versions = cache.get_many([*keys, GENERATION_KEY])  # the generation last: see invalidate()
    if versions.pop(GENERATION_KEY, None) != generation:
        return None
    missing = [key for key in keys if key not in versions]
    if missing:
        # add(), not set(): two workers storing at once must not move each other's versions.
        for key in missing:
            cache.add(key, _new_version(), None)
        versions.update(cache.get_many([*missing, GENERATION_KEY]))
        if versions.pop(GENERATION_KEY, None) != generation:
            return None  # an invalidation landed while the missing versions were added
    return versions


def _remember(key, tag_keys):
    _remembered_tag_keys.set(key, tuple(tag_keys))


def _read(cache, keys):
    """
    One round trip: the entries stored at ``keys``, the generation, and the current versions of
    the tags those entries had when this worker last saw them.
    """
    remembered = [tag_key for key in keys for tag_key in _remembered_tag_keys.get(key, ())]
    return cache.get_many([*keys, GENERATION_KEY, *remembered])


def _fresh_entry(cache, key, found):
    """The entry at ``key`` in ``found`` (from ``_read``) if none of its tags has moved, or None."""
    entry = found.get(key)
    if entry is None:
        return None
    versions = entry["versions"]
    unread = [tag_key for tag_key in versions if tag_key not in found]
    if unread:
        # Its tags changed since this worker last saw it (or a version was evicted).
        found.update(cache.get_many(unread))
        _remember(key, versions)
    if any(found.get(tag_key) != version for tag_key, version in versions.items()):
        return None
    return entry


def _store_entry(cache, key, entry, tags, *, since):
    """
    Store ``entry``, rendered from data read after ``since`` (a :class:`Start`), with the current
    versions of ``tags``: for as long as it may be kept, and only if the generation has not moved.
    """
    ttl = _seconds_to_keep(cache, since)
    if ttl <= 0:
        return
    tag_keys = [TAG_PREFIX + t for t in sorted(tags)]
    versions = _tag_versions(cache, tag_keys, since.generation)
    if versions is None:
        return  # something changed while this was rendered: it may show it as it was
    cache.set(key, {**entry, "versions": versions}, ttl)
    _remember(key, tag_keys)


def cached_blocks(blocks, *, since=None):
    """
    Parts of a page kept between requests and refreshed by tags, like whole pages.

    ``blocks``: ``[(name, render)]``, where ``render()`` returns ``(html, tags)``: rendered
    template output and what it shows. Returns ``[(html, tags)]`` in the same order: each block
    as stored if none of its tags has moved, the others rendered now (and stored). All of them
    are read in one round trip. With the page cache off (a TTL of 0) every block is rendered.
    The caller tags its page with the blocks' tags too.

    A caller whose ``render`` functions use data it read before calling passes ``since``, from
    :func:`started` called before that read.
    """
    cache = _cache()
    if settings.NEWSROOM_PAGE_CACHE_TTL <= 0:
        return [render() for _, render in blocks]
    now = timezone.now()
    keys = [BLOCK_PREFIX + name for name, _ in blocks]
    found = _read(cache, keys)
    since = since or Start(found.get(GENERATION_KEY), now)
    results = []
    for key, (_, render) in zip(keys, blocks, strict=True):
        entry = _fresh_entry(cache, key, found)
        if entry is not None:
            tags = {tag_key.removeprefix(TAG_PREFIX) for tag_key in entry["versions"]}
            results.append((mark_safe(entry["html"]), tags))
            continue
        html, tags = render()
        _store_entry(cache, key, {"html": str(html)}, tags, since=since)
        results.append((html, set(tags)))
    return results


def _page_key(request):
    # Scheme and host are part of the address: http and https copies are different pages.
    url = request.build_absolute_uri()
    return PAGE_PREFIX + hashlib.sha256(url.encode()).hexdigest()


def _next_change(cache, since):
    """
    The first moment after ``since.at`` at which visibility changes by the clock, as a
    timestamp, or None. Remembered with the generation it was computed under: an answer from
    before any later change (a new embargo, say) is never used.
    """
    remembered = cache.get(NEXT_CHANGE_KEY)
    if remembered is not None:
        generation, moment = remembered
        if generation == since.generation and (moment is None or moment > since.at.timestamp()):
            return moment
    # Unknown, from an older generation, or passed: ask the application (one query).
    moment = import_string(settings.NEWSROOM_PAGE_CACHE_NEXT_CHANGE)(now=since.at)
    timestamp = moment.timestamp() if moment else None
    cache.set(NEXT_CHANGE_KEY, (since.generation, timestamp), None)
    return timestamp


def _seconds_to_keep(cache, since):
    """
    How long, from now, something rendered from data read after ``since`` may be kept: the
    TTL, and never past the next visibility change after ``since`` (0: not at all).
    """
    ttl = settings.NEWSROOM_PAGE_CACHE_TTL
    if ttl <= 0:
        return 0  # the page cache is off
    next_change = _next_change(cache, since)
    if next_change is not None:
        ttl = min(ttl, int(next_change - timezone.now().timestamp()))
    return max(ttl, 0)


def set_shared_cache_headers(response):
    patch_cache_control(response, **settings.NEWSROOM_READER_CACHE_CONTROL)


class PageCacheMiddleware:
    """Serve and store whole pages for anonymous readers (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        cache = _cache()
        key = _page_key(request)
        now = timezone.now()
        found = _read(cache, [key])
        entry = _fresh_entry(cache, key, found)
        if entry is not None:
            return self._serve(request, entry)
        setattr(request, STARTED_ATTRIBUTE, Start(found.get(GENERATION_KEY), now))
        response = self.get_response(request)
        if self._storable(response):
            self._store(cache, key, response, since=started(request))
        return response

    def _cacheable_request(self, request):
        if request.method not in ("GET", "HEAD"):
            return False
        # Anyone with a session (staff, in practice) gets fresh pages; previews are never cached.
        return settings.SESSION_COOKIE_NAME not in request.COOKIES

    def _storable(self, response):
        return (
            response.status_code == 200
            and getattr(response, TAGS_ATTRIBUTE, None)
            and not response.cookies
            and not getattr(response, "streaming", False)
            and "cookie" not in response.get("Vary", "").lower()
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    def _store(self, cache, key, response, *, since):
        now = timezone.now()
        # A view that knows better (a feed's newest story) keeps its own validators.
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(now.timestamp())
        set_shared_cache_headers(response)
        response["X-Page-Cache"] = "MISS"
        if settings.NEWSROOM_PAGE_CACHE_TTL <= 0:
            return
        entry = {
            "content": response.content,
            "headers": {name: response[name] for name in KEPT_HEADERS if name in response},
            "last_modified": parse_http_date_safe(response["Last-Modified"]),
        }
        _store_entry(cache, key, entry, getattr(response, TAGS_ATTRIBUTE), since=since)

    def _serve(self, request, entry):
        response = HttpResponse(entry["content"])
        for name, value in entry["headers"].items():
            response[name] = value
        response["X-Page-Cache"] = "HIT"
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=entry["last_modified"], response=response
        )
