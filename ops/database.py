"""
What readers and the desk get while the database cannot answer: a 503 page saying so, never the
500 page, with ``Retry-After`` and one log line.

Readers keep getting the pages the page cache holds, which never touch the database (the page
cache answers before sessions, users or anything else that could query it, and a request without
cookies never loads a session). Any other page whose view meets ``OperationalError`` or
``InterfaceError`` (PostgreSQL refusing connections, a connection cut, no answer within
``DATABASE_QUERY_TIMEOUT``: see ``ops.postgresql``) gets ``503.html`` instead:

* ``Retry-After: NEWSROOM_DATABASE_RETRY_AFTER`` seconds, and ``Cache-Control: no-store``, so no
  shared cache keeps the error; nginx or a CDN may go on serving the copy they have
  (``stale-if-error``, set on every reader page by the page cache).
* The page is rendered without the request: no context processor, no section menu, nothing that
  could query the database again. It links the site's stylesheet (a static file).
* In the admin, and for any form sent (POST...), the page says the change was not saved. It is
  not half-saved either: each save and each workflow action is one transaction, rolled back
  by the server when its connection dies, and what runs after a save (cache purges, tasks) is
  scheduled with ``transaction.on_commit``, so it never runs for a change that was not committed.
* One ``newsroom.database`` record per failed request (method, path, error class and message);
  Django's own "Service Unavailable" record is not added to it.

A view's error is caught by ``process_exception``. An error raised by another middleware (the
session a staff member's request loads, saving it at the end) never reaches it: Django turns it
into the 500 page at once. So ``note_database_failure`` (a ``got_request_exception`` receiver,
``ops.apps``) marks the request, and the middleware, which wraps the page cache and everything
below it, swaps that 500 for the 503 page.

With ``DEBUG`` on, Django's technical page is left to say more (a missing migration is an
``OperationalError`` on SQLite too).

The database coming back needs nothing: ``CONN_HEALTH_CHECKS`` makes the next request test a
kept connection before using it and open a new one if it is broken.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("newsroom.database")

UNAVAILABLE = (OperationalError, InterfaceError)
# Where note_database_failure leaves an error raised outside the view.
FAILURE_ATTRIBUTE = "database_failure"
TEMPLATE = "503.html"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# What a 500 replaced by the 503 page passes on to it (see unavailable).
KEPT_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only", "X-Frame-Options")


def is_admin(request):
    return request.path_info.startswith("/" + settings.NEWSROOM_ADMIN_URL)


def render_unavailable(request):
    """The 503 page's bytes: for the desk or for readers, for a form sent or a page asked for."""
    return loader.render_to_string(
        TEMPLATE,
        {
            "site_name": settings.NEWSROOM_SITE_NAME,
            "admin": is_admin(request),
            "change_sent": request.method not in SAFE_METHODS,
        },
    )


def unavailable(request, error, replacing=None):
    """
    The 503 answer to ``request``, whose database work failed with ``error``; logged once. When
    ``replacing`` the 500 Django made of an error raised outside the view, it keeps the headers
    the middleware below gave that one (the Content Security Policy, framing), which the 503
    page's answer would otherwise get from them on its way out.
    """
    logger.warning(
        "Database unavailable: %s %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        extra={
            "method": request.method,
            "path": request.path,  # without the query string, as in the access log
            "status": 503,
            "error": type(error).__name__,
            "detail": str(error).strip()[:500],
        },
    )
    response = HttpResponse(render_unavailable(request), status=503)
    response["Retry-After"] = str(settings.NEWSROOM_DATABASE_RETRY_AFTER)
    add_never_cache_headers(response)
    for name in KEPT_HEADERS:
        if replacing is not None and name in replacing:
            response[name] = replacing[name]
    # Logged above, with the error: Django's "Service Unavailable" record would say it again.
    response._has_been_logged = True
    return response


def note_database_failure(sender, request=None, **kwargs):
    """``got_request_exception``: remember a database error that Django is turning into a 500."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, UNAVAILABLE):
        setattr(request, FAILURE_ATTRIBUTE, error)


class DatabaseUnavailableMiddleware:
    """
    The 503 page for a request whose database work failed (see the module's docstring). Just
    before the page cache in ``MIDDLEWARE``: everything that may query the database is below it,
    and what is above (compression, conditional GET, security headers) treats the 503 page as any
    other answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, FAILURE_ATTRIBUTE, None)
        if error is not None and response.status_code == 500 and not settings.DEBUG:
            return unavailable(request, error, response)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE) and not settings.DEBUG:
            return unavailable(request, exception)
        return None
