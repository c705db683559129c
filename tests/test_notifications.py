"""
Who is told what (articles.notifications) and how it reaches them (inbox.delivery): after commit,
through a task, once, to the right people, in their inbox, by email or both as each chose.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from articles import curation, notifications, workflow
from articles.models import Article, PendingNotification, WorkflowEvent
from inbox.models import Delivery, Notification, Preference
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ChiefEditorFactory,
    EditorFactory,
    EditorsPickFactory,
    ReporterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


@pytest.fixture
def desk():
    reporter = ReporterFactory(username="rita", email="rita@example.com", first_name="Rita", last_name="Lane")
    return {
        "reporter": reporter,
        "editor": EditorFactory(username="ed", email="ed@example.com", first_name="Ed", last_name="Moss"),
        "chief": ChiefEditorFactory(username="chief", email="chief@example.com"),
        "article": ArticleFactory(headline="Port strike ends", authors=[AuthorFactory(user=reporter)]),
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (the delivery tasks), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def inbox_of(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", "summary"))


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def to_review(desk, committed):
    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
    mail.outbox.clear()


def live(desk, committed):
    to_review(desk, committed)
    with committed():
        workflow.publish(article=desk["article"], user=desk["editor"])
    mail.outbox.clear()
    Notification.objects.all().delete()


# --- the workflow's transitions ------------------------------------------------------------------


def test_submit_tells_each_editor_in_the_inbox_and_by_their_own_email(desk, committed):
    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"], comment="Ready.")

    assert sorted(message.to[0] for message in mail.outbox) == ["chief@example.com", "ed@example.com"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees who else was told
    message = emails_to("ed@example.com")[0]
    assert message.subject == "For review: Port strike ends"
    assert "Rita Lane submitted “Port strike ends” for review." in message.body
    assert "Ready." in message.body
    assert f"Open it: {settings.SITE_URL}/admin/articles/article/{desk['article'].pk}/change/" in message.body
    assert inbox_of(desk["editor"]) == [
        (Kind.SUBMITTED, "Rita Lane submitted “Port strike ends” for review.")
    ]
    assert inbox_of(desk["reporter"]) == []  # not told of what they did themselves


def test_links_in_emails_are_built_from_site_url(desk, committed, settings):
    settings.SITE_URL = "https://desk.example.org/"
    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    body = emails_to("ed@example.com")[0].body
    assert f"Open it: https://desk.example.org/admin/articles/article/{desk['article'].pk}/change/" in body
    assert "https://desk.example.org/admin/inbox/notification/" in body
    assert "8000" not in body


def test_return_tells_the_authors_with_the_comment(desk, committed):
    to_review(desk, committed)

    with committed():
        workflow.return_to_reporter(article=desk["article"], user=desk["editor"], comment="Name the union.")

    assert [m.to for m in mail.outbox] == [["rita@example.com"]]
    assert mail.outbox[0].subject == "Returned to you: Port strike ends"
    assert "Name the union." in mail.outbox[0].body
    [notification] = Notification.objects.filter(recipient=desk["reporter"])
    assert (notification.kind, notification.comment) == (Kind.RETURNED, "Name the union.")
    assert notification.article_id == desk["article"].pk


def test_publish_tells_the_authors(desk, committed):
    to_review(desk, committed)

    with committed():
        workflow.publish(article=desk["article"], user=desk["editor"])

    assert inbox_of(desk["reporter"]) == [(Kind.PUBLISHED, "Ed Moss published “Port strike ends”.")]
    assert [m.subject for m in mail.outbox] == ["Published: Port strike ends"]


def test_an_update_tells_the_authors(desk, committed):
    live(desk, committed)

    with committed():
        workflow.publish_update(article=desk["article"], user=desk["editor"])

    assert inbox_of(desk["reporter"]) == [
        (Kind.UPDATED, "Ed Moss published an update to “Port strike ends”.")
    ]


def test_unpublish_tells_the_authors_and_whoever_published_it(desk, committed):
    live(desk, committed)

    with committed():
        workflow.unpublish(article=desk["article"], user=desk["chief"], comment="Legal asked.")

    for person in (desk["reporter"], desk["editor"]):
        assert [kind for kind, _ in inbox_of(person)] == [Kind.UNPUBLISHED]
    assert inbox_of(desk["chief"]) == []
    assert sorted(m.to[0] for m in mail.outbox) == ["ed@example.com", "rita@example.com"]
    assert "Legal asked." in mail.outbox[0].body


def test_reschedule_tells_the_authors_with_the_new_times(desk, committed):
    live(desk, committed)
    expire_at = timezone.now() + timedelta(days=2)

    with committed():
        workflow.reschedule(
            article=desk["article"],
            user=desk["editor"],
            publish_at=None,
            expire_at=expire_at,
            comment="Event ends.",
        )

    [notification] = Notification.objects.filter(recipient=desk["reporter"])
    assert notification.kind == Kind.RESCHEDULED
    assert "Event ends." in notification.comment and "take-down" in notification.comment


def test_the_clock_going_live_and_taking_down_tells_the_authors_and_the_publisher(desk, committed):
    to_review(desk, committed)
    now = timezone.now()
    Article.objects.filter(pk=desk["article"].pk).update(publish_at=now + timedelta(hours=1))
    desk["article"].refresh_from_db()
    with committed():
        workflow.take("schedule", article=desk["article"], user=desk["editor"], now=now)
    Notification.objects.all().delete()

    with committed():
        workflow.run_schedule(now=now + timedelta(hours=2))

    for person in (desk["reporter"], desk["editor"]):
        assert inbox_of(person) == [(Kind.WENT_LIVE, "“Port strike ends” went live at its embargo time.")]

    Article.objects.filter(pk=desk["article"].pk).update(expire_at=now + timedelta(hours=3))
    with committed():
        workflow.run_schedule(now=now + timedelta(hours=4))

    assert [kind for kind, _ in inbox_of(desk["reporter"])] == [Kind.TAKEN_DOWN, Kind.WENT_LIVE]


def test_a_mention_in_a_comment_tells_the_person_named(desk, committed):
    colleague = UserFactory(username="sam.k", email="sam@example.com", is_staff=True)
    outsider = UserFactory(username="reader", email="reader@example.com", is_staff=False)
    to_review(desk, committed)

    with committed():
        workflow.return_to_reporter(
            article=desk["article"],
            user=desk["editor"],
            comment="Check the figures with @Sam.K and @rita. Not @reader, nor ed@example.com.",
        )

    [mention] = Notification.objects.filter(recipient=colleague)
    assert mention.kind == Kind.MENTIONED
    assert mention.summary.startswith("Ed Moss mentioned you on “Port strike ends”.")
    assert "@Sam.K" in mention.comment
    # Rita is told once, of the mention (it says what happened too), not twice.
    assert [kind for kind, _ in inbox_of(desk["reporter"])] == [Kind.MENTIONED]
    assert inbox_of(outsider) == []
    assert not Notification.objects.filter(recipient=desk["editor"], kind=Kind.MENTIONED).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["rita@example.com", "sam@example.com"]


def test_a_deletion_tells_nobody(desk, committed):
    with committed():
        workflow.take("delete", article=desk["article"], user=desk["chief"])

    assert not Notification.objects.exists() and mail.outbox == []
    assert not PendingNotification.objects.exists()


# --- how each person wants to be told ------------------------------------------------------------


def test_each_person_is_told_as_they_chose(desk, committed):
    Preference.objects.create(user=desk["editor"], delivery=Preference.Delivery.ADMIN)
    Preference.objects.create(user=desk["chief"], delivery=Preference.Delivery.EMAIL)

    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert [m.to for m in mail.outbox] == [["chief@example.com"]]
    assert [kind for kind, _ in inbox_of(desk["editor"])] == [Kind.SUBMITTED]
    assert inbox_of(desk["chief"]) == []


def test_without_a_choice_the_site_default_applies(desk, committed, settings):
    settings.NEWSROOM_NOTIFY_BY = "admin"

    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert mail.outbox == []
    assert Notification.objects.filter(recipient__in=[desk["editor"], desk["chief"]]).count() == 2


def test_someone_without_an_address_still_gets_the_inbox_item(desk, committed):
    type(desk["editor"]).objects.filter(pk=desk["editor"].pk).update(email="")

    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert [m.to for m in mail.outbox] == [["chief@example.com"]]
    assert [kind for kind, _ in inbox_of(desk["editor"])] == [Kind.SUBMITTED]


# --- after the commit, through the task, once ----------------------------------------------------


def test_nothing_is_delivered_before_commit(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert mail.outbox == [] and not Notification.objects.exists()
    assert len(callbacks) == 1


def test_delivery_goes_through_the_task_queue(desk, committed, queued_tasks):
    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert [result.task.name for result in queued_tasks] == ["send_notification"]
    assert mail.outbox == [] and not Notification.objects.exists()  # the worker delivers it


def test_rolled_back_transition_tells_nobody(desk, committed):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])
        raise RuntimeError("the rest of the request failed")

    assert mail.outbox == [] and not Notification.objects.exists()
    assert Article.objects.get(pk=desk["article"].pk).status == Article.Status.DRAFT
    assert not WorkflowEvent.objects.exists() and not PendingNotification.objects.exists()


def test_failure_inside_the_transition_tells_nobody(desk, committed):
    with (
        committed(),
        mock.patch.object(WorkflowEvent.objects, "create", side_effect=RuntimeError("db gone")),
        pytest.raises(RuntimeError),
    ):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_delivered_notice_leaves_nothing_pending(desk, committed):
    with committed():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert len(mail.outbox) == 2
    assert not PendingNotification.objects.exists()


def test_a_failed_email_stays_pending_and_the_retry_delivers_it_once(desk, committed):
    # The patch outside: the callbacks run as the inner block ends.
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=OSError("away")
        ),
        committed(),
    ):
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert Article.objects.get(pk=desk["article"].pk).status == Article.Status.REVIEW
    assert mail.outbox == []
    # Nothing half-delivered: the inbox items wait with the emails.
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert "OSError: away" in PendingNotification.objects.get().last_error

    assert notifications.retry_pending() == (1, 0)
    assert notifications.retry_pending() == (0, 0)
    assert sorted(m.subject for m in mail.outbox) == ["For review: Port strike ends"] * 2
    assert Notification.objects.count() == 2


def test_a_notice_is_never_delivered_twice(desk, committed):
    with committed():
        event = workflow.submit_for_review(article=desk["article"], user=desk["reporter"]).events.last()

    notifications.transition_taken(event_id=event.pk)

    assert len(mail.outbox) == 2 and Notification.objects.count() == 2


def test_the_demo_history_tells_nobody(desk, committed):
    with committed(), notifications.silenced():
        workflow.submit_for_review(article=desk["article"], user=desk["reporter"])

    assert not PendingNotification.objects.exists() and mail.outbox == []


# --- Editor's Pick -------------------------------------------------------------------------------


@pytest.fixture
def picked_story(desk, committed):
    live(desk, committed)
    return desk["article"]


def test_a_pick_added_tells_the_authors(desk, picked_story, committed):
    with committed():
        curation.add_pick(user=desk["chief"], article=picked_story)

    [notification] = Notification.objects.filter(recipient=desk["reporter"])
    assert notification.kind == Kind.PICK_ADDED
    assert "“Port strike ends” in the site-wide Editor's Pick" in notification.summary
    assert inbox_of(desk["chief"]) == []


def test_a_pick_ending_is_queued_for_its_end_time(desk, picked_story, committed, queued_tasks):
    ends_at = timezone.now() + timedelta(hours=6)
    with committed():
        pick = curation.add_pick(user=desk["chief"], article=picked_story, ends_at=ends_at)

    [queued] = [result for result in queued_tasks if result.task.name == "send_pick_ended"]
    assert queued.args == [pick.pk, ends_at.isoformat()]
    assert queued.task.run_after == ends_at


def test_a_pick_ending_tells_the_authors_and_the_curators_once_it_ends(desk, picked_story, committed):
    ends_at = timezone.now() + timedelta(hours=6)
    with committed():
        pick = curation.add_pick(user=desk["chief"], article=picked_story, ends_at=ends_at)
    Notification.objects.all().delete()

    assert notifications.deliver_pick_ended(pick.pk, ends_at) is False  # not yet
    assert notifications.deliver_pick_ended(pick.pk, ends_at, now=ends_at + timedelta(seconds=1))

    for person in (desk["reporter"], desk["chief"]):
        assert [kind for kind, _ in inbox_of(person)] == [Kind.PICK_ENDED]
    assert not notifications.deliver_pick_ended(pick.pk, ends_at, now=ends_at + timedelta(seconds=2))


def test_a_pick_whose_end_moved_is_not_told_at_the_old_time(desk, picked_story, committed):
    old_end = timezone.now() + timedelta(hours=1)
    pick = EditorsPickFactory(article=picked_story, ends_at=old_end)
    with committed():
        curation.set_window(
            user=desk["chief"], pick=pick, starts_at=None, ends_at=old_end + timedelta(days=1)
        )

    assert notifications.deliver_pick_ended(pick.pk, old_end, now=old_end + timedelta(minutes=1)) is False
    assert not Notification.objects.filter(kind=Kind.PICK_ENDED).exists()


def test_the_safety_net_delivers_pick_notices_a_lost_task_left(desk, picked_story, queued_tasks, committed):
    now = timezone.now()
    with committed():  # the tasks are queued, and never run: the worker is down
        curation.add_pick(user=desk["chief"], article=picked_story, ends_at=now + timedelta(minutes=5))

    assert notifications.retry_pending(now=now) == (1, 0)  # the pick added
    assert notifications.retry_pending(now=now + timedelta(minutes=6)) == (1, 0)  # its end
    assert notifications.retry_pending(now=now + timedelta(minutes=7)) == (0, 0)
    assert [kind for kind, _ in inbox_of(desk["reporter"])] == [Kind.PICK_ENDED, Kind.PICK_ADDED]
