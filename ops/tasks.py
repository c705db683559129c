"""
Background work through Django's tasks framework: enqueueing that never breaks a finished action,
and retries with backoff that end in a failure staff can see.

Three functions, for task functions defined with ``django.tasks.task`` beside the module they
serve (``articles.notifications``, ``pagecache.purges``...):

``enqueue_on_commit(task, *args, run_after=None, **kwargs)``
    Enqueue once the current transaction commits (at once outside one). Write the durable record
    of the work (an outbox row) in the transaction first: the task is its prompt executor, and a
    safety net (``manage.py publish_scheduled``, the page cache's catch-up) finishes what a lost
    task did not.

``enqueue(task, *args, run_after=None, **kwargs)``
    Enqueue now. Never raises: a backend that cannot take the task (the database queue's write
    failing, Redis away) is logged and ``None`` is returned, so the action that asked stands and
    its outbox row waits for the safety net. ``run_after`` defers the task (an aware datetime);
    on a backend that cannot defer (the immediate backend of the tests) a deferred task is not
    enqueued at all, and the safety net does it when it is due.

``retry_later(task, *args, attempt, error, **kwargs)``
    From a task's ``except`` block: enqueue ``task(*args, attempt=attempt + 1, **kwargs)`` to
    run after :func:`backoff` (10 s, 20 s, 40 s... at most an hour), then return, so this
    attempt ends successful. On the last attempt (``NEWSROOM_TASK_ATTEMPTS``, 5), or when the
    retry cannot be enqueued or deferred, ``error`` is raised again: the task's result is FAILED
    with its traceback, which staff with the permission see in the admin ("Tasks" for the
    database queue, "Django-RQ" for Redis), and Django's tasks logger logs it as an error.

A task that retries takes ``attempt=1`` as its last keyword argument::

    @task
    def purge_edge(tags, attempt=1):
        try:
            send_purge(tags)
        except RequestException as error:
            retry_later(purge_edge, tags, attempt=attempt, error=error)

    enqueue_on_commit(purge_edge, ["article:12"])

Arguments must be JSON (ids and strings, not model instances): a task runs in another process,
maybe minutes later, and reads the row as it is then.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 5
DEFAULT_FIRST_DELAY = 10  # seconds
LONGEST_DELAY = 3600  # seconds


def enqueue(task, *args, run_after=None, **kwargs):
    """Enqueue ``task(*args, **kwargs)`` now; the TaskResult, or ``None`` if it was not enqueued."""
    try:
        backend = task.get_backend()
        if run_after is not None:
            if not backend.supports_defer:
                logger.debug("%s not enqueued: its backend cannot defer a task.", task.module_path)
                return None
            task = task.using(run_after=run_after)
        return task.enqueue(*args, **kwargs)
    except Exception as error:  # whatever the backend raised, the caller's action stands
        logger.warning(
            "Task %s could not be enqueued (%s: %s); the safety net does its work later.",
            task.module_path,
            type(error).__name__,
            error,
        )
        return None


def enqueue_on_commit(task, *args, run_after=None, **kwargs):
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits (see :func:`enqueue`)."""
    transaction.on_commit(partial(enqueue, task, *args, run_after=run_after, **kwargs))


def backoff(attempt):
    """How long to wait before attempt ``attempt + 1``: doubling from NEWSROOM_TASK_RETRY_SECONDS."""
    first = getattr(settings, "NEWSROOM_TASK_RETRY_SECONDS", DEFAULT_FIRST_DELAY)
    return timedelta(seconds=min(first * 2 ** (attempt - 1), LONGEST_DELAY))


def retry_later(task, *args, attempt, error, **kwargs):
    """Enqueue the next attempt of ``task`` after :func:`backoff`; on the last, raise ``error``."""
    attempts = getattr(settings, "NEWSROOM_TASK_ATTEMPTS", DEFAULT_ATTEMPTS)
    if attempt < attempts:
        run_after = timezone.now() + backoff(attempt)
        retry = enqueue(task, *args, attempt=attempt + 1, run_after=run_after, **kwargs)
        if retry is not None:
            logger.warning(
                "Task %s failed on attempt %d of %d (%s: %s); retried in %s as %s.",
                task.module_path,
                attempt,
                attempts,
                type(error).__name__,
                error,
                backoff(attempt),
                retry.id,
            )
            return retry
    raise error
