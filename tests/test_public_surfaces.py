"""
Every public surface follows ``Article.objects.published()`` and the clock, to the microsecond.

One embargoed story with a take-down time is looked for on each reader surface (pages, blocks,
feeds, sitemaps, search) at four moments: one microsecond before its embargo (nowhere), exactly at
it (everywhere), one microsecond before its take-down (everywhere) and exactly at it (nowhere).
The clock is frozen with ``mock.patch`` and ``publish_scheduled`` never runs: the story stays
"scheduled" throughout, so the reader queries alone decide. Then one reader goes through all four
moments in turn, with whatever the site cached in between; last, an editor unpublishes the story
and it is gone from every surface again.
"""

import datetime
from unittest import mock

import pytest

from articles import sitemaps, workflow
from articles.models import Article, EditorsPick, RelatedArticle
from articles.views import HOME_SECONDARY_STORIES
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TICK = datetime.timedelta(microseconds=1)
# 15:00 on 9 April in Seoul; the take-down a day later.
EMBARGO = datetime.datetime(2025, 4, 9, 6, 0, tzinfo=UTC)
EXPIRY = EMBARGO + datetime.timedelta(days=1)
LIVE = EMBARGO + datetime.timedelta(hours=1)
HEADLINE = "Zebra Crossing Exclusive"


@pytest.fixture(autouse=True)
def seoul(settings):
    settings.TIME_ZONE = "Asia/Seoul"


@pytest.fixture(autouse=True)
def one_sitemap_page(monkeypatch):
    """
    The stories' sitemap pages are id ranges, and on PostgreSQL ids keep rising through the suite
    (a sequence outlives each test's rollback): pages of a million ids put the story on the first
    (as tests/test_sitemaps.py does).
    """
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 1_000_000)


@pytest.fixture
def story():
    """
    The embargoed story, scheduled by an editor two hours before its embargo, with a byline, a
    site-wide Editor's Pick (made directly: curation refuses stories readers cannot see yet) and
    an older story in the same section whose page shows it in Editor's Pick and, linked by an
    editor, in Related News (which fills only from stories published before the one it is on).
    """
    politics = SectionFactory(name="Politics", slug="politics")
    older = PublishedArticleFactory(
        section=politics,
        headline="An older story",
        slug="an-older-story",
        written_at=EMBARGO - datetime.timedelta(days=1),
    )
    editor = EditorFactory()
    article = ArticleFactory(
        headline=HEADLINE,
        slug="zebra-crossing-exclusive",
        section=politics,
        summary="A summary that only this story has.",
        authors=[AuthorFactory(name="Eileen Cahill", slug="eileen-cahill")],
        publish_at=EMBARGO,
        expire_at=EXPIRY,
    )
    workflow.submit_for_review(article=article, user=editor)
    article = workflow.publish(article=article, user=editor, now=EMBARGO - datetime.timedelta(hours=2))
    assert article.status == Article.Status.SCHEDULED
    EditorsPick.objects.create(article=article, position=0)
    RelatedArticle.objects.create(from_article=older, to_article=article)
    # Newer stories for the front page's top and secondary places: the home page leaves a story
    # it shows there out of its Editor's Pick, so the pick is read in the pick block itself.
    world = SectionFactory(name="World", slug="world")
    for number in range(1 + HOME_SECONDARY_STORIES):
        PublishedArticleFactory(section=world, written_at=LIVE + datetime.timedelta(minutes=number))
    return article


# --- How each surface is read ----------------------------------------------------------------


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def block(content, heading_id):
    """The block (a <section>) headed by ``heading_id``, or "" when the page leaves it out."""
    start = content.find(f'id="{heading_id}"')
    return "" if start == -1 else content[start : content.index("</section>", start)]


def article_page(client):
    response = client.get("/politics/2025/04/09/zebra-crossing-exclusive/")
    return response.status_code == 200 and HEADLINE in response.content.decode()


def older_story_page(client):
    return page(client, "/politics/2025/04/08/an-older-story/")


def in_feed(client, url):
    return "http://testserver/politics/2025/04/09/zebra-crossing-exclusive/" in page(client, url)


