"""
Replication lag and the page cache: a page rendered from a replica that lags is never stored
under tag versions newer than what it shows.

The problem. The page cache (``pagecache``) stores a page with the versions its tags have when it
is stored, and a change moves its tags after it commits. A replica replays that commit a moment
later. A reader whose page is rendered in that moment, after the tags moved, would get the old
story from the replica, and the page cache would keep it under the *new* versions: stale until
the next change or the TTL, however long that is.

The design. Each invalidation (``pagecache.store.invalidate``), once it has advanced the page
cache's version clock (``pagecache.versions``) to ``value`` and moved its tags to it, adds one to a
counter row on the primary (:class:`~ops.models.ReplicationMark`) in a transaction of its own, and
records the pair ``(value, mark)`` in the cache. The mark's commit comes after every commit whose
invalidation advanced the clock to ``value`` or below (each of them committed, then advanced the
clock, before this one read its mark), and replicas replay commits in order. So a replica whose
row shows at least ``mark`` has replayed every change whose tags carry a version up to ``value``.

A request about to read data for the page cache reads the clock (``pagecache.store.clock``, once
per page or block render, never on a hit) and, if it reads from the replica, calls
:func:`require_replayed`: before its next read, one cache read and one query on the replica. If
the replica shows the mark recorded for that clock value, the request reads from it: the page
cache stores what it renders only under tag versions up to its clock (a tag that moved above it
refuses the store), and the replica has replayed every change those stand for. Otherwise (the
replica lags, the record is missing or belongs to another value because an invalidation is in
flight, the cache lost the clock, or the replica does not answer) the rest of the request reads
from the primary, which is never behind. Misses shortly after a change thus go to the primary;
hits cost nothing more.

Why not a time window (the replica's maximum lag) or ``pg_last_xact_replay_timestamp()``: lag has
no bound, an idle primary makes the replay timestamp look old, and clocks differ. Why not the
primary's WAL position (``pg_current_wal_lsn()`` against ``pg_last_wal_replay_lsn()``): that is
the same idea, but only for PostgreSQL's physical standbys; a counter row works with any
replication that replays commits in order, and can be tested without a standby.

The replica alias must reach one server per connection: a pool that spreads one connection's
queries over several replicas could check one and read another.
"""

import functools
import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.models import F

from ops import dbrouter

logger = logging.getLogger(__name__)

MARK_KEY = "page-cache:replication-mark"
MARK_ID = 1


def record_clock(cache, value):
    """
    Called by an invalidation after it advanced the version clock to ``value``: the mark a
    replica must show to serve the reads of a request that starts at it. Never raises: without a
    record, those requests read from the primary.
    """
    if not dbrouter.replica_configured():
        return
    from ops.models import ReplicationMark

    try:
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            marks = ReplicationMark.objects.using(DEFAULT_DB_ALIAS)
            marks.get_or_create(pk=MARK_ID)
            marks.filter(pk=MARK_ID).update(value=F("value") + 1)
            mark = marks.values_list("value", flat=True).get(pk=MARK_ID)
        cache.set(MARK_KEY, (value, mark), None)
    except Exception as error:  # the purge has landed; only the replica's use waits for the next one
        logger.warning(
            "Replication mark not recorded (%s: %s): misses read the primary.", type(error).__name__, error
        )


def require_replayed(cache, clock):
    """
    Before the current request reads what it will store at the version clock ``clock``: it is
    moved to the primary, at its next read, unless the replica has replayed every change whose
    tags carry a version up to it. Asked then, not now: a request that reads nothing more, or
    whose view reads the primary anyway (a preview), sends the replica no query.
    """
    dbrouter.check_replica_before_reading(functools.partial(replica_has_replayed, cache, clock))


def replica_has_replayed(cache, clock):
    from ops.models import ReplicationMark

    recorded = cache.get(MARK_KEY)
    if recorded is None or recorded[0] != clock:
        return False
    try:
        shown = (
            ReplicationMark.objects.using(dbrouter.REPLICA).filter(pk=MARK_ID).values_list("value", flat=True)
        )
        shown = shown.first()
    except DatabaseError as error:
        logger.warning(
            "The read replica did not answer (%s: %s): reading the primary.", type(error).__name__, error
        )
        return False
    return shown is not None and shown >= recorded[1]


def _name(error):
    return type(error).__name__
