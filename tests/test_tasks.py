"""
Background tasks (ops/tasks.py and the tasks beside what they serve): enqueued after commit,
never breaking the action that asked, retried with backoff, failing visibly; the clock's
go-live and take-down queued for their time and superseded by a reschedule or an unpublish; and
real workers: the database queue's, and RQ's against the real Redis.
"""

import io
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus, task_backends
from django.urls import reverse
from django.utils import timezone

from articles import notifications, workflow
from articles.models import Article, PendingNotification
from articles.workflow.clock import take_when_due
from ops import tasks
from tests import sample_tasks
from tests.factories import ArticleFactory, AuthorFactory, EditorFactory, ReporterFactory
from tests.servers import child_environment

Status = Article.Status
BASE_DIR = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A mail server that refuses every message (the tests' memory backend, patched).
LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture
def queue(settings):
    """A queue that keeps what is enqueued (Django's dummy backend: it can defer, and runs nothing)."""
    settings.TASKS = DUMMY
    backend = task_backends["default"]
    yield backend
    backend.clear()


def queued(backend, task):
    return [result for result in backend.results if result.task.func == task.func]


@pytest.fixture
def desk(db):
    reporter = ReporterFactory(username="rita", email="rita@example.com")
    return {
        "reporter": reporter,
        "editor": EditorFactory(username="ed", email="ed@example.com"),
        "article": ArticleFactory(headline="Port strike ends", authors=[AuthorFactory(user=reporter)]),
    }


def scheduled(editor, *, publish_at, expire_at=None):
    article = ArticleFactory(publish_at=publish_at, expire_at=expire_at)
    workflow.submit_for_review(article=article, user=editor)
    return workflow.publish(article=article, user=editor, now=publish_at - timedelta(hours=2))


# --- enqueueing ---------------------------------------------------------------------------------


def test_the_email_task_is_enqueued_only_once_the_transition_commits(
    desk, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
    assert queued(queue, notifications.send_notification) == []

    for callback in callbacks:
        callback()

    [result] = queued(queue, notifications.send_notification)
    assert result.args == [PendingNotification.objects.get().pk]
    assert mail.outbox == []  # the request did not wait for the mail server


def test_with_the_immediate_backend_the_email_goes_right_after_the_commit(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert [message.subject for message in mail.outbox] == ["For review: Port strike ends"]
    assert not PendingNotification.objects.exists()


def test_a_queue_that_cannot_take_the_task_never_breaks_the_transition(
    desk, queue, caplog, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(type(queue), "enqueue", side_effect=ConnectionError("queue away")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert Article.objects.get(pk=desk["article"].pk).status == Status.REVIEW
    assert "could not be enqueued (ConnectionError: queue away)" in caplog.text
    assert mail.outbox == []
    # The outbox row is the durable record: the safety net sends it.
    call_command("publish_scheduled", stdout=io.StringIO())
    assert [message.subject for message in mail.outbox] == ["For review: Port strike ends"]
    assert not PendingNotification.objects.exists()


def test_a_deferred_task_is_not_run_early_by_a_backend_that_cannot_defer(db):
    # The immediate backend (the tests' own) would run it at once: it is left to the safety net.
    assert tasks.enqueue(sample_tasks.add, 1, 2, run_after=timezone.now() + timedelta(hours=1)) is None
    assert tasks.enqueue(sample_tasks.add, 1, 2).return_value == 3


# --- retries --------------------------------------------------------------------------------------


def test_backoff_doubles_from_the_first_delay_up_to_an_hour(settings):
    settings.NEWSROOM_TASK_RETRY_SECONDS = 10
    assert [tasks.backoff(attempt).total_seconds() for attempt in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert tasks.backoff(20) == timedelta(hours=1)


def test_a_failed_send_is_retried_later_with_the_next_attempt(desk, queue, settings):
    settings.NEWSROOM_TASK_RETRY_SECONDS = 10
    workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
    pending = PendingNotification.objects.get()
    now = timezone.now()

    with (
        mock.patch(LOCMEM_SEND, side_effect=OSError("mail server away")),
        mock.patch("django.utils.timezone.now", return_value=now),
    ):
        notifications.send_notification.call(pending.pk, attempt=2)

    [retry] = queued(queue, notifications.send_notification)
    assert (retry.args, retry.kwargs) == ([pending.pk], {"attempt": 3})
    assert retry.task.run_after == now + timedelta(seconds=20)  # after attempt 2: twice the first wait
    assert PendingNotification.objects.get().attempts == 1

    # The retry, once the mail server is back, sends it and leaves nothing pending.
    notifications.send_notification.call(*retry.args, **retry.kwargs)
    assert len(mail.outbox) == 1
    assert not PendingNotification.objects.exists()


def test_the_last_attempt_fails_with_its_traceback_and_the_row_waits_for_the_safety_net(desk, settings):
    settings.NEWSROOM_TASK_ATTEMPTS = 3
    workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
    pending = PendingNotification.objects.get()

    with mock.patch(LOCMEM_SEND, side_effect=OSError("mail server away")):
        result = notifications.send_notification.enqueue(pending.pk, attempt=3)

    assert result.status == TaskResultStatus.FAILED
    assert "OSError: mail server away" in result.errors[0].traceback
    assert PendingNotification.objects.get().last_error == "OSError: mail server away"
    assert notifications.retry_pending() == (1, 0)


def test_a_failed_page_cache_purge_queues_its_retry(db, queue, settings):
    from pagecache import purges

    settings.NEWSROOM_TASK_RETRY_SECONDS = 10
    with mock.patch("pagecache.store.invalidate", side_effect=ConnectionError("cache away")):
        purges.invalidate_on_commit("article:1")
        purge = purges.PendingPurge.objects.get()
        assert purges.purge_now(purge) is False

    [retry] = queued(queue, purges.retry_pending_purges)
    assert retry.task.run_after > timezone.now() + timedelta(seconds=9)
    assert purges.retry_pending_purges.call() == 1
    assert not purges.PendingPurge.objects.exists()


# --- the clock as tasks -------------------------------------------------------------------------


def test_scheduling_queues_the_go_live_for_the_embargo(desk, queue, django_capture_on_commit_callbacks):
    embargo = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        article = scheduled(desk["editor"], publish_at=embargo)

    [go_live] = queued(queue, take_when_due)
    assert go_live.args == [article.pk, "go_live", embargo.isoformat()]
    assert go_live.task.run_after == embargo


def test_the_go_live_task_publishes_at_its_time_with_the_audit_event(
    desk, queue, django_capture_on_commit_callbacks
):
    embargo = timezone.now() + timedelta(hours=3)
    take_down = embargo + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        article = scheduled(desk["editor"], publish_at=embargo, expire_at=take_down)
    [go_live] = queued(queue, take_when_due)
    queue.clear()

    with (
        mock.patch("django.utils.timezone.now", return_value=embargo),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert take_when_due.call(*go_live.args) is True

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    event = article.events.get(action="go_live")
    assert event.actor is None
    assert event.created_at == embargo
    assert event.comment.startswith("Embargo lifted at ")
    # Once live, its take-down is queued in turn.
    [expire] = queued(queue, take_when_due)
    assert expire.args == [article.pk, "expire", take_down.isoformat()]

    with mock.patch("django.utils.timezone.now", return_value=take_down):
        assert take_when_due.call(*expire.args) is True
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.events.filter(action="expire").count() == 1


def test_a_reschedule_supersedes_the_queued_go_live(desk, queue, django_capture_on_commit_callbacks):
    embargo = timezone.now() + timedelta(hours=3)
    later = embargo + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        article = scheduled(desk["editor"], publish_at=embargo)
        workflow.reschedule(
            article=article, user=desk["editor"], publish_at=later, expire_at=None, comment="Wait."
        )
    old, new = queued(queue, take_when_due)
    assert new.args == [article.pk, "go_live", later.isoformat()]

    with mock.patch("django.utils.timezone.now", return_value=embargo):
        assert take_when_due.call(*old.args) is False
    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED
    assert not article.events.filter(action="go_live").exists()

    with mock.patch("django.utils.timezone.now", return_value=later):
        assert take_when_due.call(*new.args) is True
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_an_unpublished_story_does_not_go_live_when_its_task_runs(
    desk, queue, django_capture_on_commit_callbacks
):
    embargo = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        article = scheduled(desk["editor"], publish_at=embargo)
    [go_live] = queued(queue, take_when_due)
    workflow.unpublish(article=article, user=desk["editor"], comment="Legal hold.")

    with mock.patch("django.utils.timezone.now", return_value=embargo):
        assert take_when_due.call(*go_live.args) is False
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_a_go_live_task_run_early_waits_for_its_time(desk, queue, django_capture_on_commit_callbacks):
    embargo = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        article = scheduled(desk["editor"], publish_at=embargo)
    [go_live] = queued(queue, take_when_due)
    queue.clear()

    assert take_when_due.call(*go_live.args) is False

    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED
    [again] = queued(queue, take_when_due)
    assert (again.args, again.task.run_after) == (go_live.args, embargo)


# --- the database queue's real worker -------------------------------------------------------------


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in handlers.items():  # db_worker installs its own
        signal.signal(sig, handler)


def run_database_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_the_email_and_takes_the_story_live(database_queue, client):
    from django_tasks_db.models import DBTaskResult

    reporter = ReporterFactory(email="rita@example.com")
    editor = EditorFactory(email="ed@example.com")
    article = ArticleFactory(headline="Port strike ends", authors=[AuthorFactory(user=reporter)])
    workflow.submit_for_review(article=article, user=reporter)
    # An embargo that has just passed, approved before it: the go-live task is due now.
    embargo = timezone.now() - timedelta(seconds=1)
    Article.objects.filter(pk=article.pk).update(publish_at=embargo)
    article.refresh_from_db()
    workflow.publish(article=article, user=editor, now=embargo - timedelta(hours=1))
    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED
    # The notices of the submission and the scheduling, and the go-live.
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 3
    assert mail.outbox == []

    run_database_worker()

    assert {message.subject for message in mail.outbox} == {
        "For review: Port strike ends",
        "Scheduled: Port strike ends",
        "Live: Port strike ends",  # the go-live's own notice, queued by the worker and run by it
    }
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.events.get(action="go_live").actor is None
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


@pytest.mark.django_db(transaction=True)
def test_a_task_that_failed_its_last_attempt_is_shown_to_the_desks_editors(database_queue, settings, client):
    from django_tasks_db.models import DBTaskResult

    settings.NEWSROOM_TASK_ATTEMPTS = 1
    reporter = ReporterFactory()
    EditorFactory(email="ed@example.com")
    workflow.submit_for_review(article=ArticleFactory(authors=[AuthorFactory(user=reporter)]), user=reporter)

    with mock.patch(LOCMEM_SEND, side_effect=OSError("mail server away")):
        run_database_worker()

    failed = DBTaskResult.objects.get()
    assert failed.status == TaskResultStatus.FAILED
    assert "OSError: mail server away" in failed.traceback
    assert PendingNotification.objects.get().attempts == 1  # the safety net still has it

    client.force_login(reporter)
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert client.get(changelist).status_code == 403
    client.force_login(EditorFactory())  # the desk's editors and chief editors
    assert "send_notification" in client.get(changelist).text
    detail = client.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed.pk])).text
    assert "mail server away" in detail


# --- Redis: RQ's real worker ----------------------------------------------------------------------


@pytest.fixture
def redis_queue(settings):
    import django_rq
    import redis

    # REDIS_URL's server, or a local one (CI's SQLite run starts Redis without setting REDIS_URL).
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        message = f"Redis is not running at {url} (set REDIS_URL, or start redis-server)"
        if IN_CI:
            pytest.fail(f"{message} (CI is set, so this fails instead of skipping)")
        pytest.skip(message)

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": url}}
    rq_queue = django_rq.get_queue("default")
    rq_queue.empty()
    yield url
    rq_queue.empty()


def test_the_redis_queue_runs_django_tasks_in_a_real_rq_worker(redis_queue, tmp_path):
    backend = task_backends["default"]
    added = sample_tasks.add.enqueue(2, 3)
    failed = sample_tasks.fail.enqueue("edge away")
    deferred = tasks.enqueue(sample_tasks.add, 1, 1, run_after=timezone.now() - timedelta(seconds=1))
    assert backend.get_result(added.id).status == TaskResultStatus.READY

    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "--with-scheduler"]
        + ["--job-class", "django_tasks_rq.Job", "default"],
        cwd=BASE_DIR,
        env=child_environment(tmp_path, TASKS_BACKEND="rq", TASKS_REDIS_URL=redis_queue),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr

    assert backend.get_result(added.id).return_value == 5
    assert backend.get_result(deferred.id).return_value == 2
    result = backend.get_result(failed.id)
    assert result.status == TaskResultStatus.FAILED
    assert "RuntimeError: edge away" in result.errors[0].traceback
