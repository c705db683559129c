"""
Notifications appearing in the other role's inbox, in a real browser: a reporter submits a story;
the editor's admin header shows an unread count, the inbox lists the submission with a link to
the story, and opening it marks it read. The inbox passes axe and fits a 390 px wide phone.
"""

import re

import pytest
from playwright.sync_api import expect

from inbox.models import Notification
from tests.browser.support import log_in
from tests.factories import ArticleFactory, AuthorFactory, EditorFactory, ReporterFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]

HEADLINE = "Night Ferry Timetable Changes from Monday"


def test_a_submission_reaches_the_editors_inbox(new_page, axe_audit):
    reporter = ReporterFactory(username="mina", first_name="Mina", last_name="Park")
    editor = EditorFactory(username="jonas")
    article = ArticleFactory(headline=HEADLINE, authors=[AuthorFactory(user=reporter)])

    editor_page = new_page()
    log_in(editor_page, editor)
    expect(editor_page.locator("#inbox-link")).to_have_text("Inbox")  # nothing unread yet

    reporter_page = new_page()
    log_in(reporter_page, reporter)
    reporter_page.goto(f"/admin/articles/article/{article.pk}/change/")
    reporter_page.get_by_role("button", name="Submit for review").click()
    expect(reporter_page.locator(".messagelist .success")).to_contain_text("is now In review")

    editor_page.goto("/admin/")
    expect(editor_page.locator("#inbox-unread")).to_have_text("(1 unread)")
    editor_page.locator("#inbox-link").click()
    item = editor_page.locator("#inbox-items li.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"Mina Park submitted “{HEADLINE}” for review.")
    serious = [v["id"] for v in axe_audit(editor_page) if v["impact"] in {"serious", "critical"}]
    assert serious == []

    item.get_by_role("link", name=re.compile("submitted")).click()
    expect(editor_page).to_have_url(re.compile(rf"/admin/articles/article/{article.pk}/change/$"))
    expect(editor_page.locator("#inbox-link")).to_have_text("Inbox")
    assert Notification.objects.get(recipient=editor).read_at is not None


def test_the_inbox_fits_a_phone(new_page):
    editor = EditorFactory(username="jonas")
    article = ArticleFactory(headline="A very long headline " * 8)
    Notification.objects.create(
        recipient=editor,
        kind=Notification.Kind.RETURNED,
        summary=f"Someone returned “{article.headline}” to you.",
        comment="https://example.com/a-very-long-address-without-any-spaces-" + "x" * 80,
        article=article,
        source="phone",
    )
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, editor)

    page.locator("#inbox-link").click()

    expect(page.locator("#inbox-items li")).to_have_count(1)
    expect(page.get_by_role("button", name="Mark read")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
