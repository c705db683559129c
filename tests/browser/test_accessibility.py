"""axe-core on the reader pages: no serious or critical violation on home, section and article."""

import datetime

import pytest

from tests.factories import (
    AuthorFactory,
    EditorsPickFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UTC = datetime.UTC


@pytest.fixture
def article_url():
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    economy = SectionFactory(name="Economy", slug="economy", position=2)
    others = [
        PublishedArticleFactory(
            section=section,
            headline=f"Story {n} in {section.name}",
            lead_photo=PhotoFactory(),
            written_at=datetime.datetime(2025, 4, 8, n, tzinfo=UTC),
        )
        for n, section in enumerate([politics, economy, politics, economy])
    ]
    article = PublishedArticleFactory(
        section=politics,
        headline="Leaders Hold First Talks",
        lead_photo=PhotoFactory(),
        anchor_lead="The anchor's lead.",
        body="<p>The report.</p><h2>A subheading</h2><p>More of the report.</p>",
        authors=[AuthorFactory(name="Eileen Cahill")],
        related_articles=others[:1],
    )
    EditorsPickFactory(article=others[1])
    EditorsPickFactory(article=others[2], section=politics)
    return article.get_absolute_url()


def serious(violations):
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


# The page colours of each scheme (site.css): proof that the scheme asked for is the one audited.
PAPER = {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 20, 23)"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/politics/", "article"])
def test_reader_pages_have_no_serious_axe_violations(new_page, axe_audit, article_url, path, scheme):
    page = new_page(color_scheme=scheme)
    page.goto(article_url if path == "article" else path)

    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == PAPER[scheme]
    assert serious(axe_audit(page)) == []


@pytest.mark.parametrize("panel", ["menu", "header-search"])
def test_open_menu_and_search_have_no_serious_axe_violations(new_page, axe_audit, article_url, panel):
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(article_url)
    page.locator(f".site-header .{panel} summary").click()

    assert serious(axe_audit(page)) == []


@pytest.mark.parametrize("width", [360, 1280])
def test_article_page_has_no_serious_axe_violations_at_phone_and_desktop_widths(
    new_page, axe_audit, article_url, width
):
    page = new_page(viewport={"width": width, "height": 800})
    page.goto(article_url)

    assert serious(axe_audit(page)) == []
