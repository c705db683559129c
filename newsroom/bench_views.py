"""
Benchmark-only endpoints, routed only when ``NEWSROOM_BENCH=1`` (``bench/run.py`` sets it).

``/bench/ok/`` is scenario (a) of ``make bench``: the smallest response this stack can give, a
plain view returning a constant through the whole middleware stack (security, whitenoise, the page
cache's lookup, sessions, CSRF, auth, messages, consent), untagged so it is never stored. Every
other scenario is measured against it: it is the ceiling for a Django page here.

Nothing else: queries per request are counted in-process by ``bench/queries.py`` with the test
client, rather than through an endpoint that would itself have to be kept out of production.
"""

import os

from django.http import HttpResponse
from django.urls import path

ENV_VARIABLE = "NEWSROOM_BENCH"


def enabled():
    """Whether the benchmark endpoints are routed (``NEWSROOM_BENCH`` is 1, true, yes or on)."""
    return os.environ.get(ENV_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}


def ok(request):
    """Scenario (a): a small constant response, no template, no query, no cache entry."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ok/", ok, name="bench_ok"),
]