SURFACES = {
    "article page": article_page,
    "home page": lambda client: HEADLINE in page(client, "/"),
    "home Editor's Pick": lambda client: HEADLINE in block(page(client, "/"), "picks-heading"),
    "section page": lambda client: HEADLINE in page(client, "/politics/"),
    "author page": lambda client: HEADLINE in page(client, "/authors/eileen-cahill/"),
    "day archive": lambda client: HEADLINE in page(client, "/archive/2025/04/09/"),
    "month archive": lambda client: HEADLINE in page(client, "/archive/2025/04/"),
    "year archive": lambda client: HEADLINE in page(client, "/archive/2025/"),
    "Related News of another story": lambda client: (
        HEADLINE in block(older_story_page(client), "related-heading")
    ),
    "Editor's Pick of another story": lambda client: (
        HEADLINE in block(older_story_page(client), "picks-heading")
    ),
    "site feed": lambda client: in_feed(client, "/feeds/latest/"),
    "section feed": lambda client: in_feed(client, "/feeds/politics/"),
    "author feed": lambda client: in_feed(client, "/feeds/authors/eileen-cahill/"),
    "site Atom feed": lambda client: in_feed(client, "/feeds/latest/atom/"),
    "section Atom feed": lambda client: in_feed(client, "/feeds/politics/atom/"),
    "author Atom feed": lambda client: in_feed(client, "/feeds/authors/eileen-cahill/atom/"),
    "sitemap": lambda client: "/zebra-crossing-exclusive/" in page(client, "/sitemap-articles.xml"),
    # The index's <lastmod> for the stories' sitemap would give the embargo time away.
    "sitemap index": lambda client: "2025-04-09T15:00:00+09:00" in page(client, "/sitemap.xml"),
    "search": lambda client: HEADLINE in page(client, "/search/?q=zebra+exclusive"),
}

MOMENTS = [
    pytest.param(EMBARGO - TICK, False, id="before-publish_at"),
    pytest.param(EMBARGO, True, id="at-publish_at"),
    pytest.param(EXPIRY - TICK, True, id="before-expire_at"),
    pytest.param(EXPIRY, False, id="at-expire_at"),
]


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(("now", "visible"), MOMENTS)
def test_story_shows_exactly_between_embargo_and_take_down(client, story, surface, now, visible):
    with mock.patch("django.utils.timezone.now", return_value=now):
        assert SURFACES[surface](client) is visible

    assert Article.objects.get(pk=story.pk).status == Article.Status.SCHEDULED  # no cron ran


@pytest.mark.parametrize(
    ("now", "status"),
    [
        pytest.param(EMBARGO - TICK, 404, id="before-publish_at"),
        pytest.param(EMBARGO, 200, id="at-publish_at"),
        pytest.param(EXPIRY - TICK, 200, id="before-expire_at"),
        pytest.param(EXPIRY, 410, id="at-expire_at"),
    ],
)
def test_story_address_answers_404_then_200_then_410(client, story, now, status):
    with mock.patch("django.utils.timezone.now", return_value=now):
        response = client.get(story.get_absolute_url())

    assert response.status_code == status
    # Neither answer without the story gives its headline away.
    assert (HEADLINE in response.content.decode()) is (status == 200)


@pytest.mark.parametrize("surface", SURFACES)
def test_unpublished_story_is_gone_from_every_surface(client, story, surface):
    with mock.patch("django.utils.timezone.now", return_value=LIVE):
        assert SURFACES[surface](client) is True

    workflow.unpublish(article=story, user=EditorFactory(), comment="Legal hold.")

    with mock.patch("django.utils.timezone.now", return_value=LIVE):
        assert SURFACES[surface](client) is False
        assert client.get(story.get_absolute_url()).status_code == 410


@pytest.mark.parametrize("surface", SURFACES)
def test_one_reader_watching_the_clock_run_sees_the_story_come_and_go(client, story, surface):
    # The same client and the same cache throughout: nothing kept from an earlier moment (a
    # cached page, a cached query) may show the story early or keep it up late.
    for now, visible in [(EMBARGO - TICK, False), (EMBARGO, True), (EXPIRY - TICK, True), (EXPIRY, False)]:
        with mock.patch("django.utils.timezone.now", return_value=now):
            assert SURFACES[surface](client) is visible, f"at {now.isoformat()}"
