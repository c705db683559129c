"""
A live story in real browsers: an editor posts from the live desk in one browser context and a
reader's open page, in another, shows the post without a reload, announced by its polite live
region and counted in the tab title; a reader scrolled down gets "N new posts" instead; closing
the coverage ends the updates; axe finds nothing serious on the live page.
"""

import pytest
from playwright.sync_api import expect

from live import actions
from tests.browser.support import log_in
from tests.factories import AuthorFactory, EditorFactory
from tests.live_support import live_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quick_polls(settings):
    """The reader's page asks for new posts twice a second instead of every 15 s."""
    settings.NEWSROOM_LIVE_POLL_SECONDS = 0.5


@pytest.fixture
def story(quick_polls):
    editor = EditorFactory(username="live-editor")
    AuthorFactory(user=editor, name="Eileen Cahill")
    coverage, posts, _ = live_story(posts=2, editor=editor, headline="Election night")
    return coverage, posts, editor


def test_a_post_from_the_desk_appears_on_an_open_page_without_a_reload(new_page, story, patient_assertions):
    coverage, _, editor = story
    reader = new_page()
    reader.goto(coverage.article.get_absolute_url())
    reader.evaluate("() => { window.notReloaded = true; }")
    expect(reader.locator("[data-live-stream] .live-post")).to_have_count(2)

    desk = new_page()
    log_in(desk, editor)
    desk.goto(f"/admin/live/livecoverage/{coverage.pk}/change/")
    desk.get_by_label("Title").fill("Results are in")
    body = desk.locator(".ck-editor__editable[contenteditable=true]")
    body.click()
    desk.keyboard.type("The count is complete.")
    desk.get_by_role("button", name="Post", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("Your post is out.")

    newest = reader.locator("[data-live-stream] .live-post").first
    expect(newest).to_contain_text("Results are in")
    expect(newest).to_contain_text("The count is complete.")
    expect(reader.locator("[data-live-status]")).to_have_text("1 new post")
    expect(reader.locator("[data-live-status]")).to_have_attribute("aria-live", "polite")
    expect(reader).to_have_title(
        "(1) Election night | " + coverage.article.section.name + " | Newsroom World Radio News"
    )
    assert reader.evaluate("() => window.notReloaded") is True


def test_a_reader_scrolled_down_gets_a_new_posts_button_and_is_not_moved(new_page, story):
    coverage, _, editor = story
    reader = new_page(viewport={"width": 1280, "height": 400})
    reader.goto(coverage.article.get_absolute_url())
    reader.locator("[data-live-stream] .live-post").last.scroll_into_view_if_needed()
    reader.evaluate("() => window.scrollBy(0, 2000)")
    scrolled = reader.evaluate("() => window.scrollY")

    actions.add_post(
        user=editor, coverage=coverage, title="Turnout record", body="<p>Highest since 1992.</p>"
    )

    button = reader.get_by_role("button", name="1 new post")
    expect(button).to_be_visible()
    expect(reader.locator("[data-live-stream] .live-post")).to_have_count(2)
    assert reader.evaluate("() => window.scrollY") == scrolled
    button.click()
    expect(reader.locator("[data-live-stream] .live-post").first).to_contain_text("Turnout record")


def test_closing_the_coverage_ends_the_updates_on_an_open_page(new_page, story):
    coverage, _, editor = story
    reader = new_page()
    reader.goto(coverage.article.get_absolute_url())
    expect(reader.locator("[data-live-ended]")).to_be_hidden()

    actions.close_coverage(user=editor, coverage=coverage)

    expect(reader.locator("[data-live-ended]")).to_be_visible()
    expect(reader.locator("[data-live-ended]")).to_have_text("This live coverage has ended.")
    expect(reader.locator("[data-live-status]")).to_have_text("This live coverage has ended.")


def test_the_live_page_is_complete_without_javascript(new_page, story):
    coverage, posts, _ = story
    reader = new_page(java_script_enabled=False)
    reader.goto(coverage.article.get_absolute_url())

    expect(reader.locator("[data-live-stream] .live-post")).to_have_count(2)
    expect(reader.locator(".story__live")).to_contain_text("Live")
    expect(reader.locator(f"#post-{posts[0].pk}")).to_contain_text("Update 1")


def test_the_live_page_has_no_serious_axe_violations(new_page, story, axe_audit):
    coverage, [first, second], editor = story
    actions.edit_post(user=editor, post=first, title="Polls close", body="<p>Text 1.</p>", key_event=True)
    actions.edit_post(
        user=editor,
        post=second,
        title="Update 2",
        body="<p>Text 2.</p>",
        pinned=True,
        correction_note="Fixed.",
    )
    reader = new_page()
    reader.goto(coverage.article.get_absolute_url())
    actions.add_post(user=editor, coverage=coverage, title="Late news", body="<p>More.</p>")
    expect(reader.locator("[data-live-status]")).to_have_text("1 new post")

    violations = [v for v in axe_audit(reader) if v["impact"] in {"serious", "critical"}]

    assert [f"{v['id']}: {v['help']}" for v in violations] == []
