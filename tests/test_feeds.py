"""
The feeds, RSS 2.0 and Atom: the whole site's, each section's and each author's; what an item
says (its lead photo in Media RSS, its update time), how feed readers read them (feedparser),
and what they cost.
"""

import datetime
import html
import xml.etree.ElementTree as ET

import feedparser
import pytest
from lxml import html as lxml_html

from articles import renditions, workflow
from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"

# Every feed, RSS and Atom, of the site, the "politics" section and the "eileen-cahill" author.
FEEDS = {
    "site RSS": "/feeds/latest/",
    "site Atom": "/feeds/latest/atom/",
    "section RSS": "/feeds/politics/",
    "section Atom": "/feeds/politics/atom/",
    "author RSS": "/feeds/authors/eileen-cahill/",
    "author Atom": "/feeds/authors/eileen-cahill/atom/",
}


def at(day, hour=12, minute=0):
    return datetime.datetime(2025, 4, day, hour, minute, tzinfo=UTC)


def channel(response):
    return ET.fromstring(response.content).find("channel")


def items(response):
    return channel(response).findall("item")


def titles(response):
    return [item.findtext("title") for item in items(response)]


def read(client, url):
    """The feed at ``url`` as a feed reader sees it."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return feedparser.parse(response.content)


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics", description="Parliament and parties.")


@pytest.fixture
def eileen():
    return AuthorFactory(name="Eileen Cahill", slug="eileen-cahill")


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
    # Feed readers read <description> as HTML: the summary's markup reaches them as text.
    assert (
        item.findtext("description") == "&lt;script&gt;alert(&#x27;summary&#x27;)&lt;/script&gt; &amp; more"
    )
    # A reader may take an RSS <title> for HTML: its "<" reaches the reader as "&lt;".
    assert item.findtext("title") == "&lt;b&gt;Bold&lt;/b&gt; claim"
    assert feedparser.parse(response.content).entries[0].title == "&lt;b&gt;Bold&lt;/b&gt; claim"
    assert b"<script>" not in response.content and b"<b>" not in response.content


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/"])
def test_headlines_are_escaped_once(client, url):
    PublishedArticleFactory(headline='Leaders\' Debates: Q&A on "Trade & Industry"')

    (entry,) = read(client, url).entries

    # Text either way, in RSS and Atom: no entity shows.
    assert entry.title == 'Leaders\' Debates: Q&A on "Trade & Industry"'
    assert entry.title_detail.type == "text/plain"


def test_a_headline_with_angle_brackets(client):
    headline = "Rates < 3% & Falling > Forecast"
    PublishedArticleFactory(headline=headline, summary="Tom & Jerry's <cut>")

    atom = feedparser.parse(client.get("/feeds/latest/atom/").content).entries[0]
    rss = feedparser.parse(client.get("/feeds/latest/").content).entries[0]

    assert (atom.title, atom.title_detail.type) == (headline, "text/plain")
    # RSS readers may read the title as HTML (feedparser does, for this one): it shows as written.
    assert (rss.title, rss.title_detail.type) == ("Rates &lt; 3% & Falling &gt; Forecast", "text/html")
    assert html.unescape(rss.title) == headline
    # Summaries are HTML, escaped once for it: a reader shows the text as written.
    assert rss.summary == atom.summary == "Tom &amp; Jerry&#x27;s &lt;cut&gt;"


@pytest.mark.parametrize("name", FEEDS)
def test_every_feed_reads_cleanly_with_only_published_stories(client, politics, eileen, name):
    shown = PublishedArticleFactory(section=politics, authors=[eileen], headline="Shown & told")
    ArticleFactory(section=politics, authors=[eileen], headline="A draft")
    withdrawn = PublishedArticleFactory(section=politics, authors=[eileen], headline="Withdrawn")
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")
    embargoed = ArticleFactory(
        section=politics,
        authors=[eileen],
        headline="Embargoed",
        publish_at=datetime.datetime.now(UTC) + datetime.timedelta(days=1),
    )
    workflow.submit_for_review(article=embargoed, user=EditorFactory())
    workflow.publish(article=embargoed, user=EditorFactory(username="desk"))
    assert Article.objects.get(pk=embargoed.pk).status == Article.Status.SCHEDULED

    feed = read(client, FEEDS[name])

    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if "Atom" in name else "rss20")
    assert [entry.title for entry in feed.entries] == ["Shown & told"]
    assert feed.entries[0].link == "http://testserver" + shown.get_absolute_url()


def test_feed_items_carry_the_lead_photo_as_media_rss(client, politics):
    photo = PhotoFactory(alt_text="Two leaders shake hands.", credit=PhotoCreditFactory(name="Yonhap & Co"))
    PublishedArticleFactory(section=politics, lead_photo=photo)
    image = renditions.social_image(photo)
    url = "http://testserver" + image.url

    for feed_url in ("/feeds/latest/", "/feeds/latest/atom/"):
        response = client.get(feed_url)
        root = ET.fromstring(response.content)
        entry = root.find("channel/item") if root.tag == "rss" else root.find(f"{ATOM}entry")
        content = entry.find(f"{MEDIA}content")
        assert content.attrib == {
            "url": url,
            "medium": "image",
            "type": "image/jpeg",
            "width": str(image.width),
            "height": str(image.height),
        }
        assert (image.width, image.height) == (64, 36)  # the 16:9 crop of a 64x48 photo
        assert content.findtext(f"{MEDIA}credit") == "Yonhap & Co"
        assert content.findtext(f"{MEDIA}description") == "Two leaders shake hands."

        (read_entry,) = feedparser.parse(response.content).entries
        assert read_entry.media_content[0]["url"] == url
        assert read_entry.media_credit[0]["content"] == "Yonhap & Co"


def test_feed_items_without_a_photo_carry_no_media(client):
    PublishedArticleFactory()

    for url in ("/feeds/latest/", "/feeds/latest/atom/"):
        assert b"media:content" not in client.get(url).content


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/"])
def test_feed_items_carry_their_update_time(client, url):
    updated = PublishedArticleFactory(headline="Updated", written_at=at(1))
    workflow.publish_update(article=updated, user=EditorFactory(), comment="New figures.")
    Article.objects.filter(pk=updated.pk).update(updated_at=at(3, 8, 5))
    PublishedArticleFactory(headline="Never updated", written_at=at(2))

    entries = {entry.title: entry for entry in read(client, url).entries}

    assert entries["Updated"].updated == "2025-04-03T08:05:00+00:00"
    assert entries["Updated"].published_parsed[:5] == (2025, 4, 1, 12, 0)
    # A story never updated was last changed when it was first published.
    assert entries["Never updated"].updated_parsed[:5] == (2025, 4, 2, 12, 0)


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


def feed_links(html):
    """The ``<link rel="alternate">`` elements of a page's head, as ``{href: (type, title)}``."""
    head = lxml_html.fromstring(html).find("head")
    links = head.iterfind("link[@rel='alternate']")
    return {link.get("href"): (link.get("type"), link.get("title")) for link in links}


