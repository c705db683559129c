"""The reader pages: what each shows, the status codes they answer, and what they cost."""

import datetime
import re

import pytest
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from articles import selectors, views, workflow
from articles.models import Article, EditorsPick, Topic
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    EditorsPickFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
HOSTILE_BODY = (
    "<p>Before.</p><script>alert('body-script')</script>"
    '<p><img src="/media/x.jpg" onerror="alert(\'body-onerror\')" alt="x"></p>'
    "<p><a href=\"javascript:alert('body-href')\">Click</a></p>"
    "<p onclick=\"alert('body-onclick')\">After.</p>"
)


@pytest.fixture(autouse=True)
def seoul(settings):
    settings.TIME_ZONE = "Asia/Seoul"


def at(day, hour=12, minute=0, second=0):
    return datetime.datetime(2025, 4, day, hour, minute, second, tzinfo=UTC)


def unpublish(article):
    return workflow.unpublish(article=article, user=EditorFactory(), comment="Withdrawn for a test.")


def text(response):
    return response.content.decode()


@pytest.fixture
def story():
    """A story shaped like the reference page: photo, anchor lead, report, a two-reporter byline."""
    politics = SectionFactory(name="Politics", slug="politics")
    photo = PhotoFactory(
        caption="The two leaders spoke by phone.",
        alt_text="A telephone on a desk",
        credit=PhotoCreditFactory(name="Newsroom Photo Desk"),
    )
    article = PublishedArticleFactory(
        headline="Leaders Hold First Talks",
        slug="leaders-hold-first-talks",
        section=politics,
        lead_photo=photo,
        summary="The two leaders discussed trade.",
        anchor_lead="The two leaders spoke on Tuesday night.",
        body="<p>For the first time, the leaders spoke directly.</p>",
        authors=[AuthorFactory(name="Eileen Cahill", affiliation="Newsroom World Radio News")],
        written_at=at(9, 6, 17, 10),
    )
    return article


# --- Home ------------------------------------------------------------------------------------


def test_home_shows_top_and_secondary_stories_section_blocks_picks_and_latest(client):
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    economy = SectionFactory(name="Economy", slug="economy", position=2)
    older = PublishedArticleFactory(section=politics, headline="Older politics", written_at=at(1))
    economy_story = PublishedArticleFactory(section=economy, headline="Markets rally", written_at=at(2))
    secondary = [
        PublishedArticleFactory(section=economy, headline=f"Secondary {n}", written_at=at(3, n))
        for n in (3, 2, 1)
    ]
    top = PublishedArticleFactory(section=politics, headline="The top story", written_at=at(4))
    pick = EditorsPickFactory(
        article__section=economy, article__headline="A picked story", article__written_at=at(1, 1)
    ).article
    ArticleFactory(section=politics, headline="A draft nobody sees")

    response = client.get("/")
    content = text(response)

    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert response.context["top_story"] == top
    assert response.context["secondary_stories"] == secondary
    # The section blocks leave out the stories already shown at the top.
    assert response.context["section_blocks"] == [(politics, [older]), (economy, [economy_story, pick])]
    assert content.index("The top story") < content.index("Secondary 3") < content.index("Older politics")
    assert content.index('id="section-politics-heading"') < content.index('id="section-economy-heading"')
    assert "Editor's Pick" in content and pick.headline in content
    # Latest lists the newer stories after the top ones, never a picked one twice.
    assert [article.headline for article in response.context["latest"]] == ["Markets rally", "Older politics"]
    assert 'id="latest-heading"' in content
    assert "A draft nobody sees" not in content


def test_home_latest_fills_the_side_column_when_picks_run_out(client):
    stories = [PublishedArticleFactory(written_at=at(1, 0, n)) for n in range(20)]
    EditorsPick.objects.create(article=stories[0], position=0)

    latest = client.get("/").context["latest"]

    assert len(latest) == views.HOME_SIDE_STORIES - 1
    EditorsPick.objects.bulk_create(
        EditorsPick(article=story, position=n) for n, story in enumerate(stories[1:3])
    )
    assert len(client.get("/").context["latest"]) == views.HOME_SIDE_STORIES - 3


