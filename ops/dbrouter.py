"""
Reader reads on the read replica, everything else on the primary (``DATABASE_REPLICA_URL``).

Which database a query goes to is decided per request, once, by :class:`ReadReplicaMiddleware`,
and kept in a context variable that :class:`ReplicaRouter` reads for every query:

* **The replica** for the reads of an anonymous reader's request: a GET or HEAD without a session
  cookie (nobody signed in: staff always have one), outside the admin, to a view not marked
  :func:`reads_primary` (previews), and without the read-your-writes cookie (below).
* **The primary** for everything else: every write, the desk and the admin, the workflow, any
  request of a signed-in user, previews, forms sent (POST...), and whatever runs outside a
  request (management commands, cron, task workers, threads), where there is no context at all.

Read-your-writes: a non-safe request (POST, PUT, PATCH, DELETE) that wrote to the database sets
a small signed cookie that keeps its sender's own reads on the primary for
``DATABASE_READ_YOUR_WRITES_SECONDS``, longer than the replica normally lags, so that nobody
reads back the world from before their own change. The cookie changes only where a page is read
from, never what it shows, so the page cache still serves and stores that reader's pages as
anyone's (it treats a session cookie, not this one, as per-reader); a response that sets it is a
response to a POST, which is never stored.

Within a request the decision can only move towards the primary (:func:`use_primary`): the page
cache does so when the replica has not yet replayed what the cache's tags say has changed
(``ops.replication``). Objects read from the replica carry ``_state.db == "replica"``; the router
sends their writes and their relations' reads to the primary all the same.

Written here rather than taken from a library: the rules are a few lines on Django's own router
API, and one of them (moving to the primary while the replica lags behind the page cache) depends
on this project's page cache, which no library knows about.
"""

import contextvars
import dataclasses
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
READ_YOUR_WRITES_SALT = "ops.dbrouter.read-your-writes"
# View attribute set by reads_primary.
READS_PRIMARY_ATTRIBUTE = "reads_primary"


@dataclasses.dataclass
class RequestDatabases:
    """Where the current request reads, and whether it wrote."""

    reads_replica: bool
    wrote: bool = False
    # Asked before the next read from the replica: whether it may serve it (ops.replication).
    replica_check: Callable[[], bool] | None = None


_current = contextvars.ContextVar("request_databases", default=None)


def replica_configured():
    return REPLICA in settings.DATABASES


def use_primary():
    """From now on, the current request reads from the primary too (a no-op outside a request)."""
    state = _current.get()
    if state is not None:
        state.reads_replica = False


def check_replica_before_reading(check):
    """
    Before the current request's next read from the replica, call ``check()``; if it answers
    false, that read and every later one go to the primary. (A no-op where reads use the primary.)
    """
    state = _current.get()
    if state is not None and state.reads_replica:
        state.replica_check = check


def _read_alias():
    state = _current.get()
    if state is None or not state.reads_replica:
        return DEFAULT_DB_ALIAS
    if state.replica_check is not None:
        # Cleared first: the check's own query names the replica itself and is never routed.
        check, state.replica_check = state.replica_check, None
        if not check():
            state.reads_replica = False
            return DEFAULT_DB_ALIAS
    return REPLICA


def reads_primary(view):
    """Mark a view whose reads must see the primary even for anonymous readers (a preview)."""
    setattr(view, READS_PRIMARY_ATTRIBUTE, True)
    return view


class ReplicaRouter:
    """Django's database router for the rules above (listed only when a replica is configured)."""

    def db_for_read(self, model, **hints):
        # Explicitly the primary otherwise: Django would send the reads of an object's relations
        # to the database the object came from, the replica.
        return _read_alias()

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both hold the same rows: an object read from the replica may be related to one from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica gets its schema by replication, never by migrate.
        return db == DEFAULT_DB_ALIAS


def _is_admin(request):
    return request.path_info.startswith("/" + settings.NEWSROOM_ADMIN_URL)


def wrote_recently(request):
    """Whether ``request`` carries a valid read-your-writes cookie that has not run out."""
    name = settings.DATABASE_READ_YOUR_WRITES_COOKIE
    if name not in request.COOKIES:
        return False
    value = request.get_signed_cookie(
        name, default=None, salt=READ_YOUR_WRITES_SALT, max_age=settings.DATABASE_READ_YOUR_WRITES_SECONDS
    )
    return value is not None


def may_read_replica(request):
    """Whether ``request`` is an anonymous reader's (see the module's docstring), before its view is known."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not _is_admin(request)
        and not wrote_recently(request)
    )


class ReadReplicaMiddleware:
    """
    Decide where the request reads, and set the read-your-writes cookie after a write. Before the
    page cache in ``MIDDLEWARE`` (which may move the request to the primary, ``ops.replication``)
    and after ``ops.database`` (so that a replica that cannot answer gets the 503 page too).
    Installed whatever the settings: without a replica every read goes to the only database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        state = RequestDatabases(reads_replica=may_read_replica(request))
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote and request.method not in SAFE_METHODS:
            self._remember_write(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, READS_PRIMARY_ATTRIBUTE, False):
            use_primary()

    def _remember_write(self, response):
        seconds = settings.DATABASE_READ_YOUR_WRITES_SECONDS
        if seconds <= 0:
            return
        response.set_signed_cookie(
            settings.DATABASE_READ_YOUR_WRITES_COOKIE,
            "1",
            salt=READ_YOUR_WRITES_SALT,
            max_age=seconds,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
