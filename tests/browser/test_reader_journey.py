"""
A reader's journey through the public site in a real browser: front page → section → story,
the reference page's elements, the menu (with and without JavaScript), the skip link, Go Top,
the 410/404 answers, and screenshots at desktop and phone widths for a person to look at.
"""

import datetime

import pytest
from playwright.sync_api import expect

from articles import renditions, workflow
from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    EditorsPickFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
    image_file,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UTC = datetime.UTC


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
REPORT = "".join(
    f"<p>Paragraph {n} of the report, long enough to wrap over several lines on a phone screen "
    "and to make the page taller than the window, so that Go Top has somewhere to go.</p>"
    for n in range(1, 13)
)


def photo(name, color, caption, credit):
    made = PhotoFactory(
        image=image_file(f"{name}.jpg", size=(1200, 675), color=color),
        caption=caption,
        alt_text=f"{caption} (photo)",
        credit=PhotoCreditFactory(name=credit),
    )
    renditions.make_renditions(made)  # as the photo service does after an upload
    return made


@pytest.fixture
def newsroom(settings):
    """Two sections of stories, one shaped like the reference article, picks and related links."""
    settings.TIME_ZONE = "Asia/Seoul"
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    economy = SectionFactory(name="Economy", slug="economy", position=2)
    SectionFactory(name="Culture", slug="culture", position=3)
    stories = {}
    for n, (section, headline) in enumerate(
        [
            (economy, "Exports Rise for a Third Month"),
            (politics, "Assembly Passes Budget Bill"),
            (economy, "Central Bank Holds Rates Steady"),
            (politics, "Parties Agree on Election Date"),
        ]
    ):
        stories[headline] = PublishedArticleFactory(
            section=section,
            headline=headline,
            summary=f"A short summary of: {headline.lower()}.",
            lead_photo=photo(f"card{n}", (40 + 40 * n, 90, 160 - 30 * n), headline, "Newsroom Photo Desk"),
            written_at=datetime.datetime(2025, 4, 8, n, 0, tzinfo=UTC),
        )
    main = PublishedArticleFactory(
        section=politics,
        headline="Leaders Hold First Talks amid Tariff Concerns",
        slug="leaders-hold-first-talks",
        summary="The two leaders discussed trade, tariffs and shipbuilding in a 28-minute call.",
        lead_photo=photo("lead", (20, 60, 120), "The two leaders spoke by phone.", "Newsroom Photo Desk"),
        anchor_lead="The two leaders spoke over the phone on Tuesday night for the first time.",
        body=REPORT,
        authors=[AuthorFactory(name="Eileen Cahill", slug="eileen-cahill")],
        related_articles=[stories["Central Bank Holds Rates Steady"]],
        written_at=datetime.datetime(2025, 4, 9, 6, 17, 10, tzinfo=UTC),
    )
    workflow.publish_update(article=main, user=EditorFactory(), comment="Adds the call's length.")
    Article.objects.filter(pk=main.pk).update(updated_at=datetime.datetime(2025, 4, 9, 8, 5, 31, tzinfo=UTC))
    EditorsPickFactory(article=stories["Exports Rise for a Third Month"], position=0)
    EditorsPickFactory(article=stories["Parties Agree on Election Date"], section=politics, position=0)

    withdrawn = PublishedArticleFactory(section=politics, slug="withdrawn-story")
    withdrawn_url = withdrawn.get_absolute_url()
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")
    draft = ArticleFactory(section=politics, slug="a-draft")
    return {
        "main": main,
        "stories": stories,
        "withdrawn_url": withdrawn_url,
        "draft_url": draft.get_absolute_url(),
    }


def dismiss_cookie_notice(page):
    """Close the cookie notice if it is showing, so that it covers nothing in a screenshot."""
    notice = page.locator("#cookie-notice")
    if notice.count() and notice.is_visible():
        notice.get_by_role("button", name="Close").click()
        expect(notice).to_be_hidden()


