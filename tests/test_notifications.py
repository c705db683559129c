"""Workflow emails: sent after commit, to the right people, and never for a rolled-back transition."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from articles import notifications, workflow
from articles.models import Article, PendingNotification, WorkflowEvent
from tests.factories import ArticleFactory, AuthorFactory, ChiefEditorFactory, EditorFactory, ReporterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    reporter = ReporterFactory(username="rita", email="rita@example.com")
    return {
        "reporter": reporter,
        "editor": EditorFactory(username="ed", email="ed@example.com"),
        "chief": ChiefEditorFactory(username="chief", email="chief@example.com"),
        "article": ArticleFactory(headline="Port strike ends", authors=[AuthorFactory(user=reporter)]),
    }


def test_submit_emails_the_editors(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"], comment="Ready.")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["chief@example.com", "ed@example.com"]
    assert message.subject == "For review: Port strike ends"
    assert f"/admin/articles/article/{desk['article'].pk}/change/" in message.body


def test_return_emails_the_authors_with_the_comment(desk, django_capture_on_commit_callbacks):
    workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_to_reporter(article=desk["article"], user=desk["editor"], comment="Name the union.")

    assert [m.to for m in mail.outbox] == [["rita@example.com"]]
    assert mail.outbox[0].subject == "Returned to you: Port strike ends"
    assert "Name the union." in mail.outbox[0].body


def test_nothing_is_sent_before_commit(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_rolled_back_transition_sends_nothing(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
        raise RuntimeError("the rest of the request failed")

    assert mail.outbox == []
    assert Article.objects.get(pk=desk["article"].pk).status == Article.Status.DRAFT
    assert not WorkflowEvent.objects.exists()


def test_failure_inside_the_transition_sends_nothing(desk, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch.object(WorkflowEvent.objects, "create", side_effect=RuntimeError("db gone")),
        pytest.raises(RuntimeError),
    ):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert mail.outbox == []


def test_publish_sends_no_email(desk, django_capture_on_commit_callbacks):
    workflow.submit_for_review(article=desk["article"], user=desk["editor"])

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(article=desk["article"], user=desk["editor"])

    assert mail.outbox == []


def test_a_sent_email_leaves_nothing_pending(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert len(mail.outbox) == 1
    assert not PendingNotification.objects.exists()


def test_a_failed_send_stays_pending_and_the_retry_sends_it_once(desk, django_capture_on_commit_callbacks):
    # The patch outside: the callbacks run as the inner block ends.
    with (
        mock.patch("articles.notifications.send_mail", side_effect=OSError("mail server away")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert Article.objects.get(pk=desk["article"].pk).status == Article.Status.REVIEW
    assert mail.outbox == []
    assert PendingNotification.objects.get().attempts == 1

    assert notifications.retry_pending() == (1, 0)
    assert notifications.retry_pending() == (0, 0)
    assert [message.subject for message in mail.outbox] == ["For review: Port strike ends"]


def test_a_rolled_back_transition_leaves_nothing_pending(desk):
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
        raise RuntimeError("the rest of the request failed")

    assert not PendingNotification.objects.exists()


def test_a_transition_without_emails_records_none(desk):
    workflow.submit_for_review(article=desk["article"], user=desk["editor"])
    PendingNotification.objects.all().delete()

    workflow.publish(article=desk["article"], user=desk["editor"])

    assert not PendingNotification.objects.exists()