def test_home_when_nothing_is_published(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No stories yet." in text(response)


# --- Global chrome ---------------------------------------------------------------------------


def test_chrome_has_landmarks_skip_link_menu_go_top_and_footer(client):
    SectionFactory(name="Politics", slug="politics")
    SectionFactory(name="Economy", slug="economy")

    content = text(client.get("/"))

    assert '<html lang="en">' in content
    assert '<a href="#content" class="skip-link">Content</a>' in content
    assert '<main id="content" tabindex="-1">' in content
    assert re.search(r"<summary[^>]*>.*Menu.*Close.*</summary>", content)
    assert 'href="/politics/"' in content and 'href="/economy/"' in content
    assert 'href="#top"' in content and 'id="top"' in content
    assert 'href="/cookie-policy/"' in content
    assert "<header" in content and "<footer" in content and "<nav" in content
    assert "css/site.css" in content
    # The cookie notice comes last, right before </body>.
    assert content.rstrip().endswith("</body>\n</html>")


def test_reader_pages_are_the_same_for_everyone_and_set_no_cookies(client, story):
    for url in ["/", "/politics/", story.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200
        assert "csrftoken" not in response.cookies
        assert "sessionid" not in response.cookies
        assert "csrfmiddlewaretoken" not in text(response)
        assert "Cookie" not in response.get("Vary", "")


# --- Section pages ---------------------------------------------------------------------------


def test_section_lists_published_stories_newest_first(client):
    section = SectionFactory(name="Economy", slug="economy")
    older = PublishedArticleFactory(section=section, headline="Older economy", written_at=at(1))
    newer = PublishedArticleFactory(section=section, headline="Newer economy", written_at=at(2))
    ArticleFactory(section=section, headline="Draft economy")
    unpublish(PublishedArticleFactory(section=section, headline="Withdrawn economy"))
    PublishedArticleFactory(headline="Elsewhere")

    response = client.get("/economy/")
    content = text(response)

    assert response.status_code == 200
    assert "<title>Economy" in content
    assert content.index(newer.headline) < content.index(older.headline)
    for hidden in ["Draft economy", "Withdrawn economy", "Elsewhere"]:
        assert hidden not in content


def test_section_paginates_twenty_a_page_with_rel_links(client):
    section = SectionFactory(slug="world")
    for n in range(45):
        PublishedArticleFactory(section=section, headline=f"World story {n:02d}", written_at=at(1, 0, n))

    first, second, third = (client.get("/world/", {"page": n}) for n in (1, 2, 3))

    assert first.context["page_obj"].object_list[0].headline == "World story 44"
    assert len(first.context["page_obj"].object_list) == 20
    assert '<link rel="next" href="/world/?page=2">' in text(first)
    assert 'rel="prev"' not in text(first)
    assert '<link rel="prev" href="/world/">' in text(second)
    assert '<link rel="next" href="/world/?page=3">' in text(second)
    assert '<link rel="canonical" href="http://testserver/world/?page=2">' in text(second)
    assert len(third.context["page_obj"].object_list) == 5
    pages = [response.context["page_obj"].object_list for response in (first, second, third)]
    shown = [story.headline for page in pages for story in page]
    assert shown == [f"World story {n:02d}" for n in range(44, -1, -1)]


@pytest.mark.parametrize("cookie", ["", "sessionid=x"])
def test_a_sections_kept_story_count_follows_its_stories(
    client, page_cache, committed, cookie, django_assert_max_num_queries
):
    # The count is kept like a block (views._kept_count), for readers and for requests that
    # bypass the page cache (a session) alike, until a story of the section changes.
    section = SectionFactory(slug="world")
    stories = [PublishedArticleFactory(section=section, written_at=at(1, 0, n)) for n in range(21)]
    if cookie:
        client.cookies.load(cookie)
    assert "Page 1 of 2" in text(client.get("/world/"))
    # Kept: the section and its page's cards only (or the whole page, kept, without a session).
    with django_assert_max_num_queries(2 if cookie else 0):
        assert "Page 1 of 2" in text(client.get("/world/"))

    committed(workflow.unpublish, article=stories[0], user=EditorFactory(), comment="Withdrawn.")

    assert "Page 1 of 2" not in text(client.get("/world/"))
    assert client.get("/world/?page=2").status_code == 404


def test_section_pages_split_stories_published_at_the_same_moment_exactly_once(client):
    # Pages are fetched by their ids (views.IdPaginator); ties on the time fall back on the id.
    section = SectionFactory(slug="world")
    same_moment = [PublishedArticleFactory(section=section, written_at=at(1, 0, 0)) for _ in range(25)]

    pages = [client.get("/world/", {"page": n}).context["page_obj"].object_list for n in (1, 2)]

    shown = [story.pk for page in pages for story in page]
    assert shown == sorted((story.pk for story in same_moment), reverse=True)


def test_pages_read_from_the_nearer_end_are_the_pages_of_the_list():
    # Pages past the middle are found walking from the oldest story (views.IdPaginator).
    section = SectionFactory(slug="world")
    for n in range(11):
        PublishedArticleFactory(section=section, written_at=at(1, 0, n % 3))  # ties on the time
    articles = selectors.article_list(section=section)
    paginator = views.IdPaginator(articles, 3)

    pages = [list(paginator.page(number).object_list) for number in paginator.page_range]

    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert [story for page in pages for story in page] == list(articles)


@pytest.mark.parametrize("filed_under", ["section", "topic"])
def test_story_list_pages_from_either_end_are_the_pages_of_its_article_list(filed_under):
    # A section's and a topic's pages are read by compiled queries (selectors.StoryList), paged
    # as article_list is: page 1 and the last page without an offset, the others with one.
    section, elsewhere = SectionFactory(slug="world"), SectionFactory(slug="elsewhere")
    topic = Topic.objects.create(name="Port", slug="port")
    for n in range(14):
        story = PublishedArticleFactory(section=section if n % 5 else elsewhere, written_at=at(1, 0, n % 3))
        if n % 4:
            story.topics.add(topic)
    taken_down = PublishedArticleFactory(section=section, written_at=at(1, 0, 1))
    taken_down.topics.add(topic)
    Article.objects.filter(pk=taken_down.pk).update(expire_at=timezone.now())
    where = {"section": section} if filed_under == "section" else {"topic": topic}
    articles = selectors.article_list(**where)
    stories = selectors.StoryList(**{filed_under: where[filed_under].pk})
    paginator = views.IdPaginator(stories, 3)

    pages = [list(paginator.page(number).object_list) for number in paginator.page_range]

    assert stories.count() == paginator.count == articles.count() > 6
    assert all(len(page) == 3 for page in pages[:-1]) and 0 < len(pages[-1]) <= 3
    assert [card.pk for page in pages for card in page] == [story.pk for story in articles]
    shown = [(card.pk, card.headline, card.url, card.section, card.photo) for card in pages[0]]
    expected = selectors.card_list(selectors.article_list(**where)[:3])
    assert shown == [(card.pk, card.headline, card.url, card.section, card.photo) for card in expected]


def test_an_empty_story_list_counts_none_and_has_one_empty_page():
    stories = selectors.StoryList(section=SectionFactory().pk)

    assert stories.count() == 0
    assert list(views.IdPaginator(stories, 3).page(1).object_list) == []


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1", "1.5", ""])
def test_section_bad_page_numbers_are_404_never_500(client, page):
    section = SectionFactory(slug="world")
    PublishedArticleFactory(section=section)

    response = client.get("/world/", {"page": page})

    assert response.status_code == (200 if page == "" else 404)


def test_empty_section_page_one_is_fine(client):
    SectionFactory(slug="quiet", name="Quiet")
    response = client.get("/quiet/")
    assert response.status_code == 200
    assert "No stories in Quiet yet." in text(response)


def test_unknown_section_is_a_styled_404(client):
    response = client.get("/no-such-section/")
    assert response.status_code == 404
    assert "Page not found" in text(response)
    assert "css/site.css" in text(response)


# --- Article page ----------------------------------------------------------------------------


def test_article_page_mirrors_the_reference(client, story):
    response = client.get(story.get_absolute_url())
    content = text(response)

    assert response.status_code == 200
    assert story.get_absolute_url() == "/politics/2025/04/09/leaders-hold-first-talks/"
    assert re.search(r'class="kicker"><a href="/politics/">Politics</a>', content)
    assert '<h1 class="story__headline">Leaders Hold First Talks</h1>' in content
    assert content.count("<h1") == 1
    # 06:17:10 UTC is 15:17:10 in Seoul.
    assert 'Written: <time datetime="2025-04-09T15:17:10+09:00">2025-04-09 15:17:10</time>' in content
    assert "Updated:" not in content
    assert 'alt="A telephone on a desk"' in content
    assert "The two leaders spoke by phone." in content
    assert "Photo : Newsroom Photo Desk" in content
    assert re.search(r"Anchor:</p>\s*<p>The two leaders spoke on Tuesday night.</p>", content)
    assert re.search(r"Report:</p>\s*<p>For the first time, the leaders spoke directly.</p>", content)
    assert "Eileen Cahill, Newsroom World Radio News." in content
    assert 'href="/authors/' in content
    # The order of the reference page.
    positions = [
        content.index(marker)
        for marker in ["Politics</a>", "<h1", "Written:", "Photo : ", "Anchor:", "Report:", "Eileen Cahill,"]
    ]
    assert positions == sorted(positions)


def test_article_page_meta(client, story):
    content = text(client.get(story.get_absolute_url()))

    assert "<title>Leaders Hold First Talks | Politics |" in content
    assert '<meta name="description" content="The two leaders discussed trade.">' in content
    url = "http://testserver/politics/2025/04/09/leaders-hold-first-talks/"
    assert f'<link rel="canonical" href="{url}">' in content
    assert f'<meta property="og:url" content="{url}">' in content
    assert '<meta property="og:title" content="Leaders Hold First Talks">' in content
    assert '<meta property="og:type" content="article">' in content
    assert re.search(r'<meta property="og:image" content="http://testserver/media/photos/', content)


def test_article_page_shows_updated_time_once_updated(client, story):
    workflow.publish_update(article=story, user=EditorFactory(), comment="New figures.")
    Article.objects.filter(pk=story.pk).update(updated_at=at(9, 8, 5, 31))

    content = text(client.get(story.get_absolute_url()))

    assert 'Written: <time datetime="2025-04-09T15:17:10+09:00">2025-04-09 15:17:10</time>' in content
    assert 'Updated: <time datetime="2025-04-09T17:05:31+09:00">2025-04-09 17:05:31</time>' in content


def test_article_page_related_news_and_editors_pick(client, story):
    manual = PublishedArticleFactory(headline="Manual link", written_at=at(1))
    same_section = PublishedArticleFactory(section=story.section, headline="Same section", written_at=at(2))
    Article.objects.get(pk=story.pk).related_links.create(to_article=manual, position=0)
    site_pick = EditorsPickFactory(article__headline="Site-wide pick").article
    section_pick = EditorsPickFactory(section=story.section, article__headline="Section pick").article
    EditorsPickFactory(article=story)  # the story itself is picked: not shown on its own page

    content = text(client.get(story.get_absolute_url()))

    related = content[content.index("Related News") : content.index("Editor's Pick")]
    picks = content[content.index("Editor's Pick") :]
    assert related.index(manual.headline) < related.index(same_section.headline)
    assert story.headline not in related
    assert picks.index(section_pick.headline) < picks.index(site_pick.headline)
    assert story.headline not in picks


def test_article_page_hostile_content_never_reaches_the_reader(client):
    article = PublishedArticleFactory(
        headline="<script>alert('headline')</script>",
        summary="\"><script>alert('summary')</script>",
        anchor_lead="<img src=x onerror=alert('anchor')>",
        body=HOSTILE_BODY,
    )

    content = text(client.get(article.get_absolute_url()))

    for payload in ["body-script", "body-onerror", "body-href", "body-onclick"]:
        assert payload not in content
    assert "javascript:" not in content
    assert not re.search(r"<[^>]+\son\w+=", content)
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;headline&#x27;)" in content
    assert "<p>Before.</p>" in content and "After." in content


@pytest.mark.parametrize("make", ["draft", "review"])
def test_never_published_story_is_404(client, make):
    article = ArticleFactory(section=SectionFactory(slug="politics"))
    if make == "review":
        article = workflow.submit_for_review(article=article, user=EditorFactory())

    response = client.get(article.get_absolute_url())

    assert response.status_code == 404


def test_unpublished_story_is_410_gone(client, story):
    url = story.get_absolute_url()
    unpublish(story)

    response = client.get(url)

    assert response.status_code == 410
    assert "This story is no longer available" in text(response)
    assert story.headline not in text(response)


def test_expired_story_is_410_gone(client):
    article = PublishedArticleFactory(expire_at=timezone.now() + datetime.timedelta(minutes=5))
    Article.objects.filter(pk=article.pk).update(expire_at=timezone.now() - datetime.timedelta(minutes=1))

    assert client.get(article.get_absolute_url()).status_code == 410


def test_embargoed_story_is_404_until_its_time(client):
    editor = EditorFactory()
    article = ArticleFactory(publish_at=timezone.now() + datetime.timedelta(hours=2))
    workflow.submit_for_review(article=article, user=editor)
    article = workflow.publish(article=article, user=editor)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 404
    assert article.headline not in text(response)


def test_unknown_story_is_404(client):
    SectionFactory(slug="politics")
    assert client.get("/politics/2025/04/09/no-such-story/").status_code == 404


def test_old_section_address_redirects_permanently(client, story):
    old_url = story.get_absolute_url()
    economy = SectionFactory(name="Economy", slug="economy")
    Article.objects.filter(pk=story.pk).update(section=economy)

    response = client.get(old_url)

    assert response.status_code == 301
    assert response["Location"] == "/economy/2025/04/09/leaders-hold-first-talks/"
    assert client.get(response["Location"]).status_code == 200


def test_other_date_spelling_redirects_to_the_canonical_address(client, story):
    response = client.get("/politics/2025/4/9/leaders-hold-first-talks/")
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()


# --- Author and archive pages ----------------------------------------------------------------


def test_author_page_lists_their_published_stories(client):
    author = AuthorFactory(name="Eileen Cahill", slug="eileen-cahill")
    theirs = PublishedArticleFactory(authors=[author], headline="Her story")
    ArticleFactory(authors=[author], headline="Her draft")
    PublishedArticleFactory(authors=[AuthorFactory()], headline="Someone else's")

    response = client.get("/authors/eileen-cahill/")
    content = text(response)

    assert response.status_code == 200
    assert "Eileen Cahill" in content and theirs.headline in content
    assert "Her draft" not in content and "Someone else" not in content
    assert client.get("/authors/nobody/").status_code == 404


def test_archive_day_and_month(client):
    ninth = PublishedArticleFactory(headline="On the ninth", written_at=at(9, 3))
    # 20:00 UTC on the 9th is the 10th in Seoul.
    tenth = PublishedArticleFactory(headline="On the tenth", written_at=at(9, 20))
    ArticleFactory(headline="A draft of the ninth", written_at=at(9, 4))

    day = client.get("/archive/2025/04/09/")
    month = client.get("/archive/2025/04/")

    assert ninth.headline in text(day) and tenth.headline not in text(day)
    assert list(month.context["page_obj"]) == [tenth, ninth]  # newest first, published only
    assert day.context["period"]["label"] == "2025-04-09"
    assert month.context["period"]["label"] == "April 2025"
    assert 'href="/archive/2025/04/"' in text(day)  # "All stories of April 2025"
    assert 'href="/archive/2025/"' in text(month)  # "All stories of 2025"
    assert (
        reverse("articles:archive_day", kwargs={"year": 2025, "month": 4, "day": 9}) == "/archive/2025/04/09/"
    )


def test_archive_year_lists_the_years_stories_newest_first(client):
    # 2024-12-31 15:30 UTC is already 2025 in Seoul.
    new_year = PublishedArticleFactory(written_at=datetime.datetime(2024, 12, 31, 15, 30, tzinfo=UTC))
    april = PublishedArticleFactory(written_at=at(9, 3))
    PublishedArticleFactory(written_at=datetime.datetime(2024, 6, 1, tzinfo=UTC))

    response = client.get("/archive/2025/")

    assert list(response.context["page_obj"]) == [april, new_year]
    assert response.context["period"]["label"] == "2025"
    assert reverse("articles:archive_year", kwargs={"year": 2025}) == "/archive/2025/"


def test_archive_days_and_months_are_those_of_the_site_time_zone(client):
    # 2025-03-31 16:00 UTC is 2025-04-01 01:00 in Seoul; 2025-04-30 15:30 UTC is May 1st there.
    first_of_april = PublishedArticleFactory(written_at=datetime.datetime(2025, 3, 31, 16, 0, tzinfo=UTC))
    first_of_may = PublishedArticleFactory(written_at=datetime.datetime(2025, 4, 30, 15, 30, tzinfo=UTC))

    assert list(client.get("/archive/2025/04/").context["page_obj"]) == [first_of_april]
    assert list(client.get("/archive/2025/05/").context["page_obj"]) == [first_of_may]
    assert list(client.get("/archive/2025/03/").context["page_obj"]) == []
    assert list(client.get("/archive/2025/05/01/").context["page_obj"]) == [first_of_may]
    assert list(client.get("/archive/2025/04/30/").context["page_obj"]) == []


def test_archive_pages_hold_twenty_stories(client):
    stories = [PublishedArticleFactory(written_at=at(9, 3, n)) for n in range(21)]

    second = client.get("/archive/2025/04/09/?page=2")

    assert list(second.context["page_obj"]) == [stories[0]]
    assert len(client.get("/archive/2025/04/").context["page_obj"]) == 20


def test_an_empty_archive_says_so(client):
    response = client.get("/archive/2031/01/")

    assert response.status_code == 200
    assert "No stories were published in January 2031" in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/archive/2025/02/30/",
        "/archive/2025/13/",
        "/archive/2025/00/",
        "/archive/2025/04/00/",
        "/archive/2025/04/09/?page=2",
        "/archive/2025/04/09/?page=last",
        "/archive/2025/04/?page=x",
        # Years no archive holds: the last day of 9999 has no next day to end its range.
        "/archive/9999/12/31/",
        "/archive/9999/",
        "/archive/0001/01/01/",
        "/archive/1899/12/31/",
        "/archive/3000/01/",
    ],
)
def test_archive_bad_dates_and_pages_are_404(client, url):
    PublishedArticleFactory(written_at=at(9, 3))

    assert client.get(url).status_code == 404


