"""
Did a POST come from one of our own pages? The consent form carries no CSRF token (it would put a
cookie and ``Vary: Cookie`` on every page), so its endpoint checks the origin itself, the way
Fetch Metadata protection works (see the app's docstring).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import is_same_domain


def _trusted_origins(request):
    yield f"{request.scheme}://{request.get_host()}"
    yield from settings.CSRF_TRUSTED_ORIGINS


def _is_trusted_origin(request, origin):
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for trusted in _trusted_origins(request):
        trusted_parts = urlsplit(trusted)
        if "*" in trusted_parts.netloc:
            if parsed.scheme == trusted_parts.scheme and is_same_domain(
                parsed.netloc, trusted_parts.netloc.lstrip("*")
            ):
                return True
        elif origin == trusted:
            return True
    return False


def is_same_origin_request(request):
    """
    Did this request come from one of our own pages (Fetch Metadata first, then ``Origin``, then
    ``Referer``)? A request with none of them is not a browser's cross-site form, so it passes.
    """
    origin = request.headers.get("Origin")
    if origin and origin != "null" and _is_trusted_origin(request, origin):
        return True
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    if origin is not None:
        return False
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return _is_trusted_origin(request, f"{parts.scheme}://{parts.netloc}")
    return True
