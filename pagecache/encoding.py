"""
Content codings: which one a request takes, and a response's body in it.

Pages, feeds and sitemaps go out in brotli or gzip when the client accepts it, always with
``Vary: Accept-Encoding``. The page cache keeps a page in every coding when it stores it, so a hit
compresses nothing (``pagecache.middleware.PageCacheMiddleware``); what it does not keep is
compressed per response (``pagecache.middleware.CompressionMiddleware``).

Both codings are deterministic (gzip with no timestamp or file name), so the same page always has
the same bytes in a coding: the ETag ``ConditionalGetMiddleware`` computes from them is strong,
differs between codings, and stays the same from one render to the next.
"""

import functools

import brotli
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

BROTLI = "br"
GZIP = "gzip"
IDENTITY = "identity"
# Every coding a page is kept in.
CODINGS = (BROTLI, GZIP, IDENTITY)
# brotli's quality 5: 4-5 ms for a 45 KB page here, about 5 % smaller than gzip. Quality 11 is
# another 10 % smaller but takes 20 times as long, which every miss of a popular page would pay.
BROTLI_QUALITY = 5
# Shorter bodies gain nothing worth a header (Django's GZipMiddleware draws the line there too).
MIN_LENGTH = 200
COMPRESSIBLE_TYPES = ("application/json", "application/javascript", "application/xml")


def compressible(response):
    """Whether ``response`` is text worth compressing and not in a coding already."""
    if getattr(response, "streaming", False) or response.has_header("Content-Encoding"):
        return False
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return (
        content_type.startswith("text/")
        or content_type in COMPRESSIBLE_TYPES
        or content_type.endswith(("+xml", "+json"))
    ) and len(response.content) >= MIN_LENGTH


@functools.lru_cache(maxsize=256)  # a few dozen distinct headers make nearly all requests
def negotiate(accept_encoding):
    """
    The coding to send for an ``Accept-Encoding`` header (RFC 9110, 12.5.3): brotli or gzip,
    whichever has the higher q-value (brotli on a tie), or identity when neither is acceptable,
    or identity is explicitly preferred to both.
    """
    weights = {}
    for element in accept_encoding.split(","):
        coding, _, parameters = element.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        weight = 1.0
        name, _, value = parameters.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
            if not 0.0 <= weight <= 1.0:  # NaN included
                weight = 0.0
        weights["gzip" if coding == "x-gzip" else coding] = weight

    def weight(coding):
        return weights.get(coding, weights.get("*", 0.0))

    best = max((BROTLI, GZIP), key=weight)
    if weight(best) <= 0.0 or weights.get(IDENTITY, 0.0) > weight(best):
        return IDENTITY
    return best


def accepted(request):
    """The coding ``request`` gets."""
    return negotiate(request.META.get("HTTP_ACCEPT_ENCODING", ""))


def encode(content, coding):
    """``content`` in ``coding``, or ``None`` when that would not make it shorter."""
    if coding == IDENTITY:
        return content
    if coding == BROTLI:
        encoded = brotli.compress(content, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
    else:
        encoded = compress_string(content)  # level 6, no timestamp: the same bytes every time
    return encoded if len(encoded) < len(content) else None


def coded_headers(response, coding):
    """The headers ``response`` changes when its body is sent in ``coding`` (not identity)."""
    headers = {"Content-Encoding": coding}
    etag = response.get("ETag")
    if etag:
        # A view's own ETag names the identity bytes: each coding is another representation.
        headers["ETag"] = f'{etag[:-1]}-{coding}"'
    return headers


def vary_on_coding(response):
    patch_vary_headers(response, ("Accept-Encoding",))
