"""
The key a page is kept under: its address, with only the query parameters its view reads.

Any query string would otherwise be a new entry (``?junk=1``, ``?junk=2``...: a way to fill the
cache), and whatever the view echoes of it (the cookie notice's ``next``) would be kept in a page
that every reader then gets. So the route's view declares its parameters
(``pagecache.uses_params``), and before a cacheable request reaches it, the request's query
string is cut down to those, sorted: the page rendered is exactly the page its key names.

A page is kept once per content coding (``pagecache.encoding``), each under its own key, so that a
hit reads only the bytes it sends, in the same single round trip.
"""

import functools
import hashlib

from django.http import QueryDict
from django.urls import Resolver404, get_resolver

from pagecache import encoding
from pagecache.declare import declared_params

# The entry format's version is in the key: entries an older release stored are never read.
PAGE_PREFIX = "page:4:"


def _view_params(request):
    """The parameters the view at ``request``'s path reads, or ``None`` (undeclared, or no view)."""
    return _params_at(get_resolver(getattr(request, "urlconf", None)), request.path_info)


# Resolving the path again would be a tenth of a cache hit's time: a path always resolves to the
# same view with the same resolver, so the most recently seen paths keep their answer. Keyed by
# the resolver itself, which Django makes anew whenever the URLconf changes (clear_url_caches).
@functools.lru_cache(maxsize=4096)
def _params_at(resolver, path):
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return declared_params(match.func)


def narrow_query(request, params):
    """Leave only ``params`` in ``request``'s query string (``GET`` too), in a fixed order."""
    query = QueryDict(mutable=True, encoding=request.encoding)
    for name in params:  # sorted by uses_params
        if name in request.GET:
            query.setlist(name, request.GET.getlist(name))
    query_string = query.urlencode()
    if query_string != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = query_string
        request.GET = QueryDict(query_string, encoding=request.encoding)


def page_keys(request):
    """
    The keys ``request``'s page is kept under, one per content coding (``{coding: key}``), after
    narrowing its query string to what the view reads; ``None`` when the view never said and
    there is a query string (it is not kept).
    """
    params = _view_params(request)
    if params is None:
        if request.META.get("QUERY_STRING"):
            return None
        params = ()
    narrow_query(request, params)
    # Scheme and host are part of the address: http and https copies are different pages.
    url = request.build_absolute_uri()
    address = PAGE_PREFIX + hashlib.sha256(url.encode()).hexdigest()
    return {coding: f"{address}:{coding}" for coding in encoding.CODINGS}


def page_key(request):
    """The key of ``request``'s page in the coding it accepts (see ``page_keys``), or ``None``."""
    found = page_keys(request)
    return None if found is None else found[encoding.accepted(request)]
