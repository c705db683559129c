"""Request ids and the access log (``RequestIdMiddleware``); the probes (``ProbeMiddleware``)."""

import logging
import time

from django.conf import settings

from ops import requestid, views

access_logger = logging.getLogger("newsroom.access")


class RequestIdMiddleware:
    """
    First in ``MIDDLEWARE``: the request's id (``ops.requestid``) is current for everything below,
    redirects and static files included, and is sent back as ``X-Request-ID`` on every response,
    page cache hits included (a stored page never keeps it: ``pagecache.middleware.KEPT_HEADERS``).
    With ``NEWSROOM_ACCESS_LOG`` on (production), each request ends with one access record.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = requestid.from_request(request.META)
        requestid.bind(request.request_id)  # until request_finished (ops.apps)
        started = time.perf_counter()
        response = self.get_response(request)
        response[requestid.HEADER] = request.request_id
        if settings.NEWSROOM_ACCESS_LOG:
            self.log(request, response, started)
        return response

    def log(self, request, response, started):
        # Until the response is handed to the server: a streamed body's own time is not in it.
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        status = response.status_code
        if status >= 500:
            level = logging.WARNING
        elif request.path_info in PROBE_PATHS and status == 200:
            level = logging.DEBUG  # a load balancer asks every few seconds
        else:
            level = logging.INFO
        # The path without its query string: search terms and tokens stay out of the log.
        access_logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
            },
        )


PROBE_PATHS = {"/healthz": views.healthz, "/readyz": views.readyz}


class ProbeMiddleware:
    """
    Answer ``/healthz`` and ``/readyz`` before the rest of the stack (see the package's docstring):
    no HTTPS redirect, host check, session or page cache stands between a probe and its answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBE_PATHS.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
