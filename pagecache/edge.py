"""
The edge: Varnish (``deploy/varnish/newsroom.vcl``) or a CDN in front of the application, keeping
reader pages for as long as nothing they show changes, and told exactly what to drop, by tag.

What a reader page tells the edge (``PageCacheMiddleware`` calls :func:`set_tags` and
:func:`set_keep`):

* ``xkey`` (Varnish's xkey module) and ``Surrogate-Key`` (Fastly and other CDNs): the page's
  cache tags, the names the page cache uses (``article:12 section:3 listing``), space-separated.
  Every reader page the page cache would keep carries them; staff, previews and anything per
  reader never do (the middleware never prepares those).
* ``Surrogate-Control: max-age=N``: how long a purge-capable edge may keep it. Only when edge
  nodes are configured (``NEWSROOM_EDGE_PURGE_URLS``: nobody would purge it otherwise), and only
  for a page the page cache has just stored or served (stored means nothing changed while it was
  rendered: an edge must never keep for a day a page that shows what a purge already dropped).
  ``N`` is ``NEWSROOM_EDGE_MAX_AGE`` and never past the next change by the clock (an embargo
  lifting, a take-down time), which no purge announces. Browsers and plain shared caches (nginx)
  never read it: they go by ``Cache-Control``, which stays a one-second shared copy.

How a change reaches the edge (:func:`record_purge`, called by ``pagecache.purges`` once the page
cache's own purge has landed, never before: an edge that refetched a page before that would keep
the page cache's stale copy for a day): one :class:`~pagecache.models.PendingEdgePurge` row per
node, then one task per row (:func:`purge_edge`) that sends ``PURGE /`` with an ``xkey`` header to
its node, retried with backoff (``ops.tasks``), and deletes its row once the node answered 2xx.
A row whose task could not be enqueued, or failed every attempt, stays: ``manage.py
publish_scheduled`` (cron, every minute) sends it again (:func:`retry_pending`). Sending is a plain
HTTP request from the standard library (no client library needed for one method and one header).
"""

import contextlib
import logging
import urllib.error
import urllib.request
from collections import defaultdict

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from ops import tasks
from pagecache import store
from pagecache.models import PendingEdgePurge

logger = logging.getLogger(__name__)

TAG_HEADERS = ("xkey", "Surrogate-Key")
# Fastly takes 16 KB of keys, Varnish's header limit is 8 KB: a page with more tags than fit is
# still shown, but kept at the edge no longer than Cache-Control says (no tag may be left out).
MAX_TAGS_LENGTH = 4096
# Request attribute: the moment the edge may keep this request's page until (a timestamp).
KEEP_UNTIL_ATTRIBUTE = "edge_keep_until"


def is_on():
    return bool(settings.NEWSROOM_EDGE_PURGE_URLS)


def tags_header(tags):
    """``tags`` as one header value, or ``None`` if they do not fit in ``MAX_TAGS_LENGTH``."""
    value = " ".join(sorted(tags))
    return value if len(value) <= MAX_TAGS_LENGTH else None


def keep_until(cache, since):
    """
    Until when (a timestamp) an edge may keep a page rendered from data read after ``since`` (a
    ``store.Start``): ``NEWSROOM_EDGE_MAX_AGE`` from now, and never past the next change by the
    clock. ``None`` when no edge is configured.
    """
    if not is_on():
        return None
    until = timezone.now().timestamp() + settings.NEWSROOM_EDGE_MAX_AGE
    next_change = store.next_change(cache, since)
    return until if next_change is None else min(until, next_change)


def set_tags(response, tags):
    """``tags`` on a reader page, for the edge to purge it by (none if they do not fit)."""
    value = tags_header(tags)
    if value is not None:
        for name in TAG_HEADERS:
            response[name] = value


def set_keep(response, until):
    """
    Let an edge keep a tagged reader page until ``until`` (from :func:`keep_until`: ``None``, no
    edge); a page without its tags (too many) is kept no longer than its ``Cache-Control``.
    """
    if until is None or TAG_HEADERS[0] not in response:
        return
    seconds = int(until - timezone.now().timestamp())
    if seconds > 0:
        response["Surrogate-Control"] = f"max-age={seconds}"


# --- purges ------------------------------------------------------------------------------------


def record_purge(tags):
    """
    Purge ``tags`` on every edge node: a row per node, in the current transaction, and a task per
    row once it commits. Nothing without edge nodes.
    """
    tags = sorted(set(tags))
    if not tags or not is_on():
        return
    rows = PendingEdgePurge.objects.bulk_create(
        PendingEdgePurge(node=node, tags=tags) for node in settings.NEWSROOM_EDGE_PURGE_URLS
    )
    for row in rows:
        tasks.enqueue_on_commit(purge_edge, row.pk)


class EdgePurgeFailed(Exception):
    """An edge node did not take a purge (unreachable, timed out, or answered other than 2xx)."""


def send(node, tags):
    """``PURGE`` ``tags`` on the edge node at the URL ``node``; raises ``EdgePurgeFailed``."""
    request = urllib.request.Request(node, method="PURGE", headers={"xkey": " ".join(tags)})
    try:
        with urllib.request.urlopen(request, timeout=settings.NEWSROOM_EDGE_PURGE_TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as error:  # a status other than 2xx (403: not in the ACL)
        raise EdgePurgeFailed(f"{node} answered {error.code} {error.reason}") from error
    except urllib.error.URLError as error:  # refused, DNS
        raise EdgePurgeFailed(f"{node}: {error.reason}") from error
    except (OSError, ValueError) as error:  # timed out, reset, a malformed URL
        raise EdgePurgeFailed(f"{node}: {type(error).__name__}: {error}") from error


@task
def purge_edge(purge_pk, attempt=1):
    """Send the pending edge purge ``purge_pk`` to its node; retried with backoff until it lands."""
    purge = PendingEdgePurge.objects.filter(pk=purge_pk).first()
    if purge is None:
        return  # done already (by the safety net, or an earlier attempt)
    try:
        send(purge.node, purge.tags)
    except EdgePurgeFailed as error:
        _note_failure([purge.pk], error)
        tasks.retry_later(purge_edge, purge_pk, attempt=attempt, error=error)
        return
    purge.delete()


def retry_pending():
    """
    Send every pending edge purge (one request per node, their tags together) and delete those
    that landed: ``(done, failed)``, counted in rows. The safety net for purges whose task was
    lost or gave up; a purge sent twice drops nothing more.
    """
    by_node = defaultdict(list)
    for pk, node, tags in PendingEdgePurge.objects.values_list("pk", "node", "tags"):
        by_node[node].append((pk, tags))
    done = failed = 0
    for node, pending in by_node.items():
        pks = [pk for pk, _ in pending]
        try:
            send(node, sorted({tag for _, tags in pending for tag in tags}))
        except EdgePurgeFailed as error:
            logger.warning("Edge purge of %d change(s) on %s failed again: %s", len(pks), node, error)
            _note_failure(pks, error)
            failed += len(pks)
            continue
        PendingEdgePurge.objects.filter(pk__in=pks).delete()
        done += len(pks)
    return done, failed


def _note_failure(pks, error):
    # The row is what matters, and it is there: the count and error are for the operator.
    with contextlib.suppress(DatabaseError), transaction.atomic():
        PendingEdgePurge.objects.filter(pk__in=pks).update(
            attempts=F("attempts") + 1, last_error=str(error)[:1000]
        )
