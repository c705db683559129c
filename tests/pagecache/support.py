"""Helpers shared by the page cache's tests (and the reader site's)."""

from django.core.cache import cache
from django.utils import timezone

from pagecache import keys

# Moments at which the tiny site's visibility changes by the clock (embargoes, take-downs).
SCHEDULE = []


def next_change(*, now):
    return min((moment for moment in SCHEDULE if moment > now), default=None)


def remaining_ttl(key):
    """Seconds until the cache forgets ``key`` (django-redis or local memory)."""
    if hasattr(cache, "ttl"):
        return cache.ttl(key)
    expires_at = cache._expire_info[cache.make_and_validate_key(key)]
    return expires_at - timezone.now().timestamp()


def page_key(client, url):
    """The key ``url``'s page is kept under (the page is requested, so it is kept too)."""
    return keys.page_key(client.get(url).wsgi_request)


def block(name, tags, renders):
    """A block for ``cached_blocks`` that notes each render in ``renders``."""

    def render():
        renders.append(name)
        return f"<p>{name} #{len(renders)}</p>", set(tags)

    return (name, render)
