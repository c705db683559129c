"""
The admin on a phone (issue 16, part 6): at 390 x 844, the article list, the change form, the
Editor's Pick screen and the inbox fit the screen with no horizontal scrolling
(``scrollWidth <= innerWidth``), and an editor publishes a story from the phone through the
workflow panel.
"""

import re

import pytest
from playwright.sync_api import expect

from articles import revisions, workflow
from articles.models import Article
from inbox.models import Notification
from tests.browser.support import log_in
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ChiefEditorFactory,
    EditorFactory,
    EditorsPickFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]

PHONE = {"width": 390, "height": 844}
# A headline as long as the desk writes them, with a word too long for a phone's line.
LONG_HEADLINE = (
    "Harbour authority approves the Northshore-Container-Terminal-Expansion after a nine-hour hearing"
)


@pytest.fixture
def desk():
    reporter = ReporterFactory(username="mina")
    section = SectionFactory(name="Economy", slug="economy")
    story = ArticleFactory(
        headline=LONG_HEADLINE,
        section=section,
        authors=[AuthorFactory(user=reporter, name="Mina Park")],
        body="<p>" + " ".join(["The hearing ran late into the night."] * 30) + "</p>",
    )
    # A saved revision: the panel then offers its share preview link and numbered buttons.
    content = {**revisions.content_of(story), "summary": "The terminal will double the port's capacity."}
    revisions.save_edit(article=story, content=content, user=reporter, base_version=story.version)
    workflow.submit_for_review(article=story, user=reporter, comment="Ready for the 6 pm bulletin.")
    for number in range(3):
        published = PublishedArticleFactory(section=section, headline=f"{LONG_HEADLINE} ({number})")
        EditorsPickFactory(article=published)
    return {"reporter": reporter, "editor": EditorFactory(username="jonas"), "story": story}


def phone(new_page, user):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
    log_in(page, user)
    return page


def assert_fits(page):
    """No horizontal scrolling; on failure, name the elements that stick out."""
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        wider = page.evaluate(
            """(inner) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > inner + 1)
                .slice(0, 8)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className
                          + ' ' + Math.round(e.getBoundingClientRect().right))""",
            inner,
        )
        pytest.fail(f"{page.url}: {width} px wide on a {inner} px screen; sticking out: {wider}")


def test_desk_pages_fit_a_phone(new_page, desk, artifacts_dir):
    Notification.objects.create(
        recipient=desk["editor"],
        kind=Notification.Kind.values[0],
        summary=f"Mina Park submitted “{LONG_HEADLINE}” for review.",
        comment="Ready for the 6 pm bulletin.",
        article=desk["story"],
        source="phone-test-1",
    )
    chief = ChiefEditorFactory(username="grace")
    editor = phone(new_page, desk["editor"])

    for address, landmark in [
        ("/admin/articles/article/", "#result_list"),
        (f"/admin/articles/article/{desk['story'].pk}/change/", "#workflow"),
        ("/admin/inbox/notification/", "#content-main"),
    ]:
        editor.goto(address)
        expect(editor.locator(landmark)).to_be_visible()
        if landmark == "#workflow":
            expect(editor.locator(".ck-editor__editable")).to_be_visible()  # CKEditor laid out
        assert_fits(editor)
        editor.screenshot(path=artifacts_dir / f"phone-{landmark.strip('#')}.png", full_page=True)

    curator = phone(new_page, chief)
    curator.goto("/admin/articles/editorspick/")
    expect(curator.get_by_role("heading", name="Editor's Pick: site-wide")).to_be_visible()
    expect(curator.locator("#picks tbody tr")).to_have_count(3)
    assert_fits(curator)


def test_an_editor_publishes_from_a_phone(new_page, desk):
    editor = phone(new_page, desk["editor"])
    editor.goto("/admin/")
    editor.locator("#queue-review a").click()
    editor.locator("#result_list").get_by_role("link", name=LONG_HEADLINE).click()

    panel = editor.locator("#workflow")
    expect(panel.get_by_role("heading", name="Workflow: In review")).to_be_visible()
    publish = panel.get_by_role("button", name=re.compile(r"^Publish"))
    publish.scroll_into_view_if_needed()
    publish.tap()

    expect(editor.locator(".messagelist .success")).to_contain_text("is now Published.")
    assert Article.objects.get(pk=desk["story"].pk).live_revision.number == 2  # the one on screen
    expect(editor.locator("#reader-state")).to_contain_text("Readers: Live")
    assert_fits(editor)
    story = Article.objects.get(pk=desk["story"].pk)
    assert story.status == Article.Status.PUBLISHED
    assert story.events.order_by("pk").last().actor == desk["editor"]
