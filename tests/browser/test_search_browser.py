"""A reader searches from the header's search box, sees highlighted results, and opens one."""

import pytest
from playwright.sync_api import expect

from tests.factories import AuthorFactory, PublishedArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_the_header_and_open_a_result(page):
    politics = SectionFactory(name="Politics", slug="politics")
    PublishedArticleFactory(
        headline="Assembly passes the budget",
        section=politics,
        body="<p>After a long night the lawmakers approved the harbour dredging plan.</p>",
        authors=[AuthorFactory(name="Eileen Cahill")],
    )
    PublishedArticleFactory(headline="Markets calm", section=politics, body="<p>Nothing about it.</p>")

    page.goto("/")
    page.locator(".header-search summary").click()  # Search sits behind a button
    page.get_by_role("searchbox", name="Search stories").fill("dredging")
    page.get_by_role("search").get_by_role("button", name="Search").click()

    expect(page).to_have_url("/search/?q=dredging")
    expect(page.get_by_text("1 story found for")).to_be_visible()
    expect(page.locator(".search-results__snippet mark")).to_have_text("dredging")
    page.get_by_role("link", name="Assembly passes the budget").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Assembly passes the budget")
