"""The sitemaps: an index at /sitemap.xml of the front page, the sections and the published stories."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from articles import sitemaps, workflow
from articles.models import Article
from tests.factories import ArticleFactory, EditorFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def at(day, hour=12, minute=0):
    return datetime.datetime(2025, 4, day, hour, minute, tzinfo=UTC)


def entries(response, tag="url"):
    """``{loc: lastmod}`` of a sitemap (``tag="url"``) or a sitemap index (``tag="sitemap"``)."""
    root = ET.fromstring(response.content)
    return {
        entry.findtext("sm:loc", namespaces=NS): entry.findtext("sm:lastmod", namespaces=NS)
        for entry in root.findall(f"sm:{tag}", NS)
    }


@pytest.fixture(autouse=True)
def seoul(settings):
    settings.TIME_ZONE = "Asia/Seoul"


def test_index_lists_the_three_sitemaps(client):
    article = PublishedArticleFactory(written_at=at(1))
    workflow.publish_update(article=article, user=EditorFactory(), comment="New figures.")
    Article.objects.filter(pk=article.pk).update(updated_at=at(3, 8, 5))
    PublishedArticleFactory(written_at=at(2))

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert entries(response, "sitemap") == {
        "http://testserver/sitemap-home.xml": None,
        "http://testserver/sitemap-sections.xml": None,
        # The newest change to any story, in the site's time zone (Asia/Seoul by default).
        "http://testserver/sitemap-articles.xml": "2025-04-03T17:05:00+09:00",
    }


def test_home_and_sections_sitemaps(client):
    SectionFactory(slug="politics", position=1)
    SectionFactory(slug="economy", position=2)

    home = entries(client.get("/sitemap-home.xml"))
    sections = entries(client.get("/sitemap-sections.xml"))

    assert list(home) == ["http://testserver/"]
    assert list(sections) == ["http://testserver/politics/", "http://testserver/economy/"]


def test_articles_sitemap_lists_published_stories_with_their_last_change(client):
    politics = SectionFactory(slug="politics")
    first = PublishedArticleFactory(section=politics, slug="first", written_at=at(1, 6))
    updated = PublishedArticleFactory(section=politics, slug="updated", written_at=at(2, 6))
    workflow.publish_update(article=updated, user=EditorFactory(), comment="New figures.")
    Article.objects.filter(pk=updated.pk).update(updated_at=at(3, 8, 5))
    ArticleFactory(section=politics, slug="draft")
    withdrawn = PublishedArticleFactory(section=politics, slug="withdrawn")
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")
    expired = PublishedArticleFactory(section=politics, slug="expired")
    Article.objects.filter(pk=expired.pk).update(expire_at=at(1))

    response = client.get("/sitemap-articles.xml")

    assert response.status_code == 200
    assert entries(response) == {
        "http://testserver/politics/2025/04/02/updated/": "2025-04-03",
        "http://testserver/politics/2025/04/01/first/": "2025-04-01",
    }
    assert first.get_absolute_url() == "/politics/2025/04/01/first/"
    assert response["Last-Modified"] == "Thu, 03 Apr 2025 08:05:00 GMT"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"


def test_articles_sitemap_is_paged(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    for n in range(5):
        PublishedArticleFactory(slug=f"story-{n}", written_at=at(1, 0, n))

    index = entries(client.get("/sitemap.xml"), "sitemap")
    pages = [entries(client.get("/sitemap-articles.xml", {"p": p})) for p in (1, 2, 3)]

    assert [loc for loc in index if "articles" in loc] == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-articles.xml?p=3",
    ]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert "story-4" in next(iter(pages[0]))
    assert client.get("/sitemap-articles.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": "x"}).status_code == 404


def test_unknown_sitemap_is_404(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_empty_site_has_valid_sitemaps(client):
    assert client.get("/sitemap.xml").status_code == 200
    assert entries(client.get("/sitemap-articles.xml")) == {}
    assert entries(client.get("/sitemap-sections.xml")) == {}


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-home.xml", "/sitemap-articles.xml"])
def test_sitemaps_are_the_same_for_everyone(client, url):
    PublishedArticleFactory()
    client.cookies["newsroom_consent"] = "v1:closed"

    response = client.get(url)

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("count", [0, 30])
def test_sitemap_query_counts_are_constant(client, django_assert_max_num_queries, count):
    sections = [SectionFactory() for _ in range(3)]
    for n in range(count):
        PublishedArticleFactory(section=sections[n % 3], written_at=at(1, 0, n))

    with django_assert_max_num_queries(3):
        assert client.get("/sitemap.xml").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/sitemap-articles.xml").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/sitemap-sections.xml").status_code == 200
