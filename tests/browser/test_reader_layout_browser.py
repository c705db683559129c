"""
The reader site's layout in a real browser: the phone's first screen (header, cookie notice,
the fold), Search and Menu behind buttons (Escape closes them), the desktop's section bar, the
share bar, and the printed story.
"""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.test_reader_journey import PHONE, photo
from tests.factories import AuthorFactory, PublishedArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
LONG_HEADLINE = "Assembly Passes Coastal Resilience Bill after All-Night Session in the Capital"


@pytest.fixture
def story():
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    SectionFactory(name="Economy", slug="economy", position=2)
    return PublishedArticleFactory(
        section=politics,
        headline=LONG_HEADLINE,
        lead_photo=photo(
            "lead", (20, 60, 120), "The Assembly before dawn.", "Ji-woo Han / Newsroom Photo Desk"
        ),
        anchor_lead="The National Assembly has passed a bill to protect coastal towns.",
        body="<p>Lawmakers approved the act shortly after six in the morning.</p>" * 8,
        authors=[AuthorFactory(name="Eileen Cahill")],
        written_at=datetime.datetime(2025, 4, 9, 6, 17, 10, tzinfo=datetime.UTC),
    )


def box(locator):
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom} }"
    )


def test_phone_first_screen_shows_headline_and_lead_photo_above_the_notice(new_page, story):
    page = new_page(viewport=PHONE)
    page.goto(story.get_absolute_url())

    header, notice = box(page.locator(".site-header")), box(page.locator("#cookie-notice"))
    headline, photo_top = box(page.locator(".story__headline")), box(page.locator(".story .photo img"))["top"]
    assert header["bottom"] - header["top"] <= 64
    assert notice["bottom"] - notice["top"] <= 0.2 * PHONE["height"]
    assert notice["bottom"] == PHONE["height"]  # held at the foot of the window
    # The whole headline, and the top of the photo (a good band of it), before the notice begins.
    assert headline["bottom"] < notice["top"]
    assert photo_top + 80 < notice["top"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_phone_search_opens_from_its_button_and_searches(new_page, story, javascript):
    page = new_page(viewport=PHONE, java_script_enabled=javascript)
    page.goto("/")
    field = page.get_by_role("searchbox", name="Search stories")
    expect(field).to_be_hidden()

    page.locator(".header-search summary").click()
    field.fill("coastal")
    field.press("Enter")

    expect(page).to_have_url("/search/?q=coastal")


@pytest.mark.parametrize("panel", ["menu", "header-search"])
def test_escape_closes_the_open_menu_or_search(new_page, story, panel):
    page = new_page(viewport=PHONE)
    page.goto("/")
    details = page.locator(f".site-header .{panel}")

    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    page.keyboard.press("Escape")

    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("summary")).to_be_focused()


def test_desktop_section_bar_marks_the_current_section(new_page, story):
    page = new_page(viewport=DESKTOP)
    page.goto("/politics/")
    bar = page.get_by_role("navigation", name="Sections")

    expect(bar).to_be_visible()
    expect(page.locator(".menu summary")).to_be_hidden()
    expect(bar.get_by_role("link")).to_have_text(["Home", "Politics", "Economy"])
    expect(bar.get_by_role("link", name="Politics")).to_have_attribute("aria-current", "page")
    assert box(page.locator(".site-header"))["bottom"] <= 120

    page.goto(story.get_absolute_url())
    expect(bar.get_by_role("link", name="Politics")).to_have_attribute("aria-current", "true")
    expect(bar.get_by_role("link", name="Economy")).not_to_have_attribute("aria-current", "true")


def test_share_bar_copies_the_link_and_offers_web_share_only_where_the_browser_has_it(
    new_page, story, live_server
):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(story.get_absolute_url())
    share = page.get_by_role("region", name="Share")

    for service in ["E-mail", "X", "Facebook", "LinkedIn", "WhatsApp", "LINE"]:
        expect(share.get_by_role("link", name=service, exact=True)).to_be_visible()
    web_share = share.get_by_role("button", name="Share…")
    if page.evaluate("() => 'share' in navigator"):
        expect(web_share).to_be_visible()
    else:
        expect(web_share).to_be_hidden()

    share.get_by_role("button", name="Copy link").click()

    expect(share.get_by_role("status")).to_have_text("Link copied.")
    assert page.evaluate("() => navigator.clipboard.readText()").endswith(story.get_absolute_url())
    # No script of a share service (or anyone else's): every script is one of ours.
    scripts = page.evaluate("() => [...document.querySelectorAll('script[src]')].map(script => script.src)")
    assert scripts and all(src.startswith(f"{live_server.url}/static/") for src in scripts)


def test_share_buttons_that_need_javascript_are_hidden_without_it(new_page, story):
    page = new_page(java_script_enabled=False)
    page.goto(story.get_absolute_url())
    share = page.get_by_role("region", name="Share")

    expect(share.get_by_role("link", name="LINE")).to_be_visible()
    expect(share.get_by_role("button")).to_have_count(0)


def test_printed_story_has_its_text_photo_and_address_and_no_chrome(new_page, story, settings):
    page = new_page()
    page.goto(story.get_absolute_url())
    page.emulate_media(media="print")

    for hidden in ["#cookie-notice", ".site-header", ".site-footer", ".page-grid__aside", ".share"]:
        expect(page.locator(hidden)).to_be_hidden()
    story_block = page.locator("article.story")
    expect(story_block.get_by_role("heading", level=1)).to_have_text(LONG_HEADLINE)
    expect(story_block.locator(".story__dates")).to_contain_text("Written:")
    expect(story_block.locator(".photo img")).to_be_visible()
    expect(story_block.locator(".photo .credit")).to_have_text("Photo : Ji-woo Han / Newsroom Photo Desk")
    expect(story_block.locator(".story__anchor")).to_contain_text("protect coastal towns")
    expect(story_block.locator(".story__body")).to_contain_text("Lawmakers approved")
    expect(page.locator(".story__url")).to_be_visible()
    expect(page.locator(".story__url")).to_have_text(settings.SITE_URL.rstrip("/") + story.get_absolute_url())

    page.emulate_media(media="screen")
    expect(page.locator(".story__url")).to_be_hidden()
    expect(page.locator("#cookie-notice")).to_be_visible()
