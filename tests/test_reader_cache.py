"""
The full-page cache on the real reader site: hits cost no queries, and every change that
readers should see refreshes exactly the pages that show it, as soon as it commits.
"""

import html
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import curation, revisions, selectors, views, workflow
from articles.models import Article, EditorsPick, Topic
from pagecache import keys, store
from tests.factories import (
    ArticleFactory,
    ChiefEditorFactory,
    EditorFactory,
    PublishedArticleFactory,
    SectionFactory,
    UserFactory,
)
from tests.pagecache.support import remaining_ttl

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_on(page_cache):
    return page_cache


def get(client, url):
    return client.get(url)


def hit(client, url):
    response = client.get(url)
    return response.get("X-Page-Cache") == "HIT"


@pytest.fixture
def newsroom():
    politics = SectionFactory(name="Politics", slug="politics")
    story = PublishedArticleFactory(section=politics, headline="Budget passes")
    neighbour = PublishedArticleFactory(section=politics, headline="Council meets")
    return {"politics": politics, "story": story, "neighbour": neighbour, "editor": EditorFactory()}


def test_second_anonymous_request_is_a_hit_with_no_queries(client, newsroom, django_assert_num_queries):
    url = newsroom["story"].get_absolute_url()
    assert get(client, url)["X-Page-Cache"] == "MISS"

    with django_assert_num_queries(0):
        response = get(client, url)

    assert response["X-Page-Cache"] == "HIT"
    assert "Budget passes" in response.content.decode()


def test_publishing_an_update_refreshes_its_page_and_pages_that_list_it(client, newsroom, committed):
    story, editor = newsroom["story"], newsroom["editor"]
    urls = [
        story.get_absolute_url(),
        "/",
        newsroom["politics"].get_absolute_url(),
        newsroom["neighbour"].get_absolute_url(),  # Related News fills from the section
        "/feeds/latest/",
    ]
    for url in urls:
        get(client, url)
    assert all(hit(client, url) for url in urls)

    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "headline": "Budget passes after all-night session"},
    )
    assert all(hit(client, url) for url in urls), "a pending revision changes nothing readers see"
    committed(workflow.publish_update, article=story, user=editor)

    for url in urls:
        response = get(client, url)
        assert response["X-Page-Cache"] == "MISS", url
        assert "all-night session" in response.content.decode(), url


def test_unpublished_story_is_never_served_from_the_cache_again(client, newsroom, committed):
    story = newsroom["story"]
    for url in [story.get_absolute_url(), "/", newsroom["neighbour"].get_absolute_url()]:
        get(client, url)

    committed(workflow.unpublish, article=story, user=newsroom["editor"], comment="Legal hold.")

    assert get(client, story.get_absolute_url()).status_code == 410
    assert "Budget passes" not in get(client, "/").content.decode()
    assert "Budget passes" not in get(client, newsroom["neighbour"].get_absolute_url()).content.decode()


def test_a_change_refreshes_only_what_shows_it(client, newsroom, committed):
    economy = SectionFactory(name="Economy", slug="economy")
    elsewhere = PublishedArticleFactory(section=economy, headline="Port expands")
    get(client, elsewhere.get_absolute_url())
    get(client, economy.get_absolute_url())

    committed(workflow.publish_update, article=newsroom["story"], user=newsroom["editor"])

    assert hit(client, elsewhere.get_absolute_url())
    assert hit(client, economy.get_absolute_url())


def test_curation_refreshes_pick_blocks(client, newsroom, committed):
    get(client, "/")
    chief = ChiefEditorFactory()

    committed(curation.add_pick, user=chief, article=newsroom["neighbour"])

    response = get(client, "/")
    assert response["X-Page-Cache"] == "MISS"
    assert "Council meets" in response.content.decode().split("Editor")[-1]


