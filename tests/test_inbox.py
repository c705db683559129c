"""The inbox in the admin: the header's unread count on every page, the list, mark read, preferences."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.delivery import Kind, Notice, deliver
from inbox.models import Notification, Preference
from tests.factories import ArticleFactory, EditorFactory, ReporterFactory

pytestmark = pytest.mark.django_db
INBOX = "/admin/inbox/notification/"


@pytest.fixture
def editor(client):
    user = EditorFactory(username="ed")
    client.force_login(user)
    return user


def tell(user, n, *, article=None, comment=""):
    article = article or ArticleFactory(headline=f"Story {n}")
    deliver(
        Notice(
            source=f"test:{n}",
            kind=Kind.SUBMITTED,
            subject=f"For review: {article.headline}",
            summary=f"Rita submitted “{article.headline}” for review.",
            comment=comment,
            article_id=article.pk,
            path=reverse("admin:articles_article_change", args=[article.pk]),
        ),
        [user],
    )
    return Notification.objects.get(recipient=user, source=f"test:{n}")


def test_every_admin_page_links_the_inbox_with_the_unread_count(client, editor):
    tell(editor, 1)
    tell(editor, 2)
    Notification.objects.filter(source="test:2").update(read_at=timezone.now())

    for page in ("/admin/", "/admin/articles/article/", INBOX):
        html = client.get(page).content.decode()
        assert f'<a href="{INBOX}" id="inbox-link">Inbox <strong id="inbox-unread">(1' in html, page


def test_the_header_count_is_one_query_and_stops_at_99(client, editor):
    Notification.objects.bulk_create(
        [Notification(recipient=editor, kind=Kind.SUBMITTED, summary="x", source=f"s{n}") for n in range(120)]
    )
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/admin/").content.decode()

    assert "(99+" in html
    assert len([q for q in queries if "inbox_notification" in q["sql"]]) == 1


def test_nothing_unread_shows_no_count(client, editor):
    html = client.get("/admin/").content.decode()

    assert 'id="inbox-link">Inbox</a>' in html


def test_the_inbox_lists_only_my_notifications_newest_first_with_links(client, editor):
    first = tell(editor, 1, comment="Check @ed's figures.")
    second = tell(editor, 2)
    tell(ReporterFactory(), 3)

    html = client.get(INBOX).content.decode()

    assert html.index("Story 2") < html.index("Story 1")
    assert "Story 3" not in html
    assert "Check @ed&#x27;s figures." in html
    assert f'href="{INBOX}{first.pk}/open/"' in html and f"{INBOX}{second.pk}/open/" in html
    assert "2 unread" in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_story(client, editor):
    notification = tell(editor, 1)

    response = client.get(f"{INBOX}{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == f"/admin/articles/article/{notification.article_id}/change/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notification_of_a_deleted_story_opens_the_inbox(client, editor):
    notification = tell(editor, 1)
    notification.article.delete()

    response = client.get(f"{INBOX}{notification.pk}/open/", follow=True)

    assert response.redirect_chain[-1][0] == INBOX
    assert "That story has been deleted." in response.content.decode()


def test_mark_read_and_mark_all_read(client, editor):
    one, two, three = (tell(editor, n) for n in (1, 2, 3))

    response = client.post(f"{INBOX}{one.pk}/read/", {"next": f"{INBOX}?unread=1"})

    assert response.status_code == 302 and response["Location"] == f"{INBOX}?unread=1"
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    html = client.get(f"{INBOX}?unread=1").content.decode()
    assert "Story 1" not in html and "Story 2" in html

    response = client.post(f"{INBOX}read-all/", follow=True)

    assert "Marked 2 notifications read." in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_marking_needs_a_post_and_your_own_notification(client, editor):
    notification = tell(ReporterFactory(), 1)

    assert client.get(f"{INBOX}read-all/").status_code == 405
    assert client.post(f"{INBOX}{notification.pk}/read/").status_code == 404
    assert client.get(f"{INBOX}{notification.pk}/open/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_is_csrf_protected(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    notification = tell(editor, 1)

    assert client.post(f"{INBOX}{notification.pk}/read/").status_code == 403


def test_next_never_leaves_the_site(client, editor):
    notification = tell(editor, 1)

    response = client.post(f"{INBOX}{notification.pk}/read/", {"next": "https://evil.example.com/"})

    assert response["Location"] == INBOX


def test_each_person_chooses_how_they_are_told(client, editor, settings):
    settings.NEWSROOM_NOTIFY_BY = "both"
    html = client.get(INBOX).content.decode()
    assert 'value="both" required id="id_delivery_2" checked' in html  # everyone's default

    response = client.post(f"{INBOX}preference/", {"delivery": "email"}, follow=True)

    assert Preference.objects.get(user=editor).delivery == "email"
    assert "Saved: you are told by email only." in response.content.decode()


def test_a_bad_preference_is_refused_with_the_reason(client, editor):
    response = client.post(f"{INBOX}preference/", {"delivery": "pager"})

    assert response.status_code == 400
    assert "Your choice was not saved" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_reporter_has_an_inbox_too(client):
    reporter = ReporterFactory()
    client.force_login(reporter)
    tell(reporter, 1)

    assert client.get(INBOX).status_code == 200
    assert "Inbox" in client.get("/admin/").content.decode()


def test_the_inbox_pages_by_fifty(client, editor):
    Notification.objects.bulk_create(
        [
            Notification(recipient=editor, kind=Kind.SUBMITTED, summary=f"Item {n}", source=f"s{n}")
            for n in range(60)
        ]
    )

    html = client.get(INBOX).content.decode()

    assert html.count('class="unread"') == 50 and "Page 1 of 2" in html
    assert client.get(f"{INBOX}?page=2").content.decode().count('class="unread"') == 10