def test_home_to_section_to_article_by_clicking(page, newsroom):
    page.goto("/")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator(".front__lead .card--lead")).to_contain_text(newsroom["main"].headline)

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Politics").click()
    expect(page).to_have_url("/politics/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Politics")

    page.get_by_role("link", name=newsroom["main"].headline).click()
    expect(page).to_have_url(newsroom["main"].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(newsroom["main"].headline)


def test_article_page_shows_the_reference_elements(page, newsroom):
    page.goto(newsroom["main"].get_absolute_url())
    story = page.locator("article.story")

    expect(story.locator(".story__header .kicker")).to_have_text("Politics")
    expect(story.get_by_role("heading", level=1)).to_have_text(newsroom["main"].headline)
    expect(story).to_contain_text("Written: 2025-04-09 15:17:10")
    expect(story).to_contain_text("Updated: 2025-04-09 17:05:31")
    expect(story.locator("time").first).to_have_attribute("datetime", "2025-04-09T15:17:10+09:00")
    expect(story).to_contain_text("Photo : Newsroom Photo Desk")
    expect(story).to_contain_text("Anchor:")
    expect(story).to_contain_text("Report:")
    expect(story).to_contain_text("Eileen Cahill, Newsroom World Radio News.")
    expect(page.get_by_role("heading", name="Related News")).to_be_visible()
    expect(page.get_by_role("heading", name="Editor's Pick")).to_be_visible()
    # The photo is served from MEDIA_URL and the stylesheet from STATIC_URL.
    lead = story.locator(".photo img")
    expect(lead).to_have_attribute("alt", "The two leaders spoke by phone. (photo)")
    assert lead.evaluate("img => img.complete && img.naturalWidth") > 0
    assert "/renditions/" in lead.evaluate("img => img.currentSrc")
    assert page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor") == (
        "rgb(13, 33, 64)"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_menu_opens_and_closes_on_a_phone(new_page, newsroom, javascript):
    page = new_page(java_script_enabled=javascript, viewport=PHONE)
    page.goto("/")
    header = page.locator(".site-header")
    toggle = header.locator(".menu summary")
    panel = header.get_by_role("navigation", name="Menu")

    expect(header.get_by_role("navigation", name="Sections")).to_be_hidden()
    expect(toggle).to_have_text("Menu", use_inner_text=True)
    expect(panel).to_be_hidden()

    toggle.click()
    expect(panel).to_be_visible()
    for name in ["Politics", "Economy", "Culture"]:
        expect(panel.get_by_role("link", name=name)).to_be_visible()
    expect(toggle).to_have_text("Close", use_inner_text=True)

    header.get_by_text("Close", exact=True).click()
    expect(panel).to_be_hidden()
    expect(toggle).to_have_text("Menu", use_inner_text=True)

    toggle.click()
    panel.get_by_role("link", name="Economy").click()
    expect(page).to_have_url("/economy/")


def test_skip_link_moves_focus_to_the_main_content(page, newsroom):
    page.goto(newsroom["main"].get_absolute_url())

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_have_text("Content")

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"


def test_go_top_returns_to_the_top(page, newsroom):
    page.goto(newsroom["main"].get_absolute_url())
    dismiss_cookie_notice(page)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 0")

    page.get_by_role("link", name="Go Top").click()

    page.wait_for_function("() => window.scrollY === 0")
    assert page.evaluate("() => window.scrollY") == 0


def test_withdrawn_story_is_410_and_draft_is_404(page, newsroom):
    gone = page.goto(newsroom["withdrawn_url"])
    assert gone.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This story is no longer available")

    missing = page.goto(newsroom["draft_url"])
    assert missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_screenshots_of_home_and_article(new_page, newsroom, artifacts_dir, viewport):
    page = new_page(viewport=viewport)
    for name, url in [("home", "/"), ("article", newsroom["main"].get_absolute_url())]:
        page.goto(url)
        dismiss_cookie_notice(page)
        # Cards load their photos lazily: scroll through once so the full-page shot has them all.
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "() => [...document.images].every(img => img.complete && img.naturalWidth > 0)"
        )
        page.evaluate("() => window.scrollTo(0, 0)")
        # Nothing sideways: the page is no wider than the window at any width.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        path = artifacts_dir / f"reader-{name}-{viewport['width']}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0