def test_a_picked_story_changing_renders_the_pick_block_once_per_section(client, newsroom, committed):
    picked = PublishedArticleFactory(section=SectionFactory(), headline="Flood defences open")
    EditorsPick.objects.create(article=picked, position=0)
    pages = [newsroom["story"].get_absolute_url(), newsroom["neighbour"].get_absolute_url()]
    for url in pages:
        get(client, url)
    revisions.save_edit(
        article=picked,
        user=newsroom["editor"],
        base_version=picked.version,
        content={**revisions.content_of(picked), "headline": "Flood defences open early"},
    )
    committed(workflow.publish_update, article=picked, user=newsroom["editor"])

    with mock.patch.object(selectors, "editors_pick_ids", wraps=selectors.editors_pick_ids) as picks:
        contents = [get(client, url).content.decode() for url in pages]

    assert all("Flood defences open early" in content for content in contents)
    assert picks.call_count == 1  # one block for the section's stories, not one per page


@pytest.mark.parametrize("ttl", [300, 0])
def test_a_picked_story_lists_the_other_picks_on_its_own_page(client, newsroom, settings, ttl):
    settings.NEWSROOM_PAGE_CACHE_TTL = ttl
    story = newsroom["story"]
    EditorsPick.objects.create(article=story, position=0)
    EditorsPick.objects.create(article=newsroom["neighbour"], position=1)

    neighbour_picks = (
        get(client, newsroom["neighbour"].get_absolute_url()).content.decode().split("Editor")[-1]
    )
    own_picks = get(client, story.get_absolute_url()).content.decode().split("Editor")[-1]

    assert "Budget passes" in neighbour_picks and "Council meets" not in neighbour_picks
    assert "Council meets" in own_picks and "Budget passes" not in own_picks


def test_with_nothing_kept_a_picked_story_renders_only_its_own_picks_block(client, newsroom, settings):
    settings.NEWSROOM_PAGE_CACHE_TTL = 0
    story = newsroom["story"]
    EditorsPick.objects.create(article=story, position=0)
    EditorsPick.objects.create(article=newsroom["neighbour"], position=1)

    with mock.patch.object(views, "render_to_string", wraps=views.render_to_string) as render:
        own_picks = get(client, story.get_absolute_url()).content.decode().split("Editor")[-1]

    picks_blocks = [call for call in render.call_args_list if call.args[0] == "includes/picks.html"]
    assert len(picks_blocks) == 1  # the section's block, with the story in it, would not be shown
    assert "Council meets" in own_picks and "Budget passes" not in own_picks


def test_section_edit_in_admin_refreshes_every_page(client, newsroom, django_capture_on_commit_callbacks):
    get(client, "/")
    get(client, newsroom["story"].get_absolute_url())
    staff = UserFactory(is_superuser=True)
    admin_client = type(client)()
    admin_client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:articles_section_change", args=[newsroom["politics"].pk]),
            {"name": "Politics & Power", "slug": "politics", "position": 0, "description": ""},
        )

    assert "Politics &amp; Power" in get(client, "/").content.decode()
    assert get(client, newsroom["story"].get_absolute_url())["X-Page-Cache"] == "MISS"


def test_pages_never_outlive_the_next_embargo(client, newsroom, committed):
    editor = newsroom["editor"]
    embargoed = ArticleFactory(
        section=newsroom["politics"], publish_at=timezone.now() + timedelta(seconds=90)
    )
    workflow.submit_for_review(article=embargoed, user=editor)
    committed(workflow.publish, article=embargoed, user=editor)

    get(client, "/")

    key = keys.page_key(client.get("/").wsgi_request)
    assert 0 < remaining_ttl(key) <= 90


def test_logged_in_staff_always_get_a_fresh_page(client, newsroom):
    url = newsroom["story"].get_absolute_url()
    get(client, url)
    client.force_login(newsroom["editor"])

    response = get(client, url)

    assert "X-Page-Cache" not in response


def test_share_previews_are_never_cached(client, newsroom):
    from articles import preview

    draft = ArticleFactory()
    revisions.save_edit(
        article=draft,
        user=newsroom["editor"],
        base_version=draft.version,
        content=revisions.content_of(draft),
    )
    draft.refresh_from_db()
    url = reverse(
        "articles:shared_preview",
        args=[preview.make_share_token(article=draft, revision=draft.latest_revision)],
    )

    get(client, url)
    response = get(client, url)

    assert "X-Page-Cache" not in response
    assert "no-store" in response["Cache-Control"]


def test_conditional_get_of_a_cached_page_is_a_304(client, newsroom, django_assert_num_queries):
    url = newsroom["story"].get_absolute_url()
    first = get(client, url)

    with django_assert_num_queries(0):
        response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304

    with django_assert_num_queries(0):
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 304


