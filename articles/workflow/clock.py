"""
The clock's transitions as tasks: a story goes live at its embargo and comes down at its
take-down time, with its audit event, even where no cron runs.

An action that leaves a story with a time ahead (scheduled with an embargo, live with a take-down
time) queues :func:`take_when_due` to run at that time, once it commits. The task carries the
time it was queued for, and does nothing unless the story still has it and it has come: a
reschedule queues a task for the new time and the old one finds nothing to do, an unpublished
story is not due at all. That holds on any backend, whether or not it can cancel a queued task.
The action itself checks, on the locked row, that the time has come (``transitions``: go_live
and expire apply only then), so a reschedule racing the task still wins.

``manage.py publish_scheduled`` stays the safety net: it takes whatever is due, and so finishes
what a lost task (or a queue that cannot defer, such as the tests' immediate backend) did not.
"""

import logging
from datetime import datetime

from django.tasks import task
from django.utils import timezone

from articles.workflow.transitions import LIVE, Status
from ops.tasks import enqueue, enqueue_on_commit

logger = logging.getLogger(__name__)

GO_LIVE = "go_live"
EXPIRE = "expire"


def schedule_on_commit(article):
    """Queue the clock's next transition for ``article`` (as it now is) once the transaction commits."""
    if article.status == Status.SCHEDULED and article.publish_at is not None:
        name, due_at = GO_LIVE, article.publish_at
    elif article.status in LIVE and article.expire_at is not None:
        name, due_at = EXPIRE, article.expire_at
    else:
        return
    enqueue_on_commit(take_when_due, article.pk, name, due_at.isoformat(), run_after=due_at)


@task
def take_when_due(article_id, name, due_at):
    """
    Take the clock's transition ``name`` (go_live or expire) on the story if it is still due at
    ``due_at`` (ISO 8601): the same action, comment and audit event as ``publish_scheduled``.
    """
    from articles import workflow

    due = datetime.fromisoformat(due_at)
    if due > timezone.now():  # a worker whose clock is behind the one that queued it: not yet
        enqueue(take_when_due, article_id, name, due_at, run_after=due)
        return False
    article = workflow.take_if_due(name, article_id=article_id, due_at=due)
    if article is None:
        logger.info("%s of story %s at %s: superseded or done already.", name, article_id, due_at)
        return False
    return True
