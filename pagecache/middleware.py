"""
Serve and store whole pages for anonymous readers (the design is in the package's docstring), and
compress what the page cache does not keep.
"""

import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, quote_etag

from pagecache import edge, encoding, keys, purges, store
from pagecache.declare import TAGS_ATTRIBUTE, add_rendered_tags

# Headers a stored page keeps; everything else is recomputed. (A view that sets its own ETag
# keeps it; ConditionalGetMiddleware makes one for the others, hits included.)
KEPT_HEADERS = (
    "Content-Type",
    "Content-Encoding",
    "Vary",
    "Content-Language",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Robots-Tag",
    "Link",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    # The page's tags for an edge (pagecache.edge); its Surrogate-Control is computed per response.
    *edge.TAG_HEADERS,
)


# A page that is gone (a story taken down: 410) or missing (404).
GONE_STATUSES = (404, 410)


def set_shared_cache_headers(response):
    patch_cache_control(response, **settings.NEWSROOM_READER_CACHE_CONTROL)


def set_gone_cache_headers(response):
    """
    A reader's 404 or 410 carries the headers of the page it replaces (``s-maxage`` above all).
    RFC 9111 lets a shared cache store any final status that has explicit freshness, and each
    one then stores it over the 200 it held, so the next request gets the 410, and keeps it no
    longer than a page (a story put back is seen as fast as a change). Without them each applies
    its own defaults: Varnish keeps a 410 for its default TTL (two minutes), CDNs differ, and
    nginx stores only 200, 301 and 302, so its background refresh (stale-while-revalidate)
    fetches the 410, throws it away and goes on serving the stale 200.
    """
    if not response.has_header("Cache-Control"):
        set_shared_cache_headers(response)
    # A view that says which page is gone (a story taken down) tags it, so that an edge keeping
    # the 410 drops it when the story is published again, as it drops the story's page.
    if tags := getattr(response, TAGS_ATTRIBUTE, None):
        edge.set_tags(response, tags)


class PageCacheMiddleware:
    """
    Serve a kept page to an anonymous GET or HEAD, or let the view render it and keep it if it is
    tagged. Goes after ``ConditionalGetMiddleware`` (which answers 304s from what this returns)
    and before the session middleware (a hit needs no session).
    """

    response_class = HttpResponse

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Purges that could not land (the cache away when a change committed) before any read.
        purges.catch_up()
        if not self._cacheable_request(request):
            return self.get_response(request)
        # The query string narrowed, with the cache on or off; a key per content coding.
        page_keys = keys.page_keys(request)
        if page_keys is None or not store.is_on():
            response = add_rendered_tags(request, self.get_response(request))
            if self._storable(response):
                self._prepare(response)
            elif response.status_code in GONE_STATUSES:
                set_gone_cache_headers(response)
            return response
        cache = store.cache()
        now = timezone.now()
        coding = encoding.accepted(request)
        key = page_keys[coding]  # only the bytes this request gets: a hit compresses nothing
        found = store.read(cache, [key])
        entry = store.fresh_entry(cache, key, found)
        if entry is not None:
            return self._serve(entry)
        setattr(request, store.STARTED_ATTRIBUTE, store.Start(store.clock(cache, found), now))
        response = add_rendered_tags(request, self.get_response(request))
        if self._storable(response):
            self._prepare(response)
            self._store(cache, page_keys, coding, response, since=store.started(request))
        elif response.status_code in GONE_STATUSES:
            set_gone_cache_headers(response)
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

    def _prepare(self, response):
        """The headers of a page any reader may get, whether it is kept or not."""
        if not response.has_header("Last-Modified"):  # a feed keeps its newest story's time
            response["Last-Modified"] = http_date(timezone.now().timestamp())
        set_shared_cache_headers(response)
        edge.set_tags(response, getattr(response, TAGS_ATTRIBUTE))
        response["X-Page-Cache"] = "MISS"

    def _store(self, cache, page_keys, coding, response, *, since):
        """
        Keep ``response`` in every content coding (compressed now, once for all its hits), and
        make it the one in ``coding``, which this request takes.
        """
        encoded = {}
        if encoding.compressible(response):
            encoding.vary_on_coding(response)
            encoded = {each: encoding.encode(response.content, each) for each in encoding.CODINGS}
        entries = {
            page_keys[each]: self._entry(response, each, encoded.get(each)) for each in encoding.CODINGS
        }
        keep_until = edge.keep_until(cache, since)  # None without an edge
        if keep_until is not None:
            for entry in entries.values():
                entry["edge_until"] = keep_until
        tags = getattr(response, TAGS_ATTRIBUTE)
        stored = store.store_entries(cache, entries, tags, since=since, remember=[page_keys[coding]])
        self._apply(response, entries[page_keys[coding]])
        if stored:  # not stored: it may show what a purge has just dropped, so no edge keeps it
            edge.set_keep(response, keep_until)

    def _entry(self, response, coding, encoded):
        """What is kept of ``response`` for requests taking ``coding`` (``encoded``: its body in it)."""
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        content = response.content
        if encoded is not None and coding != encoding.IDENTITY:
            content = encoded
            headers.update(encoding.coded_headers(response, coding))
        if "ETag" not in headers:
            # The ETag ConditionalGetMiddleware would compute, hashing the body on every hit:
            # hashed once here, it is kept with the bytes it names.
            headers["ETag"] = quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())
        return {"content": content, "headers": headers}

    def _apply(self, response, entry):
        response.content = entry["content"]
        for name, value in entry["headers"].items():
            response[name] = value
        response["Content-Length"] = str(len(entry["content"]))

    def _serve(self, entry):
        response = self.response_class()
        self._apply(response, entry)
        edge.set_keep(response, entry.get("edge_until"))
        response["X-Page-Cache"] = "HIT"
        return response


class CompressionMiddleware:
    """
    Compress a text response in the coding the request prefers (``pagecache.encoding``), unless
    it is in one already: pages the page cache serves or stores come in their coding from it, so
    this compresses only what it does not keep (staff, previews, pages not tagged). Goes between
    ``ConditionalGetMiddleware`` (whose ETag is then that of the bytes sent) and the page cache.

    BREACH: a compressed response's length can tell an attacker who makes a victim's browser send
    chosen text whether that text is in the response. Reader pages hold no secret. A response
    that handed out a CSRF token (the admin's forms, any page with a ``{% csrf_token %}``) may
    also reflect what the request sent, so it is never compressed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not encoding.compressible(response):
            return response
        encoding.vary_on_coding(response)
        if "CSRF_COOKIE_NEEDS_UPDATE" in request.META:  # get_token() ran: see BREACH above
            return response
        coding = encoding.accepted(request)
        if coding == encoding.IDENTITY:
            return response
        encoded = encoding.encode(response.content, coding)
        if encoded is None:
            return response
        response.content = encoded
        response["Content-Length"] = str(len(encoded))
        for name, value in encoding.coded_headers(response, coding).items():
            response[name] = value
        return response