# --- Blocks of the article page (pagecache.cached_blocks) --------------------------------------


@pytest.fixture
def full_block(newsroom):
    """A story whose Related News is filled by earlier stories of its section, days before it."""
    politics = newsroom["politics"]
    now = timezone.now()
    earlier = [
        PublishedArticleFactory(
            section=politics, headline=f"Earlier {n}", written_at=now - timedelta(days=10 + n)
        )
        for n in range(selectors.RELATED_NEWS_COUNT)
    ]
    story = PublishedArticleFactory(
        section=politics, headline="Committee reports", written_at=now - timedelta(days=5)
    )
    return story, earlier


def test_a_new_story_in_the_section_leaves_earlier_story_pages_kept(client, newsroom, full_block, committed):
    story, _ = full_block
    get(client, story.get_absolute_url())
    fresh = ArticleFactory(section=newsroom["politics"], headline="Minister resigns")
    workflow.submit_for_review(article=fresh, user=newsroom["editor"])
    committed(workflow.publish, article=fresh, user=newsroom["editor"])

    response = get(client, story.get_absolute_url())

    assert response["X-Page-Cache"] == "HIT"
    assert "Minister resigns" not in response.content.decode()


def test_a_story_back_on_its_day_renders_only_related_news_again(client, newsroom, full_block, committed):
    story, earlier = full_block
    newest_earlier, editor = earlier[0], newsroom["editor"]
    committed(workflow.unpublish, article=newest_earlier, user=editor, comment="Legal check")
    assert "Earlier 0" not in get(client, story.get_absolute_url()).content.decode()
    newest_earlier.refresh_from_db()
    workflow.submit_for_review(article=newest_earlier, user=editor)
    committed(workflow.publish, article=newest_earlier, user=editor)

    with (
        mock.patch.object(selectors, "load_story_details", wraps=selectors.load_story_details) as details,
        mock.patch.object(selectors, "related_news", wraps=selectors.related_news) as related,
        mock.patch.object(selectors, "editors_pick_ids", wraps=selectors.editors_pick_ids) as picks,
    ):
        response = get(client, story.get_absolute_url())

    assert response["X-Page-Cache"] == "MISS"
    assert "Earlier 0" in response.content.decode()
    assert (details.call_count, related.call_count, picks.call_count) == (0, 1, 0)


def test_a_manual_link_going_live_refreshes_the_page_that_links_it(client, newsroom, committed):
    exclusive = ArticleFactory(section=SectionFactory(), headline="Harbour deal exclusive")
    story = PublishedArticleFactory(section=newsroom["politics"], related_articles=[exclusive])
    assert "Harbour deal exclusive" not in get(client, story.get_absolute_url()).content.decode()

    workflow.submit_for_review(article=exclusive, user=newsroom["editor"])
    committed(workflow.publish, article=exclusive, user=newsroom["editor"])

    assert "Harbour deal exclusive" in get(client, story.get_absolute_url()).content.decode()


def test_moving_a_story_to_another_section_refreshes_its_picks_and_related_news(client, newsroom, committed):
    story, editor, chief = newsroom["story"], newsroom["editor"], ChiefEditorFactory()
    economy = SectionFactory(name="Economy", slug="economy")
    PublishedArticleFactory(
        section=economy, headline="Port expands", written_at=story.written_at - timedelta(days=1)
    )
    economy_pick = PublishedArticleFactory(section=SectionFactory(), headline="Economy desk's pick")
    committed(curation.add_pick, user=chief, article=economy_pick, section=economy)
    assert "Port expands" not in get(client, story.get_absolute_url()).content.decode()

    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "section": economy.pk},
    )
    committed(workflow.publish_update, article=story, user=editor)
    story.refresh_from_db()
    page = get(client, story.get_absolute_url()).content.decode()

    assert "Port expands" in page and "Council meets" not in page
    assert "Economy desk's pick" in html.unescape(page)  # a card: Jinja2 writes &#39;, Django &#x27;


