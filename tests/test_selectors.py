"""The reader selectors: what each block shows, in which order, and what it never shows."""

import contextlib
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import selectors, workflow
from articles.models import Article, Topic
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    EditorsPickFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

ArticleTopic = Article.topics.through

UTC = datetime.UTC


def at(day, hour=12):
    """A fixed publication time in April 2025 (UTC)."""
    return datetime.datetime(2025, 4, day, hour, 0, tzinfo=UTC)


def unpublish(article):
    return workflow.unpublish(article=article, user=EditorFactory(), comment="Withdrawn for a test.")


# --- article_list / archive ------------------------------------------------------------------


def test_article_list_only_published_newest_first():
    section = SectionFactory()
    older = PublishedArticleFactory(section=section, written_at=at(1))
    newer = PublishedArticleFactory(section=section, written_at=at(2))
    ArticleFactory(section=section)  # a draft
    unpublish(PublishedArticleFactory(section=section, written_at=at(3)))

    assert list(selectors.article_list(section=section)) == [newer, older]


def test_article_list_filters_by_author():
    author = AuthorFactory()
    theirs = PublishedArticleFactory(authors=[author])
    PublishedArticleFactory(authors=[AuthorFactory()])

    assert list(selectors.article_list(author=author)) == [theirs]


# --- home ------------------------------------------------------------------------------------


def test_newest_story_ids_are_the_newest_published():
    oldest = PublishedArticleFactory(written_at=at(1))
    newest = PublishedArticleFactory(written_at=at(5))
    middle = PublishedArticleFactory(written_at=at(3))
    ArticleFactory()

    assert selectors.newest_story_ids(limit=2) == [newest.pk, middle.pk]
    assert selectors.newest_story_ids(limit=5) == [newest.pk, middle.pk, oldest.pk]


def test_newest_story_ids_empty_when_nothing_is_published():
    ArticleFactory()
    assert selectors.newest_story_ids(limit=4) == []


def test_front_page_sections_limit_each_section_and_skip_the_top_stories():
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    economy = SectionFactory(name="Economy", slug="economy", position=2)
    SectionFactory(name="Empty", slug="empty", position=0)
    politics_stories = [PublishedArticleFactory(section=politics, written_at=at(day)) for day in range(1, 7)]
    economy_story = PublishedArticleFactory(section=economy, written_at=at(1))

    # The two newest stories lead the page (both in Politics): its block starts after them.
    blocks = selectors.front_page(newest=2, lead=2, per_section=3)[2]

    assert [section for section, _ in blocks] == [politics, economy]
    assert blocks[0][1] == politics_stories[-3:-6:-1]
    assert blocks[1][1] == [economy_story]


def test_sections_with_newest_lists_each_sections_newest_ids_in_one_query(django_assert_num_queries):
    politics = SectionFactory(position=1)
    empty = SectionFactory(position=2)
    stories = [PublishedArticleFactory(section=politics, written_at=at(day)) for day in range(1, 5)]
    unpublish(stories[-1])

    with django_assert_num_queries(1):
        sections = selectors.sections_with_newest(per_section=2)

    assert [(section, section.newest_ids) for section in sections] == [
        (politics, [stories[2].pk, stories[1].pk]),
        (empty, []),
    ]


def test_front_page_reads_newest_picks_and_section_blocks_in_four_queries(django_assert_num_queries):
    politics, economy = SectionFactory(position=1), SectionFactory(position=2)
    newest = [PublishedArticleFactory(section=politics, written_at=at(day)) for day in range(10, 4, -1)]
    old_economy = PublishedArticleFactory(section=economy, written_at=at(1))
    picked = [PublishedArticleFactory(section=economy, written_at=at(2)), newest[0]]
    for position, story in enumerate(picked):
        EditorsPickFactory(article=story, position=position)
    withdrawn_pick = EditorsPickFactory(article=PublishedArticleFactory(written_at=at(3)), position=9).article
    unpublish(withdrawn_pick)

    with django_assert_num_queries(4):
        stories, picks, blocks = selectors.front_page(newest=3, lead=2, per_section=2)

    # Room for the picks among the newest; the picks in their order, never an unpublished one.
    assert stories == newest[:5]
    assert picks == picked
    # The blocks leave out the two lead stories.
    assert blocks == [(politics, newest[2:4]), (economy, [picked[0], old_economy])]


