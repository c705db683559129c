"""
``/bench/ok/``, scenario (a) of ``make bench``: the smallest response this stack can give, a plain
view returning a constant through the whole middleware stack (security, whitenoise, the page
cache's lookup, sessions, CSRF, auth, messages, consent), untagged so it is never stored. Every
other scenario is measured against it: it is the ceiling for a Django page here.

Nothing else: queries per request are counted in-process by ``bench/probe.py`` with the test
client, rather than through an endpoint that would itself have to be kept out of production.
"""

from django.http import HttpResponse


def ok(request):
    """Scenario (a): a small constant response, no template, no query, no cache entry."""
    return HttpResponse("ok", content_type="text/plain")