def test_a_page_whose_story_changed_while_it_was_read_keeps_nothing_stale(client, newsroom, committed):
    """The view read the story, then a change committed before its blocks were rendered."""
    story, editor = newsroom["story"], newsroom["editor"]
    day_before = story.written_at - timedelta(days=1)
    Article.objects.filter(pk=newsroom["neighbour"].pk).update(written_at=day_before)
    economy = SectionFactory(name="Economy", slug="economy")
    PublishedArticleFactory(section=economy, headline="Port expands", written_at=day_before)
    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "section": economy.pk},
    )
    read_story = selectors.article_detail

    def read_then_commit(**kwargs):
        article = read_story(**kwargs)
        committed(workflow.publish_update, article=story, user=editor)
        return article

    with mock.patch.object(selectors, "article_detail", side_effect=read_then_commit):
        assert "Council meets" in get(client, story.get_absolute_url()).content.decode()  # as read

    story.refresh_from_db()
    page = get(client, story.get_absolute_url()).content.decode()
    assert "Port expands" in page and "Council meets" not in page


def test_a_page_rendered_while_an_unrelated_story_changed_is_stored(client, newsroom, committed):
    story, editor = newsroom["story"], newsroom["editor"]
    sport = SectionFactory(name="Sport", slug="sport")
    elsewhere = PublishedArticleFactory(section=sport, headline="Cup final")
    get(client, story.get_absolute_url())  # kept: its tags have versions
    committed(workflow.publish_update, article=story, user=editor)  # its page must be rendered again
    read_story = selectors.article_detail

    def read_then_commit_elsewhere(**kwargs):
        article = read_story(**kwargs)
        withdrawn = Article.objects.get(pk=elsewhere.pk)
        committed(workflow.unpublish, article=withdrawn, user=ChiefEditorFactory(), comment="Withdrawn.")
        return article

    with mock.patch.object(selectors, "article_detail", side_effect=read_then_commit_elsewhere):
        assert get(client, story.get_absolute_url())["X-Page-Cache"] == "MISS"

    assert hit(client, story.get_absolute_url())
    assert not hit(client, "/")  # what the change touched was refreshed


def test_with_the_page_cache_off_every_page_and_block_is_rendered_afresh(client, newsroom, settings):
    settings.NEWSROOM_PAGE_CACHE_TTL = 0
    url = newsroom["story"].get_absolute_url()
    get(client, url)
    real_cache = store.cache()
    asked = []

    def get_many(keys):
        asked.extend(keys)
        return real_cache.get_many(keys)

    with (
        mock.patch.object(store, "cache") as page_cache,
        mock.patch.object(selectors, "related_news", wraps=selectors.related_news) as related_news,
        mock.patch.object(selectors, "editors_pick_ids", wraps=selectors.editors_pick_ids) as editors_picks,
        mock.patch.object(selectors, "section_list", wraps=selectors.section_list) as section_list,
    ):
        page_cache.return_value.get_many.side_effect = get_many
        responses = [get(client, url), get(client, url)]

    assert [(response.status_code, response["X-Page-Cache"]) for response in responses] == [(200, "MISS")] * 2
    assert (related_news.call_count, editors_picks.call_count) == (2, 2)
    # Nothing kept is read or written but the section menu's tag version: each process keeps
    # the menu until a section changes (pagecache.memo).
    assert section_list.call_count == 0
    assert asked == [store.TAG_PREFIX + "site"] * 2
    assert [name for name, _, _ in page_cache.return_value.method_calls] == ["get_many"] * 2


def test_logged_in_staff_get_a_fresh_page_built_from_kept_blocks(
    client, newsroom, django_assert_max_num_queries
):
    url = newsroom["story"].get_absolute_url()
    anonymous = get(client, url).content.decode()
    client.force_login(newsroom["editor"])

    with django_assert_max_num_queries(3):  # the session, the user, the story's row
        staff = get(client, url).content.decode()

    assert staff == anonymous


def test_a_preview_never_leaves_its_draft_in_the_blocks_readers_get(client, newsroom, committed):
    story, editor = newsroom["story"], newsroom["editor"]
    get(client, story.get_absolute_url())
    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "headline": "Unchecked draft headline"},
    )
    staff_client = type(client)()
    staff_client.force_login(editor)
    assert (
        "Unchecked draft headline"
        in staff_client.get(reverse("articles:preview", args=[story.pk])).content.decode()
    )

    reader = get(client, story.get_absolute_url()).content.decode()
    staff = staff_client.get(story.get_absolute_url()).content.decode()

    assert "Unchecked draft headline" not in reader
    assert "Unchecked draft headline" not in staff


