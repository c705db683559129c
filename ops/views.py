"""
The load balancer's probes (see the package's docstring): ``/healthz`` (the process answers) and
``/readyz`` (the database and the cache answer too); where browsers report Content Security Policy
violations (``/csp-report/``); the 500 page.
"""

import json
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connections
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseServerError
from django.middleware.csp import get_nonce
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.clientip import client_ip
from ops import csp

logger = logging.getLogger(__name__)
violation_logger = logging.getLogger("newsroom.csp")


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


# --- Content Security Policy reports ------------------------------------------------------------

# The two shapes browsers send: report-uri's ("csp-report"; some send it as plain JSON) and the
# Reporting API's (a list of reports, report-to).
REPORT_URI_TYPES = {"application/csp-report", "application/json"}
REPORTING_API_TYPE = "application/reports+json"
# A browser batches the Reporting API's reports; more than this in one body are not logged.
MAX_VIOLATIONS_PER_BODY = 10


def _answer_report(status, message=""):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    return response


def _over_the_rate(request):
    """
    Whether the client sent more than ``NEWSROOM_CSP_REPORTS_PER_MINUTE`` reports this minute:
    one counter per address and minute in the cache, a round trip or two. A cache that fails lets
    the report through: reports are no reason to fail, and the size limit still holds.
    """
    key = f"csp-report:{client_ip(request)}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, 120)
        count = cache.incr(key)
    except Exception as error:  # noqa: BLE001 - Redis down, a key evicted between add and incr
        logger.debug("csp-report: rate limit not checked: %r", error)
        return False
    return count > settings.NEWSROOM_CSP_REPORTS_PER_MINUTE


@csrf_exempt  # browsers send reports without a token, and a report changes nothing
@require_POST
@never_cache
def csp_report(request):
    """
    ``POST /csp-report/``: Content Security Policy violations, as ``report-uri``
    (``application/csp-report``) or the Reporting API (``application/reports+json``) sends them.
    Each is logged as one ``newsroom.csp`` record (``ops.csp.violation``'s fields); 204.
    Refused: a body over ``NEWSROOM_CSP_REPORT_MAX_BYTES`` (413), more than
    ``NEWSROOM_CSP_REPORTS_PER_MINUTE`` from one address (429), another type (415), a body
    that is not a report (400).
    """
    limit = settings.NEWSROOM_CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _answer_report(413, f"A report is at most {limit} bytes.")
    if request.content_type not in REPORT_URI_TYPES | {REPORTING_API_TYPE}:
        return _answer_report(415, "Send application/csp-report or application/reports+json.")
    if _over_the_rate(request):
        return _answer_report(429, "Too many reports from this address; try again in a minute.")
    body = request.read(limit)  # Django's stream ends at the declared length, within the limit
    try:
        data = json.loads(body)
    except ValueError:
        return _answer_report(400, "The report is not JSON.")
    if request.content_type == REPORTING_API_TYPE:
        violations = csp.reporting_api_violations(data)
    else:
        violations = csp.report_uri_violations(data)
    if violations is None:
        return _answer_report(400, "The body is not a Content Security Policy report.")
    user_agent = request.headers.get("User-Agent", "")
    for violation in violations[:MAX_VIOLATIONS_PER_BODY]:
        violation.setdefault("user_agent", csp.clean_text(user_agent))
        violation_logger.warning(
            "CSP violation: %s blocked %s on %s",
            violation["effective_directive"],
            violation["blocked_uri"],
            violation["document_uri"],
            extra=violation,
        )
    return _answer_report(204)


# --- The 500 page --------------------------------------------------------------------------------


def server_error(request):
    """
    ``handler500``: ``500.html`` as Django's own handler renders it (no request in the context, no
    context processors, no database), with the request's CSP nonce for its inline styles. A page
    nobody keeps: never cached.
    """
    content = loader.get_template("500.html").render({"csp_nonce": get_nonce(request)})
    response = HttpResponseServerError(content)
    add_never_cache_headers(response)
    return response
