"""Serve and store whole pages for anonymous readers (the design is in the package's docstring)."""

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from pagecache import keys, store
from pagecache.declare import TAGS_ATTRIBUTE

# Headers a stored page keeps; everything else is recomputed. (A view that sets its own ETag
# keeps it; ConditionalGetMiddleware makes one for the others, hits included.)
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


def set_shared_cache_headers(response):
    patch_cache_control(response, **settings.NEWSROOM_READER_CACHE_CONTROL)


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
        if not self._cacheable_request(request):
            return self.get_response(request)
        key = keys.page_key(request)  # the query string narrowed, with the cache on or off
        if key is None or not store.is_on():
            response = self.get_response(request)
            if self._storable(response):
                self._prepare(response)
            return response
        cache = store.cache()
        now = timezone.now()
        found = store.read(cache, [key])
        entry = store.fresh_entry(cache, key, found)
        if entry is not None:
            return self._serve(entry)
        setattr(request, store.STARTED_ATTRIBUTE, store.Start(store.generation(cache, found), now))
        response = self.get_response(request)
        if self._storable(response):
            self._prepare(response)
            self._store(cache, key, response, since=store.started(request))
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
        response["X-Page-Cache"] = "MISS"

    def _store(self, cache, key, response, *, since):
        entry = {
            "content": response.content,
            "headers": {name: response[name] for name in KEPT_HEADERS if name in response},
        }
        store.store_entry(cache, key, entry, getattr(response, TAGS_ATTRIBUTE), since=since)

    def _serve(self, entry):
        response = self.response_class(entry["content"])
        for name, value in entry["headers"].items():
            response[name] = value
        response["X-Page-Cache"] = "HIT"
        return response