# --- article detail --------------------------------------------------------------------------


def test_article_detail_only_finds_published_stories():
    draft = ArticleFactory()
    withdrawn = unpublish(PublishedArticleFactory())
    live = PublishedArticleFactory()

    assert selectors.article_detail(slug=draft.slug) is None
    assert selectors.article_detail(slug=withdrawn.slug) is None
    assert selectors.article_detail(slug=live.slug) == live


def test_article_detail_reads_bylines_and_topics_in_the_story_query(django_assert_num_queries):
    zed = AuthorFactory(name='Zed "Z" Zulu, Jr.', affiliation="Radio, News")
    abe = AuthorFactory(name="Abe Alpha")
    storms = Topic.objects.create(name="Storms", slug="storms")
    elections = Topic.objects.create(name="Elections", slug="elections")
    article = PublishedArticleFactory(authors=[zed, abe])
    article.topics.set([storms, elections])

    with django_assert_num_queries(1):  # the story, its bylines and its topics; no corrections
        found = selectors.article_detail(slug=article.slug)
        selectors.load_story_details(found)
        assert found.byline_authors == [zed, abe]
        assert [(author.name, author.get_absolute_url()) for author in found.byline_authors] == [
            (zed.name, zed.get_absolute_url()),
            (abe.name, abe.get_absolute_url()),
        ]
        assert found.sign_off == 'Zed "Z" Zulu, Jr. and Abe Alpha, Radio, News.'
        assert found.corrections == []
        # By name, as the topic pages list them.
        assert [(topic.name, topic.get_absolute_url()) for topic in found.shown_topics] == [
            ("Elections", elections.get_absolute_url()),
            ("Storms", storms.get_absolute_url()),
        ]
        assert selectors.topic_ids(found) == [elections.pk, storms.pk]


def test_article_detail_of_a_story_without_bylines_or_topics():
    found = selectors.article_detail(slug=PublishedArticleFactory().slug)

    assert (found.byline_authors, found.shown_topics, found.sign_off) == ([], [], "")


def test_story_details_read_the_corrections_of_a_story_that_has_some(django_assert_num_queries):
    editor = EditorFactory()
    article = PublishedArticleFactory()
    workflow.publish_update(article=article, user=editor, minor=False, correction="The vote was on Tuesday.")
    found = selectors.article_detail(slug=article.slug)

    with django_assert_num_queries(1):  # the correction notes
        selectors.load_story_details(found)
    assert [note.correction_note for note in found.corrections] == ["The vote was on Tuesday."]


def test_withdrawn_article_pk_tells_withdrawn_from_never_published():
    draft = ArticleFactory()
    in_review = workflow.submit_for_review(article=ArticleFactory(), user=EditorFactory())
    withdrawn = unpublish(PublishedArticleFactory())
    live = PublishedArticleFactory()

    assert selectors.withdrawn_article_pk(slug=withdrawn.slug) == withdrawn.pk
    assert selectors.withdrawn_article_pk(slug=draft.slug) is None
    assert selectors.withdrawn_article_pk(slug=in_review.slug) is None
    assert selectors.withdrawn_article_pk(slug=live.slug) is None
    assert selectors.withdrawn_article_pk(slug="no-such-story") is None


def test_withdrawn_article_pk_reads_only_the_story_at_that_address(django_assert_num_queries):
    withdrawn = unpublish(PublishedArticleFactory())

    with django_assert_num_queries(1) as captured:
        assert selectors.withdrawn_article_pk(slug=withdrawn.slug) == withdrawn.pk
    # Both the story and the published() check are narrowed to the slug, so the database looks
    # at one row, not at every live story (a 250 ms scan per request at 100,000 stories).
    assert captured.captured_queries[0]["sql"].count(withdrawn.slug) == 2


def test_withdrawn_article_pk_is_false_for_an_embargoed_story():
    editor = EditorFactory()
    embargoed = ArticleFactory(publish_at=timezone.now() + datetime.timedelta(days=1))
    workflow.submit_for_review(article=embargoed, user=editor)
    embargoed = workflow.publish(article=embargoed, user=editor)

    assert embargoed.status == Article.Status.SCHEDULED
    assert selectors.article_detail(slug=embargoed.slug) is None
    assert selectors.withdrawn_article_pk(slug=embargoed.slug) is None


# --- Related News ----------------------------------------------------------------------------


