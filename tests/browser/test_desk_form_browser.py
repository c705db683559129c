"""
The change form as a newsroom tool (issue 16, part 1), in Chromium: the workflow panel beside
Save publishes the story, its notices pass axe's contrast check in the light and the dark theme,
the slug follows the headline on a draft, the counts follow the typing, a reporter's read-only
view shows the story as readers see it, and the revision compare keeps paragraphs.
"""

import re

import pytest
from playwright.sync_api import expect

from articles import presence, revisions, workflow
from articles.models import Article
from tests.browser.support import log_in
from tests.browser.test_desk_journey import body_editor
from tests.factories import ArticleFactory, AuthorFactory, EditorFactory, ReporterFactory, SectionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]


@pytest.fixture
def desk():
    reporter = ReporterFactory(username="mina")
    author = AuthorFactory(user=reporter, name="Mina Park")
    section = SectionFactory(name="Economy", slug="economy")
    draft = ArticleFactory(
        headline="Cranes return",
        slug="cranes-return",
        section=section,
        authors=[author],
        body="<p>The port's cranes are back.</p>",
    )
    return {"reporter": reporter, "editor": EditorFactory(username="jonas"), "author": author, "draft": draft}


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def contrast_problems(axe_audit, page, selector):
    return axe_audit(page, context=selector, options={"runOnly": ["color-contrast"]})


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_notices_and_panel_are_readable_and_publish_goes_through_the_panel(new_page, desk, axe_audit, scheme):
    editor_user, story = desk["editor"], desk["draft"]
    workflow.submit_for_review(article=story, user=desk["reporter"])
    workflow.publish(article=story, user=editor_user)
    story.refresh_from_db()
    edited = {**revisions.content_of(story), "body": "<p>The port's cranes are back, all six.</p>"}
    revisions.save_edit(article=story, content=edited, user=desk["reporter"], base_version=story.version)
    presence.mark_editing(article=story, user=desk["reporter"])  # "Also editing": mina

    page = new_page(color_scheme=scheme)
    log_in(page, editor_user)
    page.goto(change_url(story))

    expect(page.locator("#presence")).to_contain_text("Also editing this story now: mina")
    expect(page.locator("#pending-changes")).to_contain_text("This story has unpublished changes")
    # Information, not an error: not the admin's red error styles.
    assert not page.locator("#presence .errornote, #presence.errornote, .errorlist").count()
    for selector in ("#presence", "#pending-changes", "#workflow"):
        assert contrast_problems(axe_audit, page, selector) == [], selector

    # One panel, directly after the Save buttons, inside the article form.
    assert (
        page.evaluate("() => document.querySelector('#article_form .submit-row').nextElementSibling.id")
        == "workflow"
    )
    panel = page.locator("#workflow")
    expect(panel.locator("#reader-state")).to_have_text("Readers: Live.")
    panel.get_by_label("Public correction note").fill("An earlier version left out the number.")
    panel.get_by_role("button", name=re.compile(r"^Publish update")).click()

    expect(page.locator(".messagelist .success")).to_contain_text("is now Updated.")
    expect(panel.locator("#workflow-history li").first).to_contain_text("Published → Updated")
    story.refresh_from_db()
    assert story.status == Article.Status.UPDATED and "all six" in story.body
    assert story.live_revision.correction_note == "An earlier version left out the number."


def test_a_refused_transition_without_its_comment_keeps_the_story(new_page, desk):
    workflow.submit_for_review(article=desk["draft"], user=desk["reporter"])
    page = new_page()
    log_in(page, desk["editor"])
    page.goto(change_url(desk["draft"]))

    page.locator("#workflow").get_by_role("button", name="Return to reporter").click()
    # The browser asks for the comment first (the box is required)...
    assert page.evaluate("() => document.getElementById('workflow-comment-return').validity.valueMissing")
    assert Article.objects.get(pk=desk["draft"].pk).status == Article.Status.REVIEW
    # ...and with it, the story goes back with the comment in the history.
    page.get_by_label("What needs changing").fill("Say who repaired them.")
    page.locator("#workflow").get_by_role("button", name="Return to reporter").click()
    expect(page.locator(".messagelist .success")).to_contain_text("is now Draft.")
    expect(page.locator("#workflow-history")).to_contain_text("Say who repaired them.")


def test_slug_follows_the_headline_on_a_draft_until_changed_by_hand(new_page, desk):
    page = new_page()
    log_in(page, desk["reporter"])
    page.goto(change_url(desk["draft"]))
    headline, slug = page.get_by_label("Headline"), page.get_by_label("Slug")

    headline.fill("Cranes return after storm repairs")
    expect(slug).to_have_value("cranes-return-after-storm-repairs")
    slug.fill("cranes-back")
    slug.blur()
    headline.fill("Cranes return after the storm")
    expect(slug).to_have_value("cranes-back")


def test_counts_follow_the_typing(new_page, desk):
    page = new_page()
    log_in(page, desk["reporter"])
    page.goto(change_url(desk["draft"]))
    body_meter = page.locator("[data-meter=body]")
    expect(body_meter).to_have_text(re.compile(r"^\s*5 words, about 1 min to read\s*$"))

    body_editor(page).click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(" ".join(["word"] * 240))
    page.keyboard.press("Enter")
    page.keyboard.type("Last paragraph here.")
    expect(body_meter).to_have_text(re.compile(r"^\s*243 words, about 2 min to read\s*$"))

    headline_meter = page.locator("[data-meter=headline]")
    expect(headline_meter.locator("[data-meter-over]")).to_be_hidden()
    page.get_by_label("Headline").fill("H" * 61)
    expect(headline_meter.locator("[data-meter-length]")).to_have_text("61")
    expect(headline_meter.locator("[data-meter-over]")).to_be_visible()


def test_reporters_read_only_view_and_the_paragraph_compare(new_page, desk, axe_audit):
    other_reporter = ReporterFactory(username="tom")
    story = desk["draft"]
    related = ArticleFactory(headline="Port strike ends", section=story.section)
    content = {
        **revisions.content_of(story),
        "body": "<p>The review exits.</p><p>The review was long.</p>",
        "related": [related.pk],
    }
    revisions.save_edit(article=story, content=content, user=desk["reporter"], base_version=story.version)
    story.refresh_from_db()
    content = {**content, "body": "<p>The review exits today.</p><p>The review was short.</p>"}
    revisions.save_edit(article=story, content=content, user=desk["reporter"], base_version=story.version)
    workflow.submit_for_review(article=story, user=desk["reporter"])
    workflow.publish(article=Article.objects.get(pk=story.pk), user=desk["editor"])

    page = new_page()
    log_in(page, other_reporter)
    page.goto(change_url(story))
    form = page.locator("#article_form")
    expect(form.locator(".field-bylines .readonly")).to_have_text("Mina Park")
    expect(form.locator(".field-related_news .readonly")).to_have_text("Port strike ends")
    expect(form.locator(".field-body_as_read .story-body p")).to_have_count(2)
    expect(form).not_to_contain_text("None")
    expect(form).not_to_contain_text("<p>")
    assert contrast_problems(axe_audit, page, "#content-main") == []

    page.goto(f"/admin/articles/article/{story.pk}/revisions/compare/?a=2&b=3")
    paragraphs = page.locator(".revision-diff td p")
    expect(paragraphs).to_have_text(["The review exits. exits today.", "The review was long. short."])
    expect(paragraphs.first.locator("ins")).to_have_text("exits today.")
