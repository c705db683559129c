"""The RSS 2.0 feeds: the whole site's and each section's, what an item says, and what they cost."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from articles import workflow
from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def at(day, hour=12, minute=0):
    return datetime.datetime(2025, 4, day, hour, minute, tzinfo=UTC)


def channel(response):
    return ET.fromstring(response.content).find("channel")


def items(response):
    return channel(response).findall("item")


def titles(response):
    return [item.findtext("title") for item in items(response)]


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics", description="Parliament and parties.")


def test_latest_feed_is_rss_2_of_published_stories_newest_first(client, politics):
    older = PublishedArticleFactory(section=politics, headline="Older", written_at=at(1))
    newer = PublishedArticleFactory(headline="Newer", written_at=at(2))
    ArticleFactory(section=politics, headline="A draft")
    withdrawn = PublishedArticleFactory(headline="Withdrawn")
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")

    response = client.get("/feeds/latest/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert channel(response).findtext("title") == "Newsroom World Radio News: latest stories"
    assert channel(response).findtext("link") == "http://testserver/"
    assert titles(response) == [newer.headline, older.headline]


def test_feed_item_fields(client, politics):
    article = PublishedArticleFactory(
        section=politics,
        headline="Leaders Hold First Talks",
        slug="leaders-hold-first-talks",
        summary="The two leaders discussed trade.",
        body="<p>The secret body of the report.</p>",
        authors=[AuthorFactory(name="Eileen Cahill"), AuthorFactory(name="Min-jun Park")],
        written_at=at(9, 6, 17),
    )

    (item,) = items(client.get("/feeds/latest/"))

    assert item.findtext("title") == "Leaders Hold First Talks"
    assert item.findtext("link") == "http://testserver" + article.get_absolute_url()
    assert item.findtext("link") == "http://testserver/politics/2025/04/09/leaders-hold-first-talks/"
    assert item.findtext("guid") == item.findtext("link")
    assert item.findtext("description") == "The two leaders discussed trade."
    assert item.findtext("pubDate") == "Wed, 09 Apr 2025 06:17:00 +0000"
    assert item.findtext(DC_CREATOR) == "Eileen Cahill, Min-jun Park"
    assert [category.text for category in item.findall("category")] == ["Politics"]


def test_feed_never_carries_the_body_and_escapes_the_summary(client):
    PublishedArticleFactory(
        headline="<b>Bold</b> claim",
        summary="<script>alert('summary')</script> & more",
        anchor_lead="The anchor's secret lead.",
        body="<p>The secret body.</p><script>alert('body')</script>",
    )

    response = client.get("/feeds/latest/")
    (item,) = items(response)

    assert b"secret" not in response.content
    # Feed readers read <description> and <title> as HTML: the markup reaches them as text.
    assert (
        item.findtext("description") == "&lt;script&gt;alert(&#x27;summary&#x27;)&lt;/script&gt; &amp; more"
    )
    assert item.findtext("title") == "&lt;b&gt;Bold&lt;/b&gt; claim"
    assert b"<script>" not in response.content


def test_updated_story_sets_the_feed_build_date(client):
    article = PublishedArticleFactory(written_at=at(1))
    workflow.publish_update(article=article, user=EditorFactory(), comment="New figures.")
    Article.objects.filter(pk=article.pk).update(updated_at=at(3, 8, 5))

    response = client.get("/feeds/latest/")

    assert channel(response).findtext("lastBuildDate") == "Thu, 03 Apr 2025 08:05:00 +0000"
    assert response["Last-Modified"] == "Thu, 03 Apr 2025 08:05:00 GMT"
    (item,) = items(response)
    assert item.findtext("pubDate") == "Tue, 01 Apr 2025 12:00:00 +0000"


def test_latest_feed_carries_the_newest_thirty(client, politics):
    for n in range(32):
        PublishedArticleFactory(section=politics, headline=f"Story {n:02d}", written_at=at(1, 0, n))

    names = titles(client.get("/feeds/latest/"))

    assert len(names) == 30
    assert names[0] == "Story 31" and names[-1] == "Story 02"


def test_section_feed_has_only_that_sections_stories(client, politics):
    ours = PublishedArticleFactory(section=politics, headline="Ours")
    PublishedArticleFactory(headline="Elsewhere")

    response = client.get("/feeds/politics/")

    assert response.status_code == 200
    assert channel(response).findtext("title") == "Politics | Newsroom World Radio News"
    assert channel(response).findtext("link") == "http://testserver/politics/"
    assert channel(response).findtext("description") == "Parliament and parties."
    assert titles(response) == [ours.headline]


def test_unknown_section_feed_is_404(client):
    assert client.get("/feeds/no-such-section/").status_code == 404


def test_empty_feeds_are_valid(client, politics):
    assert items(client.get("/feeds/latest/")) == []
    assert items(client.get("/feeds/politics/")) == []


def test_pages_link_to_the_feeds(client, politics):
    home = client.get("/").content.decode()
    section = client.get("/politics/").content.decode()

    latest = (
        '<link rel="alternate" type="application/rss+xml" title="Newsroom World Radio News: latest stories"'
    )
    assert f'{latest} href="/feeds/latest/">' in home
    assert "/feeds/politics/" not in home
    assert 'href="/feeds/politics/"' in section and 'href="/feeds/latest/"' in section


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/politics/"])
def test_feeds_are_the_same_for_everyone(client, politics, url):
    PublishedArticleFactory(section=politics)
    client.cookies["newsroom_consent"] = "v1:closed"

    response = client.get(url)

    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("count", [0, 30])
def test_feed_query_counts_are_constant(client, django_assert_max_num_queries, politics, count):
    for n in range(count):
        PublishedArticleFactory(section=politics, authors=[AuthorFactory()], written_at=at(1, 0, n))

    with django_assert_max_num_queries(2):
        assert client.get("/feeds/latest/").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/feeds/politics/").status_code == 200