def test_related_news_manual_links_first_in_position_order_then_same_section_newest_first():
    section, elsewhere = SectionFactory(), SectionFactory()
    manual_b = PublishedArticleFactory(section=elsewhere, written_at=at(1))
    manual_a = PublishedArticleFactory(section=elsewhere, written_at=at(2))
    fill_old = PublishedArticleFactory(section=section, written_at=at(3))
    fill_new = PublishedArticleFactory(section=section, written_at=at(4))
    PublishedArticleFactory(section=elsewhere, written_at=at(5))  # other section, not linked
    article = PublishedArticleFactory(
        section=section, written_at=at(6), related_articles=[manual_a, manual_b]
    )

    assert selectors.related_news(article=article) == [manual_a, manual_b, fill_new, fill_old]


def test_related_news_fills_from_stories_published_before_this_one():
    section = SectionFactory()
    earlier = PublishedArticleFactory(section=section, written_at=at(1))
    article = PublishedArticleFactory(section=section, written_at=at(2))
    later = PublishedArticleFactory(section=section, written_at=at(3))

    assert selectors.related_news(article=article) == [earlier]
    assert selectors.related_news(article=later) == [article, earlier]


def test_related_news_never_the_story_itself_nor_unpublished_nor_twice():
    section = SectionFactory()
    manual_same_section = PublishedArticleFactory(section=section, written_at=at(1))
    draft = ArticleFactory(section=section)
    withdrawn = unpublish(PublishedArticleFactory(section=section, written_at=at(2)))
    article = PublishedArticleFactory(
        section=section, written_at=at(3), related_articles=[withdrawn, draft, manual_same_section]
    )

    related = selectors.related_news(article=article)

    assert related == [manual_same_section]


def test_related_news_and_picks_ask_published_at_each_render(monkeypatch):
    # Their SQL is built once per process; the clock is still read at each render, so a story
    # whose take-down time passes leaves both blocks at once, and its place is filled.
    section = SectionFactory()
    now = timezone.now()
    filler = PublishedArticleFactory(section=section, written_at=at(1))
    leaving = PublishedArticleFactory(
        section=section, written_at=at(2), expire_at=now + datetime.timedelta(hours=1)
    )
    article = PublishedArticleFactory(section=section, written_at=at(3), related_articles=[leaving])
    EditorsPickFactory(article=leaving, position=0)
    EditorsPickFactory(article=filler, position=1)

    assert selectors.related_news(article=article) == [leaving, filler]
    assert selectors.editors_picks() == [leaving, filler]
    monkeypatch.setattr(selectors.timezone, "now", lambda: now + datetime.timedelta(hours=2))
    assert selectors.related_news(article=article) == [filler]
    assert selectors.editors_picks() == [filler]


def test_related_news_has_a_fixed_count():
    section = SectionFactory()
    stories = [PublishedArticleFactory(section=section, written_at=at(day)) for day in range(1, 9)]
    article = PublishedArticleFactory(section=section, written_at=at(20), related_articles=stories[:2])

    related = selectors.related_news(article=article)

    assert len(related) == selectors.RELATED_NEWS_COUNT == 5
    assert related[:2] == stories[:2]
    assert related[2:] == [stories[7], stories[6], stories[5]]


# --- Editor's Pick ---------------------------------------------------------------------------


def test_story_cards_read_the_cards_of_every_block_that_expects_some_at_once(django_assert_num_queries):
    section = SectionFactory()
    earlier = [PublishedArticleFactory(section=section, written_at=at(day)) for day in (1, 2, 3)]
    article = PublishedArticleFactory(section=section, written_at=at(5))
    picked = PublishedArticleFactory(written_at=at(4))
    EditorsPickFactory(article=picked, position=0)
    cards = selectors.StoryCards()

    with django_assert_num_queries(3):  # the picks' ids, Related News's ids, every card at once
        pick_ids = selectors.editors_pick_ids(section=section, now=cards.now)
        cards.expect(pick_ids)
        related = selectors.related_news(article=article, topics=[], cards=cards)
        picks = cards.in_order(pick_ids)

    assert related == earlier[::-1]
    assert picks == [picked]
    assert selectors.editors_picks(section=section) == [picked]


