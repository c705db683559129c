"""
Which tags a Related News block carries (``cachetags.for_related_news``), and which a story's
change moves (``cachetags.visibility_changed``): the two sides must meet, and no more pages than
could show the change must render again.
"""

import datetime

import pytest
from django.utils import timezone

import pagecache
from articles import cachetags, selectors, workflow
from articles.models import Article
from pagecache.models import PendingPurge
from tests.factories import ArticleFactory, EditorFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)
LIMIT = selectors.RELATED_NEWS_COUNT


def at(days):
    return START + datetime.timedelta(days=days)


def block_tags(story):
    shown = selectors.related_news(article=story)
    return cachetags.for_related_news(story, shown=shown, limit=LIMIT)


def moved_by(story, captured):
    """The tags ``visibility_changed`` purges for ``story``, as its transition would."""
    with captured(execute=False) as callbacks:
        cachetags.visibility_changed(article_pk=story.pk, section_pks={story.section_id})
    assert len(callbacks) == 1
    return set(PendingPurge.objects.latest("pk").tags)


def test_a_full_block_carries_the_days_its_fill_spans_not_its_section():
    section = SectionFactory()
    for day in range(LIMIT):
        PublishedArticleFactory(section=section, written_at=at(day))
    story = PublishedArticleFactory(section=section, written_at=at(LIMIT + 1))

    tags = block_tags(story)

    assert cachetags.section(section.pk) not in tags
    days = {tag for tag in tags if tag.startswith(f"section:{section.pk}:")}
    assert days == {cachetags.section_day(section.pk, at(n).date()) for n in range(LIMIT + 2)}


def test_a_block_short_of_stories_or_spanning_months_carries_its_section():
    section = SectionFactory()
    PublishedArticleFactory(section=section, written_at=at(0))
    short = PublishedArticleFactory(section=section, written_at=at(1))
    for day in range(2, LIMIT + 1):
        PublishedArticleFactory(section=section, written_at=at(day))
    spanning = PublishedArticleFactory(section=section, written_at=at(200))

    assert cachetags.section(section.pk) in block_tags(short)
    assert cachetags.section(section.pk) in block_tags(spanning)


def test_a_block_of_manual_links_only_depends_on_no_day():
    section, elsewhere = SectionFactory(), SectionFactory()
    links = [PublishedArticleFactory(section=elsewhere, written_at=at(day)) for day in range(LIMIT)]
    story = PublishedArticleFactory(section=section, written_at=at(50), related_articles=links)

    tags = block_tags(story)

    assert not any(tag.startswith(f"section:{section.pk}") for tag in tags)
    assert {cachetags.article(link.pk) for link in links} <= tags


def test_a_change_moves_the_day_of_the_story_and_the_stories_linking_it(django_capture_on_commit_callbacks):
    section = SectionFactory()
    story = PublishedArticleFactory(section=section, written_at=at(3))
    linking = PublishedArticleFactory(section=SectionFactory(), related_articles=[story])
    draft = ArticleFactory(section=section)

    moved = moved_by(story, django_capture_on_commit_callbacks)

    assert cachetags.section_day(section.pk, at(3).date()) in moved
    assert cachetags.article(linking.pk) in moved
    assert {cachetags.LISTING, cachetags.article(story.pk), cachetags.section(section.pk)} <= moved
    never_published = moved_by(draft, django_capture_on_commit_callbacks)
    assert not any(tag.startswith(f"section:{section.pk}:") for tag in never_published)


def test_what_a_change_moves_meets_the_block_that_could_show_it(django_capture_on_commit_callbacks):
    section = SectionFactory()
    earlier = [PublishedArticleFactory(section=section, written_at=at(day)) for day in range(LIMIT)]
    story = PublishedArticleFactory(section=section, written_at=at(LIMIT + 1))

    assert moved_by(earlier[-1], django_capture_on_commit_callbacks) & block_tags(story)


def purged_by(change, captured):
    """The tags the purge ``change`` records moves (its transaction's callbacks not run)."""
    before = PendingPurge.objects.order_by("pk").last()
    with captured(execute=False):
        change()
    recorded = PendingPurge.objects.filter(pk__gt=before.pk if before else 0)
    return set().union(*recorded.values_list("tags", flat=True))


def test_only_a_schedule_change_has_the_next_scheduled_change_asked_again(django_capture_on_commit_callbacks):
    editor = EditorFactory()
    story = PublishedArticleFactory()  # live, its status now "published"
    later = timezone.now() + datetime.timedelta(days=2)

    def take_down_later():
        workflow.reschedule(
            article=story, user=editor, publish_at=story.publish_at, expire_at=later, comment="Until Friday."
        )

    def update():
        workflow.publish_update(article=Article.objects.get(pk=story.pk), user=editor)

    rescheduled = purged_by(take_down_later, django_capture_on_commit_callbacks)
    first_update = purged_by(update, django_capture_on_commit_callbacks)  # "published" to "updated"
    second_update = purged_by(update, django_capture_on_commit_callbacks)  # "updated" stays

    assert pagecache.SCHEDULES in rescheduled
    assert pagecache.SCHEDULES in first_update
    assert pagecache.SCHEDULES not in second_update
    assert cachetags.article(story.pk) in second_update
    assert pagecache.SCHEDULES in purged_by(cachetags.picks_changed, django_capture_on_commit_callbacks)
