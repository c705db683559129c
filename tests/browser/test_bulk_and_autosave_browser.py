"""
The desk's bulk actions and autosave in Chromium, as an editor on deadline uses them:

* a bulk publish from the article list, where one of the selected stories is refused: the result
  page says which and why, and that story is left as it was;
* unsaved work kept while typing and when the page is closed, offered with its diff on coming
  back, restored into the form (CKEditor included) and saved as one revision.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from articles import presence, workflow
from articles.admin import autosave
from articles.models import Article, ArticleRevision, WorkingCopy
from tests.browser.test_desk_journey import body_editor, log_in
from tests.factories import ArticleFactory, EditorFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]


def serious(violations):
    return [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]


def test_bulk_publish_with_one_refused_row(new_page, axe_audit):
    editor = EditorFactory(username="jonas")
    ready = [
        workflow.submit_for_review(article=ArticleFactory(headline=headline), user=editor)
        for headline in ("Dam opens on time", "Port strike ends")
    ]
    draft = ArticleFactory(headline="Unfinished draft")
    page = new_page()
    log_in(page, editor)

    page.goto("/admin/articles/article/")
    for article in [*ready, draft]:
        page.locator(f"input.action-select[value='{article.pk}']").check()
    page.locator("select[name=action]").first.select_option("publish_selected")
    page.get_by_role("button", name=re.compile(r"^(Go|Run)$")).first.click()

    expect(page.locator("#bulk-summary")).to_have_text("Publish: 2 done, 1 refused (left as it was).")
    refused = page.locator("#bulk-result tr.bulk-refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Unfinished draft")
    expect(refused).to_contain_text("Cannot publish: the article is Draft.")
    expect(page.locator("#bulk-result tr.bulk-done")).to_have_count(2)
    assert serious(axe_audit(page)) == []

    statuses = dict(Article.objects.values_list("headline", "status"))
    assert statuses == {
        "Dam opens on time": Article.Status.PUBLISHED,
        "Port strike ends": Article.Status.PUBLISHED,
        "Unfinished draft": Article.Status.DRAFT,
    }

    # Each story's link leads to its change form.
    page.locator("#bulk-result").get_by_role("link", name="Dam opens on time").click()
    expect(page).to_have_url(re.compile(rf"/admin/articles/article/{ready[0].pk}/change/$"))


def wait_for(condition, seconds=20):
    """Poll the database for what the live server (a thread of this process) writes."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the live server never wrote it")
        time.sleep(0.25)


def test_autosave_restore_after_closing_the_page(new_page, axe_audit, monkeypatch):
    # No timer fires while the page is open: only the pagehide beacon can keep the work.
    monkeypatch.setattr(autosave, "INTERVAL_SECONDS", 600)
    # The presence beacon leaves at the same pagehide. On SQLite's in-memory test database (shared
    # cache) a second write at the same moment fails at once rather than waiting (the server said
    # "Database unavailable" to the autosave in CI); a file or PostgreSQL waits. The presence
    # beacon has its own test (test_presence_browser.py); here it writes nothing.
    monkeypatch.setattr(presence, "leave", lambda **kwargs: None)
    editor = EditorFactory(username="ana")
    story = ArticleFactory(headline="Bridge opens in May", body="<p>Work began in 2024.</p>")
    change_url = f"/admin/articles/article/{story.pk}/change/"
    page = new_page()
    log_in(page, editor)

    page.goto(change_url)
    # As a person would: the form is ready (CKEditor started) before anything is typed.
    expect(body_editor(page)).to_be_editable()
    page.get_by_label("Headline").fill("Bridge opens in June")
    body_editor(page).click()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(" The opening was delayed by rain.")
    context = page.context
    page.close(run_before_unload=True)

    wait_for(lambda: WorkingCopy.objects.filter(user=editor).exists())
    kept = WorkingCopy.objects.get(user=editor).data
    assert kept["headline"] == ["Bridge opens in June"]
    assert "delayed by rain" in kept["body"][0]
    assert not ArticleRevision.objects.filter(article_id=story.pk).exists()  # the history stays clean

    # Coming back: the offer, with the diff against the current revision; the form is untouched.
    monkeypatch.setattr(autosave, "INTERVAL_SECONDS", 1)
    page = context.new_page()
    page.goto(change_url)
    offer = page.locator("#autosave-offer")
    expect(offer).to_be_visible()
    expect(offer.locator("ins", has_text="June")).to_be_visible()
    expect(offer).to_contain_text("delayed by rain")
    expect(page.get_by_label("Headline")).to_have_value("Bridge opens in May")
    assert serious(axe_audit(page, "#autosave-offer")) == []

    # Restore: the form holds the work, CKEditor too; more typing is kept as it goes.
    offer.get_by_role("link", name="Restore my unsaved work").click()
    expect(page.locator("#autosave-restored")).to_be_visible()
    expect(page.get_by_label("Headline")).to_have_value("Bridge opens in June")
    expect(body_editor(page)).to_contain_text("The opening was delayed by rain.")
    page.get_by_label("Summary").fill("Rain delayed the bridge by a month.")
    expect(page.locator("#autosave-status")).to_contain_text("Unsaved changes kept at")
    wait_for(
        lambda: (
            WorkingCopy.objects.get(user=editor).data["summary"] == ["Rain delayed the bridge by a month."]
        )
    )

    # An explicit save makes the revision and clears the copy.
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    story.refresh_from_db()
    assert (story.headline, story.summary) == ("Bridge opens in June", "Rain delayed the bridge by a month.")
    assert "delayed by rain" in story.body
    assert not WorkingCopy.objects.exists()
    expect(page.locator("#autosave-offer")).to_have_count(0)