def test_sections_named_like_fixed_routes_do_not_shadow_them(client):
    SectionFactory(name="Archive", slug="archive")
    SectionFactory(name="Authors", slug="authors")
    PublishedArticleFactory(headline="Archived", written_at=at(9, 3))
    AuthorFactory(slug="eileen")

    assert client.get("/archive/2025/04/09/").context["day"] == datetime.date(2025, 4, 9)
    assert client.get("/authors/eileen/").context["author"].slug == "eileen"
    assert client.get("/archive/").context["section"].slug == "archive"


# --- Error pages -----------------------------------------------------------------------------


def test_500_page_renders_without_a_request_or_database():
    content = loader.get_template("500.html").render()
    assert "Something went wrong" in content
    assert '<html lang="en">' in content


def test_server_error_uses_the_styled_500_page(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "front_page", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert "Something went wrong" in text(response)


# --- Query budgets ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 50])
def test_article_page_query_count_is_constant(client, django_assert_max_num_queries, settings, count):
    section = SectionFactory()
    topics = [Topic.objects.create(name=f"Topic {n}", slug=f"topic-{n}") for n in range(count)]
    others = [
        PublishedArticleFactory(section=section, lead_photo=PhotoFactory(), written_at=at(1, 0, n))
        for n in range(count)
    ]
    for other in others:
        other.topics.set(topics)
    article = PublishedArticleFactory(
        section=section,
        lead_photo=PhotoFactory(),
        authors=[AuthorFactory() for _ in range(count or 1)],
        related_articles=others,
    )
    article.topics.set(topics)
    for position, other in enumerate(others):
        EditorsPick.objects.create(article=other, position=position)
        EditorsPick.objects.create(article=other, section=section, position=position)

    # The story (with its bylines and topics, and whether it has corrections: these have none);
    # Related News and the Editor's Pick each choose their stories by id, then both blocks' cards
    # are read at once; the section menu; the breaking-news banner. A story with no links or
    # picks skips the cards.
    with django_assert_max_num_queries(6 if count else 5):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    shown = selectors.RELATED_NEWS_COUNT + settings.NEWSROOM_PICKS_LIMIT if count else 0
    assert response.content.count(b'class="card ') == shown
    # The section menu is kept by the process until a section changes (pagecache.memo).
    with django_assert_max_num_queries(5 if count else 4):
        assert client.get(article.get_absolute_url()).content == response.content


@pytest.mark.parametrize("count", [0, 50])
def test_section_page_query_count_is_constant(client, django_assert_max_num_queries, count):
    section = SectionFactory(slug="world")
    for n in range(count):
        PublishedArticleFactory(
            section=section, lead_photo=PhotoFactory(), authors=[AuthorFactory()], written_at=at(1, 0, n)
        )

    # The section, the count, the page's cards (its ids a subquery), the menu, the banner.
    with django_assert_max_num_queries(5):
        response = client.get("/world/")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [0, 50])
