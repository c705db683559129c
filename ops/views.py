"""
The load balancer's probes (see the package's docstring): ``/healthz`` (the process answers) and
``/readyz`` (the database and the cache answer too).
"""

import json
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


def _answer(status, body):
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    add_never_cache_headers(response)  # no-store: a cached "ok" would hide an outage
    return response


def healthz(request):
    """200 while the process answers: no database, no cache, nothing else."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _answer(200, {"status": "ok"})


def check_database():
    """``SELECT 1`` on a connection of this thread's own, closed afterwards."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_cache():
    """A value written to the default cache reads back (a fallback that swallows errors does not)."""
    cache = caches["default"]
    key = "readyz:" + secrets.token_hex(8)
    value = secrets.token_hex(8)
    try:
        cache.set(key, value, 30)
        if cache.get(key) != value:
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}

# Each check runs in a thread of this pool, so that a stalled server costs the probe its timeout,
# not a worker. A check still running from an earlier probe is not started again: that part is
# reported as timed out, and a stalled server never holds more than one thread per part.
_pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
_running = {}
_running_lock = threading.Lock()


def _start(name):
    with _running_lock:
        future = _running.get(name)
        if future is None or future.done():
            future = _running[name] = _pool.submit(CHECKS[name])
        return future


def run_checks(timeout):
    """``{part: None or what went wrong}``, within ``timeout`` seconds in all."""
    futures = {name: _start(name) for name in CHECKS}
    deadline = time.monotonic() + timeout
    results = {}
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            results[name] = f"no answer within {timeout:g} s"
        except Exception as error:  # whatever the driver raises, the part is not ready
            logger.warning("readyz: %s check failed: %r", name, error)
            results[name] = type(error).__name__
        else:
            results[name] = None
    return results


def readyz(request):
    """
    200 when the database and the cache both answer, else 503 naming what failed. Only the
    exception's class is shown (this is public); the log has the rest.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    results = run_checks(settings.NEWSROOM_READYZ_TIMEOUT)
    failing = [name for name, problem in results.items() if problem is not None]
    for name in failing:
        if results[name].startswith("no answer"):
            logger.warning("readyz: %s check gave %s", name, results[name])
    body = {
        "status": "unavailable" if failing else "ok",
        "failing": failing,
        "checks": {
            name: "ok" if problem is None else f"failed: {problem}" for name, problem in results.items()
        },
    }
    return _answer(503 if failing else 200, body)