def test_editors_picks_section_first_then_site_wide_deduplicated():
    section = SectionFactory()
    both = PublishedArticleFactory()
    site_first = EditorsPickFactory(position=0).article
    EditorsPickFactory(article=both, position=1)
    section_pick = EditorsPickFactory(section=section, position=1).article
    EditorsPickFactory(article=both, section=section, position=0)

    assert selectors.editors_picks(section=section) == [both, section_pick, site_first]
    assert selectors.editors_picks() == [site_first, both]


def test_editors_picks_respect_time_windows_and_publication():
    now = timezone.now()
    showing = EditorsPickFactory(starts_at=now - datetime.timedelta(hours=1)).article
    EditorsPickFactory(starts_at=now + datetime.timedelta(hours=1))
    EditorsPickFactory(ends_at=now - datetime.timedelta(minutes=1))
    withdrawn = EditorsPickFactory(ends_at=now + datetime.timedelta(hours=1)).article
    unpublish(withdrawn)

    assert selectors.editors_picks() == [showing]


def test_editors_picks_respect_the_limit_setting(settings):
    settings.NEWSROOM_PICKS_LIMIT = 3
    section = SectionFactory()
    picked = [EditorsPickFactory(section=section, position=n).article for n in range(3)]
    # The same stories also in the site-wide list: deduplication must not leave the block short.
    for n, article in enumerate(picked):
        EditorsPickFactory(article=article, position=n)
    site_wide = [EditorsPickFactory(position=10 + n).article for n in range(3)]

    assert selectors.editors_picks(section=section) == picked
    assert selectors.editors_picks(section=section, exclude=picked[0]) == picked[1:] + site_wide[:1]


def test_editors_picks_exclude_the_story_being_read():
    article = EditorsPickFactory().article
    other = EditorsPickFactory().article

    assert selectors.editors_picks(exclude=article) == [other]


def test_editors_picks_zero_limit(settings):
    settings.NEWSROOM_PICKS_LIMIT = 0
    EditorsPickFactory()
    assert selectors.editors_picks() == []


def test_selectors_never_return_drafts_anywhere():
    section = SectionFactory()
    draft = ArticleFactory(section=section)
    assert draft not in selectors.article_list()
    assert Article.objects.filter(pk=draft.pk).exists()
    newest, picks, blocks = selectors.front_page(newest=5, lead=1)
    assert draft not in newest and draft not in picks
    assert all(draft not in articles for _, articles in blocks)


# --- next_visibility_change -------------------------------------------------------------------


def test_next_visibility_change_is_the_first_embargo_take_down_or_pick_window_edge():
    now = timezone.now()
    in_minutes = [now + datetime.timedelta(minutes=n) for n in range(1, 6)]
    assert selectors.next_visibility_change(now=now) is None

    PublishedArticleFactory(expire_at=in_minutes[4])
    assert selectors.next_visibility_change(now=now) == in_minutes[4]
    EditorsPickFactory(ends_at=in_minutes[3])
    assert selectors.next_visibility_change(now=now) == in_minutes[3]
    EditorsPickFactory(starts_at=in_minutes[2])
    assert selectors.next_visibility_change(now=now) == in_minutes[2]
    embargoed = ArticleFactory(publish_at=in_minutes[1])
    workflow.submit_for_review(article=embargoed, user=EditorFactory())
    workflow.publish(article=embargoed, user=EditorFactory())
    assert selectors.next_visibility_change(now=now) == in_minutes[1]
    assert selectors.next_visibility_change(now=in_minutes[1]) == in_minutes[2]


def test_next_visibility_change_probes_the_schedule_indexes_on_postgresql():
    """
    The shape of the issue's newsroom: thousands of live stories, all with an embargo time in the
    past and most with a take-down time far ahead, and a few still embargoed. Each story time is
    found by a probe of its partial index (article_embargoes, article_take_downs), never by a
    scan of the live stories; the planner chooses, from the table's real statistics.
    """
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's")
    now = timezone.now()
    section = SectionFactory()
    live = [
        ArticleFactory.build(
            section=section,
            status=Article.Status.PUBLISHED,
            written_at=now - datetime.timedelta(minutes=n),
            publish_at=now - datetime.timedelta(minutes=n),
            expire_at=now + datetime.timedelta(days=365, minutes=n) if n % 5 else None,
        )
        for n in range(1, 20_001)
    ]
    embargoed = _embargoed(section, now=now, count=3)
    with _sequences_kept(Article):
        Article.objects.bulk_create([*live, *embargoed], batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Article._meta.db_table}")

    with CaptureQueriesContext(connection) as queries:
        assert selectors.next_visibility_change(now=now) == embargoed[0].publish_at

    story_queries = [query["sql"] for query in queries if Article._meta.db_table in query["sql"]]
    plans = []
    with connection.cursor() as cursor:
        for sql in story_queries:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert len(plans) == 2
    assert "article_embargoes" in plans[0] and "article_take_downs" in plans[1], plans
    assert all("Seq Scan" not in plan and "Limit" in plan for plan in plans), plans


