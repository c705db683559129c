"""
"Also editing" in a real browser: two people open the same story, one closes the page, and the
other no longer sees them. Only the beacon sent on ``pagehide`` can make that happen within
seconds: the server's expiry is 90 seconds. And the stale save presence warns about, merged.
"""

import pytest
from playwright.sync_api import expect

from articles.models import EditingPresence
from tests.browser.support import log_in
from tests.factories import ArticleFactory, EditorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_closing_the_page_ends_presence_for_the_other_editor(new_page):
    article = ArticleFactory()
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    change_url = f"/admin/articles/article/{article.pk}/change/"
    page_a, page_b = new_page(), new_page()
    log_in(page_a, ana)
    log_in(page_b, ben)
    page_a.goto(change_url)
    page_b.goto(change_url)

    page_a.reload()
    notice = page_a.locator("#presence")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Also editing this story now: ben")
    # Information, not an error: not the admin's red error colour.
    assert "errornote" not in (notice.get_attribute("class") or "")
    assert notice.evaluate("box => getComputedStyle(box).color") != "rgb(186, 33, 33)"

    page_b.close()

    # A's heartbeat, asked until it answers that nobody else is here (no 90 s expiry wait).
    page_a.wait_for_function(
        "url => fetch(url, {method: 'POST', credentials: 'same-origin', headers: "
        "{'X-CSRFToken': document.querySelector('[name=csrfmiddlewaretoken]').value}})"
        ".then(r => r.json()).then(data => data.others.length === 0)",
        arg=f"/admin/articles/article/{article.pk}/presence/",
        polling=250,
        timeout=10_000,
    )
    assert not EditingPresence.objects.filter(user=ben).exists()
    page_a.reload()
    expect(page_a.locator("#presence")).to_be_hidden()


def test_a_stale_save_in_the_browser_is_merged_not_refused(new_page):
    # The measured A/B case end to end: real forms, CKEditor's body, the merge message.
    article = ArticleFactory(body="<p>The bridge opens in <strong>May</strong>.</p>")
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    change_url = f"/admin/articles/article/{article.pk}/change/"
    page_a, page_b = new_page(), new_page()
    log_in(page_a, ana)
    log_in(page_b, ben)
    page_a.goto(change_url)
    page_b.goto(change_url)
    expect(page_b.locator(".ck-editor__editable")).to_be_visible()

    page_a.get_by_label("Summary").fill("Opens in June, the city says.")
    page_a.get_by_role("button", name="Save and continue editing").click()
    expect(page_a.locator(".messagelist")).to_contain_text("was changed successfully")
    page_b.get_by_label("Headline").fill("Bridge date set")
    page_b.get_by_role("button", name="Save and continue editing").click()

    expect(page_b.locator(".messagelist")).to_contain_text("Merged with revision")
    expect(page_b.get_by_label("Summary")).to_have_value("Opens in June, the city says.")
    expect(page_b.get_by_label("Headline")).to_have_value("Bridge date set")