def test_home_page_query_count_is_constant(client, django_assert_max_num_queries, count):
    sections = [SectionFactory() for _ in range(4)]
    for n in range(count):
        article = PublishedArticleFactory(
            section=sections[n % 4],
            lead_photo=PhotoFactory(),
            authors=[AuthorFactory()],
            written_at=at(1, 0, n),
        )
        EditorsPick.objects.create(article=article, position=n)

    # The picks' ids, the newest ids, each section's newest ids, every card at once; the
    # section menu and the breaking-news banner.
    with django_assert_max_num_queries(6):
        response = client.get("/")
    assert response.status_code == 200
    if count:
        assert len(response.context["section_blocks"]) == 4 and response.context["picks"]


@pytest.mark.parametrize("count", [0, 20])
def test_author_and_archive_query_counts_are_constant(client, django_assert_max_num_queries, count):
    author = AuthorFactory(slug="busy")
    for n in range(count):
        PublishedArticleFactory(authors=[author], lead_photo=PhotoFactory(), written_at=at(9, 3, n))

    # Each page's count includes the breaking-news banner's query.
    with django_assert_max_num_queries(6):
        assert client.get("/authors/busy/").status_code == 200
    # Not one more for the month: its view makes no list of dates (nothing on the page shows one).
    with django_assert_max_num_queries(4):
        assert client.get("/archive/2025/04/09/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/archive/2025/04/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/archive/2025/").status_code == 200


