"""The sitemaps (articles/sitemaps.py): an index at /sitemap.xml, paged sitemaps, Google News, robots.txt."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import cachetags, renditions, sitemaps, workflow
from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def at(day, hour=12, minute=0, microsecond=0):
    return datetime.datetime(2025, 4, day, hour, minute, 0, microsecond, tzinfo=UTC)


def entries(response, tag="url"):
    """``{loc: lastmod}`` of a sitemap (``tag="url"``) or a sitemap index (``tag="sitemap"``)."""
    root = ET.fromstring(response.content)
    return {
        entry.findtext("sm:loc", namespaces=NS): entry.findtext("sm:lastmod", namespaces=NS)
        for entry in root.findall(f"sm:{tag}", NS)
    }


def images(response):
    """``{loc: [image:loc, ...]}`` of a sitemap."""
    root = ET.fromstring(response.content)
    return {
        url.findtext("sm:loc", namespaces=NS): [loc.text for loc in url.findall("image:image/image:loc", NS)]
        for url in root.findall("sm:url", NS)
    }


def updated(article, when):
    workflow.publish_update(article=article, user=EditorFactory(), comment="New figures.")
    Article.objects.filter(pk=article.pk).update(updated_at=when)


@pytest.fixture(autouse=True)
def one_page_of_stories(monkeypatch):
    """
    The stories' sitemap pages are id ranges (1,000 ids each), and on PostgreSQL ids keep rising
    through the suite (a sequence outlives each test's rollback): pages of a million ids, so a test
    finds its stories on the first page. (A page is tagged by blocks of ids: a thousand tags here.)
    The paging test sets its own small limit.
    """
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 1_000_000)


@pytest.fixture(autouse=True)
def seoul(settings):
    settings.TIME_ZONE = "Asia/Seoul"


def test_index_lists_every_sitemap_with_its_last_change_to_the_second(client):
    politics = SectionFactory(slug="politics")
    author = AuthorFactory(slug="mira")
    article = PublishedArticleFactory(section=politics, authors=[author], written_at=at(1))
    updated(article, at(3, 8, 5, microsecond=123456))
    PublishedArticleFactory(section=politics, written_at=at(2, microsecond=999))

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert entries(response, "sitemap") == {
        # The newest change to any story, in the site's time zone, without microseconds.
        "http://testserver/sitemap-home.xml": "2025-04-03T17:05:00+09:00",
        # The newest story first published there.
        "http://testserver/sitemap-sections.xml": "2025-04-02T21:00:00+09:00",
        "http://testserver/sitemap-topics.xml": None,  # no topic yet
        "http://testserver/sitemap-authors.xml": "2025-04-01T21:00:00+09:00",
        "http://testserver/sitemap-articles.xml": "2025-04-03T17:05:00+09:00",
        "http://testserver/sitemap-news.xml": None,  # nothing in the last 48 hours
    }


def test_home_sections_and_authors_sitemaps(client):
    politics = SectionFactory(slug="politics", position=1)
    SectionFactory(slug="economy", position=2)
    writer = AuthorFactory(slug="mira", name="Mira")
    AuthorFactory(slug="idle", name="Idle")  # no published story: an empty page, not listed
    drafter = AuthorFactory(slug="drafter", name="Drafter")
    PublishedArticleFactory(section=politics, authors=[writer], written_at=at(1, 6))
    ArticleFactory(section=politics, authors=[drafter])

    home = entries(client.get("/sitemap-home.xml"))
    sections = entries(client.get("/sitemap-sections.xml"))
    authors = entries(client.get("/sitemap-authors.xml"))

    assert home == {"http://testserver/": "2025-04-01T15:00:00+09:00"}
    assert sections == {
        "http://testserver/politics/": "2025-04-01T15:00:00+09:00",
        "http://testserver/economy/": None,
    }
    assert authors == {"http://testserver/authors/mira/": "2025-04-01T15:00:00+09:00"}


def test_articles_sitemap_lists_published_stories_with_their_last_change(client):
    politics = SectionFactory(slug="politics")
    PublishedArticleFactory(section=politics, slug="first", written_at=at(1, 6, microsecond=5))
    update = PublishedArticleFactory(section=politics, slug="updated", written_at=at(2, 6))
    updated(update, at(3, 8, 5))
    ArticleFactory(section=politics, slug="draft")
    withdrawn = PublishedArticleFactory(section=politics, slug="withdrawn")
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")
    expired = PublishedArticleFactory(section=politics, slug="expired")
    Article.objects.filter(pk=expired.pk).update(expire_at=at(1))
    embargoed = PublishedArticleFactory(section=politics, slug="embargoed")
    Article.objects.filter(pk=embargoed.pk).update(publish_at=timezone.now() + datetime.timedelta(hours=1))

    response = client.get("/sitemap-articles.xml")

    assert response.status_code == 200
    assert entries(response) == {
        "http://testserver/politics/2025/04/01/first/": "2025-04-01T15:00:00+09:00",
        "http://testserver/politics/2025/04/02/updated/": "2025-04-03T17:05:00+09:00",
    }
    assert response["Last-Modified"] == "Thu, 03 Apr 2025 08:05:00 GMT"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"


def test_lead_photos_are_listed_as_image_renditions(client):
    photo = PhotoFactory()
    with_photo = PublishedArticleFactory(slug="with-photo", lead_photo=photo)
    PublishedArticleFactory(slug="without-photo", lead_photo=None)

    listed = images(client.get("/sitemap-articles.xml"))

    largest_jpeg = renditions.rendition_set(photo).of_format("jpeg")[-1]
    assert listed[f"http://testserver{with_photo.get_absolute_url()}"] == [
        f"http://testserver{largest_jpeg.url}"
    ]
    assert largest_jpeg.url.endswith(".jpg") and "/renditions/" in largest_jpeg.url
    assert [images for loc, images in listed.items() if "without-photo" in loc] == [[]]


def test_articles_sitemap_is_paged_by_id_and_the_index_lists_every_page(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    for n in range(5):
        PublishedArticleFactory(slug=f"story-{n}")
    draft = ArticleFactory(slug="draft")  # takes an id, never a place in a page
    last = PublishedArticleFactory(slug="last")
    page_count = -(-last.pk // 2)  # page n holds ids 2n-1 and 2n

    index = entries(client.get("/sitemap.xml"), "sitemap")
    pages = [entries(client.get("/sitemap-articles.xml", {"p": p})) for p in range(1, page_count + 1)]

    listed = [loc.rsplit("/", 2)[-2] for page in pages for loc in page]
    assert sorted(listed) == sorted([*(f"story-{n}" for n in range(5)), "last"])
    assert draft.pk < last.pk
    assert all(len(page) <= 2 for page in pages)
    assert [loc for loc in index if "articles" in loc] == [
        "http://testserver/sitemap-articles.xml",
        *(f"http://testserver/sitemap-articles.xml?p={p}" for p in range(2, page_count + 1)),
    ]
    assert client.get("/sitemap-articles.xml", {"p": page_count + 1}).status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": "x"}).status_code == 404


def test_paginator_pages_are_id_ranges_without_offset(django_assert_num_queries):
    stories = [PublishedArticleFactory() for _ in range(7)]
    paginator = sitemaps.IdRangePaginator(Article.objects.published(), 3)
    top = stories[-1].pk

    assert paginator.num_pages == -(-top // 3)
    page = paginator.page(paginator.num_pages)
    assert [article.pk for article in page.object_list] == [
        s.pk for s in stories if s.pk > (paginator.num_pages - 1) * 3
    ]
    with django_assert_num_queries(1) as captured:
        list(paginator.page(1).object_list)
    assert "OFFSET" not in captured.captured_queries[0]["sql"].upper()


def test_news_sitemap_lists_the_last_48_hours(client, settings):
    settings.NEWSROOM_SITE_NAME = "Newsroom World Radio News"
    settings.NEWSROOM_NEWS_LANGUAGE = "en"
    now = timezone.now()
    politics = SectionFactory(slug="politics")
    fresh = PublishedArticleFactory(
        section=politics, headline="Leaders' Debates & more", written_at=now - datetime.timedelta(hours=47)
    )
    PublishedArticleFactory(section=politics, slug="old", written_at=now - datetime.timedelta(hours=49))
    ArticleFactory(section=politics, slug="draft")
    embargoed = PublishedArticleFactory(section=politics, slug="embargoed")
    Article.objects.filter(pk=embargoed.pk).update(publish_at=now + datetime.timedelta(hours=1))

    response = client.get("/sitemap-news.xml")

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    urls = root.findall("sm:url", NS)
    assert [url.findtext("sm:loc", namespaces=NS) for url in urls] == [
        f"http://testserver{fresh.get_absolute_url()}"
    ]
    news = urls[0].find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Newsroom World Radio News"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Leaders' Debates & more"  # escaped once
    published = datetime.datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))
    assert published == fresh.written_at.replace(microsecond=0)
    assert published.utcoffset() == datetime.timedelta(hours=9)
    assert "http://testserver/sitemap-news.xml" in entries(client.get("/sitemap.xml"), "sitemap")


def test_news_sitemap_has_at_most_1000_stories(monkeypatch):
    monkeypatch.setattr("articles.selectors.NEWS_SITEMAP_ITEMS", 2)
    for _ in range(3):
        PublishedArticleFactory()

    from articles import selectors

    assert len(selectors.news_sitemap_articles()) == 2
    assert sitemaps.NewsSitemap.limit == 1000


def test_unknown_sitemap_is_404(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_empty_site_has_valid_sitemaps(client):
    assert client.get("/sitemap.xml").status_code == 200
    for name in ("articles", "sections", "authors", "news"):
        assert entries(client.get(f"/sitemap-{name}.xml")) == {}


@pytest.mark.parametrize(
    "url", ["/sitemap.xml", "/sitemap-home.xml", "/sitemap-articles.xml", "/sitemap-news.xml", "/robots.txt"]
)
def test_crawler_files_are_the_same_for_everyone(client, url):
    PublishedArticleFactory()
    client.cookies["newsroom_consent"] = "v1:closed"

    response = client.get(url)

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize("count", [0, 30])
def test_sitemap_query_counts_are_constant(
    client, django_assert_num_queries, django_assert_max_num_queries, count
):
    sections = [SectionFactory() for _ in range(3)]
    authors = [AuthorFactory() for _ in range(3)]
    for n in range(count):
        PublishedArticleFactory(
            section=sections[n % 3],
            authors=[authors[n % 3]],
            lead_photo=PhotoFactory(),
            written_at=at(1, 0, n),
        )

    # Per sitemap in the index: its lastmod and its number of pages (the authors' without a
    # query per author), and the news sitemap's own count.
    # With no stories, a page may skip reading what it knows is empty.
    at_most_or_exactly = django_assert_num_queries if count else django_assert_max_num_queries
    with at_most_or_exactly(11):
        assert client.get("/sitemap.xml").status_code == 200
    budgets = {
        "home": 1,  # the newest change
        "sections": 2,  # the count, the sections with their newest story
        "topics": 1,  # the count (no topics here: nothing more to read)
        "authors": 3,  # the count, the authors, the newest story of each in one grouped query
        "articles": 2,  # the highest id, the page's stories with their sections and lead photos
        "news": 1,  # the count: these stories are older than 48 hours
    }
    for name, budget in budgets.items():
        with at_most_or_exactly(budget):
            assert client.get(f"/sitemap-{name}.xml").status_code == 200


def test_authors_sitemap_and_index_give_each_author_their_newest_published_story(client):
    mira, jun, idle = AuthorFactory(slug="mira"), AuthorFactory(slug="jun"), AuthorFactory(slug="idle")
    PublishedArticleFactory(authors=[mira, jun], written_at=at(1))
    PublishedArticleFactory(authors=[mira], written_at=at(2))
    embargoed = PublishedArticleFactory(authors=[jun], written_at=at(3))
    Article.objects.filter(pk=embargoed.pk).update(publish_at=timezone.now() + datetime.timedelta(hours=1))
    ArticleFactory(authors=[idle])
    PublishedArticleFactory(authors=[], written_at=at(4))  # no byline: no author's lastmod

    authors = entries(client.get("/sitemap-authors.xml"))
    index = entries(client.get("/sitemap.xml"), "sitemap")

    assert authors == {
        "http://testserver/authors/jun/": "2025-04-01T21:00:00+09:00",
        "http://testserver/authors/mira/": "2025-04-02T21:00:00+09:00",
    }
    assert index["http://testserver/sitemap-authors.xml"] == "2025-04-02T21:00:00+09:00"
    assert index["http://testserver/sitemap-sections.xml"] == "2025-04-04T21:00:00+09:00"


def test_robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_the_desk_and_previews(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines
    disallowed = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Disallow:")]
    for private in (
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("articles:preview", args=[12]),
        reverse("articles:shared_preview", args=["token"]),
    ):
        assert any(private.startswith(prefix) for prefix in disallowed), private
    for public in ("/", "/politics/", "/sitemap.xml", "/feeds/latest/"):
        assert not any(public.startswith(prefix) for prefix in disallowed), public


def test_a_page_of_the_articles_sitemap_is_refreshed_by_its_own_stories_only(
    client, page_cache, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    monkeypatch.setattr(cachetags, "ID_BLOCK", 2)
    stories = [PublishedArticleFactory() for _ in range(3)]
    early, late = stories[0], stories[2]  # ids two apart: never on the same page of two
    page_of = {story: f"/sitemap-articles.xml?p={(story.pk - 1) // 2 + 1}" for story in (early, late)}
    for url in page_of.values():
        assert client.get(url)["X-Page-Cache"] == "MISS"
        assert client.get(url)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=early, user=EditorFactory(), comment="Legal hold.")

    assert client.get(page_of[late])["X-Page-Cache"] == "HIT"  # lists none of the early page's stories
    response = client.get(page_of[early])
    assert response["X-Page-Cache"] == "MISS"
    assert f"http://testserver{early.get_absolute_url()}" not in entries(response)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_update(article=late, user=EditorFactory(), comment="New figures.")

    response = client.get(page_of[late])
    assert response["X-Page-Cache"] == "MISS"
    assert f"http://testserver{late.get_absolute_url()}" in entries(response)


def test_an_empty_page_of_the_articles_sitemap_is_refreshed_with_every_listing(
    client, page_cache, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    monkeypatch.setattr(cachetags, "ID_BLOCK", 2)
    stories = [PublishedArticleFactory() for _ in range(5)]
    for story in stories[-4:-1]:
        workflow.unpublish(article=story, user=EditorFactory(), comment="Legal hold.")
    last = stories[-1]
    # The page before the last one's lists nothing: it is there only because the last story is.
    empty = f"/sitemap-articles.xml?p={(last.pk - 1) // 2}"
    assert entries(client.get(empty)) == {}
    assert client.get(empty)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=last, user=EditorFactory(), comment="Legal hold.")

    assert client.get(empty).status_code == 404
