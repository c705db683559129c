"""
Purges that are never lost: a committed change's cache refresh lands, however long the cache is
away, and a failure to land it never turns the change into an error.

A change calls :func:`invalidate_on_commit` inside its transaction. That writes a
:class:`~pagecache.models.PendingPurge` row with the tags, in the same transaction (no commit,
no row; a commit, always a row), and purges once it commits. A purge that landed deletes its row.
One that failed is logged, not raised: the change is done, and the editor is told so. Its row
stays, and whoever runs next does it:

* every process, on its next request, at most once per ``NEWSROOM_PURGE_CHECK_SECONDS`` (the
  page cache middleware calls :func:`catch_up`), which also covers a process that never saw the
  cache fail: Redis may come back with every entry it had, and only the database knows what
  changed while it was away (a stalled database delays this by a look, never a reader);
* a process that saw the cache fail, before it reads the cache again (``ops.rediscache`` runs
  :func:`retry_pending` as its recovery hook and keeps the cache unused until it succeeds);
* a task, :func:`retry_pending_purges`, queued when a purge fails and retried with backoff
  (``ops.tasks``), so a quiet site with no request and no cron still catches up;
* ``manage.py publish_scheduled``, every minute from cron, even if the process that made the
  change died right after the commit.

The purge itself stays in the process that committed, right after the commit: it is one Redis
call, and what makes a change visible within a second.

Once the page cache's purge has landed, in the transaction that deletes its row, the edge nodes'
purges of the same tags are recorded and queued (``pagecache.edge``): never before, or an edge
could fetch the page again from a page cache still holding the old copy, and keep it for a day.
"""

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from ops.tasks import backoff, enqueue, retry_later
from pagecache import edge, store
from pagecache.models import PendingPurge

logger = logging.getLogger(__name__)

_last_check = float("-inf")
_check_lock = threading.Lock()
CATCH_UP_WAIT = 0.1  # seconds
_lookout = ThreadPoolExecutor(max_workers=1, thread_name_prefix="purges")
_looking = None


def invalidate_on_commit(*tags):
    """Record a purge of ``tags`` with the current transaction, and do it once it commits."""
    tags = sorted(set(tags))
    if not tags:
        return
    purge = PendingPurge.objects.create(tags=tags)
    transaction.on_commit(lambda: purge_now(purge))


def purge_now(purge):
    """Move ``purge``'s tags and forget it; on failure, log it and leave it for a retry."""
    try:
        store.invalidate(*purge.tags)
    except Exception as error:  # whatever failed, the commit stands and the row is retried
        logger.warning(
            "Page cache purge of %s failed after its change committed (%s: %s); it is retried.",
            ", ".join(purge.tags),
            type(error).__name__,
            error,
        )
        _note_failure(purge.pk, error)
        enqueue(retry_pending_purges, run_after=timezone.now() + backoff(1))
        return False
    try:
        with transaction.atomic():
            edge.record_purge(purge.tags)
            PendingPurge.objects.filter(pk=purge.pk).delete()
    except DatabaseError:
        logger.warning("Purge %s landed, but its row could not be deleted: it is done again.", purge.pk)
    return True


def _note_failure(pk, error):
    # The row itself is what matters, and it is there: the count and error are for the operator.
    with contextlib.suppress(DatabaseError):
        PendingPurge.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:1000]
        )


def retry_pending():
    """
    Do every pending purge (their tags together, in one invalidation) and delete them: the
    number done. Raises if the purge fails (the rows stay), or if the database cannot be read.
    """
    pending = list(PendingPurge.objects.values_list("pk", "tags"))
    if not pending:
        return 0
    tags = {tag for _, purge_tags in pending for tag in purge_tags}
    store.invalidate(*tags)
    with transaction.atomic():
        edge.record_purge(tags)
        PendingPurge.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
    logger.info("Page cache: %d pending purge(s) done (%s).", len(pending), ", ".join(sorted(tags)))
    return len(pending)


@task
def retry_pending_purges(attempt=1):
    """The task that does the pending purges (:func:`retry_pending`), retried while the cache is away."""
    try:
        return retry_pending()
    except Exception as error:  # the rows stay: a retry, a process or publish_scheduled does them
        retry_later(retry_pending_purges, attempt=attempt, error=error)
        return 0


def catch_up():
    """
    Do the pending purges if this process has not looked for some in the last
    ``NEWSROOM_PURGE_CHECK_SECONDS`` (0: never here; the cron command and recovery still do).

    The look is a query, and a page served from the cache must not wait on a stalled database:
    it runs in a thread of its own, which the request waits for ``CATCH_UP_WAIT`` seconds at
    most (a query on an empty table takes a millisecond), and a look still waiting on the
    database is not started again. Never raises: the request goes on, the next look tries again.
    """
    global _last_check, _looking
    interval = settings.NEWSROOM_PURGE_CHECK_SECONDS
    if interval <= 0:
        return
    with _check_lock:
        now = time.monotonic()
        if now - _last_check < interval or (_looking is not None and not _looking.done()):
            return
        _last_check = now
        _looking = _lookout.submit(_look)
    with contextlib.suppress(FutureTimeout):
        _looking.result(timeout=CATCH_UP_WAIT)


def _look():
    try:
        retry_pending()
    except Exception as error:  # the cache or the database away: the breaker or the next look
        logger.debug("Pending purges not done yet: %s: %s", type(error).__name__, error)
    finally:
        connection.close()  # this thread's own