# --- Sharing ---------------------------------------------------------------------------------


def test_story_share_links_are_plain_links_to_each_service_with_the_story_address(client, settings):
    settings.SITE_URL = "https://news.example.com"
    article = PublishedArticleFactory(headline="Rates & prices", section=SectionFactory(slug="economy"))
    address = "https%3A%2F%2Fnews.example.com" + article.get_absolute_url().replace("/", "%2F")

    response = client.get(article.get_absolute_url())
    content = text(response)

    share = content[
        content.index('<section class="share"') : content.index("</section>", content.index('class="share"'))
    ]
    assert f'href="mailto:?subject=Rates%20%26%20prices&amp;body={address}"' in share
    assert f'href="https://x.com/intent/post?url={address}&amp;text=Rates%20%26%20prices"' in share
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={address}"' in share
    assert f'href="https://www.linkedin.com/sharing/share-offsite/?url={address}"' in share
    assert f'href="https://wa.me/?text=Rates%20%26%20prices%20{address}"' in share
    assert f'href="https://social-plugins.line.me/lineit/share?url={address}"' in share
    assert 'data-share-copy="https://news.example.com' in share
    # Nothing of theirs runs here and the page sets no cookie.
    assert re.findall(r'<script src="([^"]+)"', content) == ["/static/js/consent.js", "/static/js/reader.js"]
    assert not response.cookies
