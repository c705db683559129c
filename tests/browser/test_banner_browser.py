"""The breaking-news banner in a browser: axe finds nothing serious, and it sits in the page's flow."""

import pytest

from tests.browser.test_accessibility import serious
from tests.factories import BannerFactory, PublishedArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story():
    politics = SectionFactory(name="Politics", slug="politics")
    story = PublishedArticleFactory(section=politics, headline="Polls close across the country")
    BannerFactory(text="Polls have closed: follow the count", article=story)
    BannerFactory(text="Results in the capital", article=story, section=politics)
    return story


@pytest.mark.parametrize("path", ["/", "/politics/", "story"])
def test_pages_with_banners_have_no_serious_axe_violations(page, axe_audit, story, path):
    page.goto(story.get_absolute_url() if path == "story" else path)

    assert page.get_by_role("region", name="Breaking news").is_visible()
    assert serious(axe_audit(page)) == []


def test_the_banner_leads_to_its_story_and_covers_nothing(page, story):
    page.goto("/politics/")
    banner = page.get_by_role("region", name="Breaking news")
    header_bottom = page.locator(".site-header").bounding_box()
    box = banner.bounding_box()
    main_top = page.locator("main").bounding_box()

    assert header_bottom["y"] + header_bottom["height"] <= box["y"]
    assert box["y"] + box["height"] <= main_top["y"]
    assert page.evaluate("getComputedStyle(document.querySelector('.breaking-news')).position") == "static"

    banner.get_by_role("link", name="Polls have closed: follow the count").click()

    page.wait_for_url(f"**{story.get_absolute_url()}")