def test_pages_link_to_the_feeds_they_belong_to(client, politics, eileen):
    site = {
        "/feeds/latest/": ("application/rss+xml", "Newsroom World Radio News: latest stories"),
        "/feeds/latest/atom/": ("application/atom+xml", "Newsroom World Radio News: latest stories (Atom)"),
    }

    assert feed_links(client.get("/").content) == site
    assert feed_links(client.get("/politics/").content) == {
        **site,
        "/feeds/politics/": ("application/rss+xml", "Politics | Newsroom World Radio News"),
        "/feeds/politics/atom/": ("application/atom+xml", "Politics | Newsroom World Radio News (Atom)"),
        "/feeds/politics/podcast/": ("application/rss+xml", "Politics | Newsroom World Radio News podcast"),
    }
    assert feed_links(client.get("/authors/eileen-cahill/").content) == {
        **site,
        "/feeds/authors/eileen-cahill/": ("application/rss+xml", "Eileen Cahill | Newsroom World Radio News"),
        "/feeds/authors/eileen-cahill/atom/": (
            "application/atom+xml",
            "Eileen Cahill | Newsroom World Radio News (Atom)",
        ),
    }


def test_every_linked_feed_exists(client, politics, eileen):
    for page in ("/", "/politics/", "/authors/eileen-cahill/"):
        for href, (content_type, _) in feed_links(client.get(page).content).items():
            response = client.get(href)
            assert response.status_code == 200, href
            assert response["Content-Type"] == f"{content_type}; charset=utf-8"


def test_author_feed_has_only_that_authors_stories(client, eileen):
    ours = PublishedArticleFactory(authors=[eileen, AuthorFactory()], headline="Ours")
    PublishedArticleFactory(authors=[AuthorFactory()], headline="Someone else's")

    feed = read(client, "/feeds/authors/eileen-cahill/atom/")

    assert feed.feed.title == "Eileen Cahill | Newsroom World Radio News"
    assert feed.feed.link == "http://testserver/authors/eileen-cahill/"
    assert feed.feed.subtitle == "Stories by Eileen Cahill, Newsroom World Radio News."
    assert [entry.link for entry in feed.entries] == ["http://testserver" + ours.get_absolute_url()]


@pytest.mark.parametrize(
    "url", ["/feeds/authors/nobody/", "/feeds/authors/nobody/atom/", "/feeds/nope/atom/"]
)
def test_unknown_author_or_section_feed_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", FEEDS)
def test_feeds_are_the_same_for_everyone(client, politics, eileen, name):
    PublishedArticleFactory(section=politics, authors=[eileen])
    client.cookies["newsroom_consent"] = "v1:closed"

    response = client.get(FEEDS[name])

    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("name", FEEDS)
def test_feeds_are_cached_until_a_story_goes_live(
    client, page_cache, django_capture_on_commit_callbacks, politics, eileen, name
):
    url = FEEDS[name]
    assert client.get(url)["X-Page-Cache"] == "MISS"
    assert client.get(url)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        PublishedArticleFactory(section=politics, authors=[eileen], headline="Just in")

    response = client.get(url)
    assert response["X-Page-Cache"] == "MISS"
    assert [entry.title for entry in feedparser.parse(response.content).entries] == ["Just in"]


@pytest.mark.parametrize("count", [0, 30])
def test_feed_query_counts_are_constant(client, django_assert_max_num_queries, politics, eileen, count):
    for n in range(count):
        photo = PhotoFactory() if n % 2 else None
        PublishedArticleFactory(section=politics, authors=[eileen], lead_photo=photo, written_at=at(1, 0, n))

    for url in ("/feeds/latest/", "/feeds/latest/atom/"):
        with django_assert_max_num_queries(2):
            assert client.get(url).status_code == 200
    for url in FEEDS.values():
        with django_assert_max_num_queries(3):
            assert client.get(url).status_code == 200