def test_a_topic_page_walks_the_newest_stories_index_alone_on_postgresql():
    """
    A topic's first page walks ``article_live_newest`` newest first, past the stories of other
    topics and the embargoed ones (their time, ahead, puts them first), and stops after the
    page: ``published()`` is decided in the index, which carries the embargo and take-down
    times (an index-only scan), so none of those rows is read. A section's page is an index walk
    that stops after the page too: its own index's or the newest stories' (filtered by section),
    whichever PostgreSQL's statistics favour (both were seen on the same data).
    """
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's")
    now = timezone.now()
    section, other = SectionFactory(), SectionFactory()
    topic = Topic.objects.create(name="Election", slug="election")
    live = [
        ArticleFactory.build(
            section=section if n % 4 == 1 else other,
            status=Article.Status.PUBLISHED,
            written_at=now - datetime.timedelta(minutes=n),
            expire_at=now + datetime.timedelta(days=365) if n % 5 else None,
        )
        for n in range(1, 20_001)
    ]
    embargoed = _embargoed(section, now=now, count=300)
    with _sequences_kept(Article, ArticleTopic):
        Article.objects.bulk_create([*live, *embargoed], batch_size=2_000)
        filed = [ArticleTopic(article=story, topic=topic) for story in [*live[::8], *embargoed]]
        ArticleTopic.objects.bulk_create(filed, batch_size=2_000)
    with connection.cursor() as cursor:
        for model in (Article, ArticleTopic):
            cursor.execute(f"ANALYZE {model._meta.db_table}")

    executed = []

    def capture(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        shown = selectors.StoryList(topic=topic.pk, now=now).cards(0, 20)
        # A section's page walks its own index the same way.
        assert selectors.StoryList(section=section.pk, now=now).cards(0, 20) == live[:80:4]
    assert [card.pk for card in shown] == [story.pk for story in live[:160:8]]
    plans = []
    with connection.cursor() as cursor:
        for sql, params in executed:
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert len(plans) == 2
    # Each index is walked until the page is full, never a scan or a sort of all the stories:
    # the topic's passes the 300 embargoed stories (filtered in the index) and the stories up to
    # its 20th (every 8th is filed under it), the section's its 20 newest. (An index-only scan
    # still reads the rows here, where no VACUUM has marked the new ones visible to all.)
    topic_plan, section_plan = plans
    walk = re.search(r"Index Only Scan using article_live_newest .*\(actual rows=(\d+) loops=1\)", topic_plan)
    assert walk and int(walk[1]) == 8 * 19 + 1, topic_plan
    assert "Rows Removed by Filter: 300" in topic_plan, topic_plan
    walk = re.search(
        r"Index (?:Only )?Scan using (?:article_live_section_pages|article_live_newest) .*"
        r"\(actual rows=(\d+) loops=1\)",
        section_plan,
    )
    assert walk and int(walk[1]) == 20, section_plan
    for plan in plans:
        assert "Seq Scan on articles_article" not in plan, plan


def _embargoed(section, *, now, count):
    """``count`` unsaved stories of ``section`` scheduled to go live 1, 2... hours after ``now``."""
    return [
        ArticleFactory.build(
            section=section,
            status=Article.Status.SCHEDULED,
            written_at=now + datetime.timedelta(hours=n),
            publish_at=now + datetime.timedelta(hours=n),
        )
        for n in range(1, count + 1)
    ]


@contextlib.contextmanager
def _sequences_kept(*models):
    """
    The models' id sequences as they were before the block: rows a test adds go with its
    transaction, but a sequence is not transactional, and every later test's ids would be
    above them (the stories' sitemap pages by id).
    """
    kept = []
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            [sequence] = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            kept.append((sequence, *cursor.fetchone()))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sequence, last_value, is_called in kept:
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