def test_unknown_query_parameters_are_served_the_kept_page(client, newsroom, django_assert_num_queries):
    section, story = newsroom["politics"].get_absolute_url(), newsroom["story"].get_absolute_url()
    get(client, section)
    get(client, story)

    with django_assert_num_queries(0):
        responses = [client.get(section, {"junk": n}) for n in (1, 2)]
        responses += [client.get(story, {"utm_source": "social", "fbclid": n}) for n in (1, 2)]

    assert [response["X-Page-Cache"] for response in responses] == ["HIT"] * 4


# --- Content codings (pagecache.encoding) --------------------------------------------------------


def test_the_article_is_sent_in_the_coding_each_reader_takes(client, newsroom):
    import gzip

    import brotli

    url = newsroom["story"].get_absolute_url()
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    plain, gzipped, brotlied = (client.get(url, HTTP_ACCEPT_ENCODING=accept) for accept in ("", "gzip", "br"))

    assert [r["X-Page-Cache"] for r in (first, plain, gzipped, brotlied)] == ["MISS", "HIT", "HIT", "HIT"]
    assert brotlied["Content-Encoding"] == "br" and gzipped["Content-Encoding"] == "gzip"
    assert brotli.decompress(brotlied.content) == gzip.decompress(gzipped.content) == plain.content
    assert b"Budget passes" in plain.content
    for response in (plain, gzipped, brotlied):
        assert response["Vary"] == "Accept-Encoding"
        assert not response.cookies


def test_staff_pages_are_compressed_and_the_admin_is_not(client, newsroom):
    url = newsroom["story"].get_absolute_url()
    client.force_login(newsroom["editor"])

    page = client.get(url, HTTP_ACCEPT_ENCODING="br")
    admin = client.get(reverse("admin:articles_article_changelist"), HTTP_ACCEPT_ENCODING="br")

    assert "X-Page-Cache" not in page
    assert page["Content-Encoding"] == "br"
    # The desk's forms carry a CSRF token and echo what was typed: never compressed (BREACH).
    assert admin.status_code == 200
    assert "Content-Encoding" not in admin
    assert b"csrfmiddlewaretoken" in admin.content


# --- a list's length, kept like a block ------------------------------------------------------------


def counts(queries):
    return [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]


def test_a_section_page_rendered_again_reuses_its_story_count(client, newsroom):
    url = newsroom["politics"].get_absolute_url()
    client.cookies["sessionid"] = "not-a-session"  # rendered every time, as for staff
    with CaptureQueriesContext(connection) as first:
        assert "X-Page-Cache" not in client.get(url)  # the page cache stepped aside
    with CaptureQueriesContext(connection) as again:
        response = client.get(url)

    assert len(counts(first.captured_queries)) == 1
    assert counts(again.captured_queries) == []
    assert response.context["page_obj"].paginator.count == 2


def test_a_story_going_live_in_the_section_or_topic_counts_at_once(client, newsroom, committed):
    topic = Topic.objects.create(name="Port Halden", slug="port-halden")
    newsroom["story"].topics.add(topic)
    section_url, topic_url = newsroom["politics"].get_absolute_url(), topic.get_absolute_url()
    client.cookies["sessionid"] = "not-a-session"
    assert client.get(section_url).context["page_obj"].paginator.count == 2
    assert client.get(topic_url).context["page_obj"].paginator.count == 1
    fresh = ArticleFactory(section=newsroom["politics"])
    fresh.topics.add(topic)

    workflow.submit_for_review(article=fresh, user=newsroom["editor"])
    committed(workflow.publish, article=fresh, user=newsroom["editor"])

    assert client.get(section_url).context["page_obj"].paginator.count == 3
    assert client.get(topic_url).context["page_obj"].paginator.count == 2
    committed(workflow.unpublish, article=fresh, user=newsroom["editor"], comment="Legal check")
    assert client.get(section_url).context["page_obj"].paginator.count == 2
    assert client.get(topic_url).context["page_obj"].paginator.count == 1
