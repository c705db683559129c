"""Embargo and take-down: exact at the boundary, with an injected clock, whether or not cron ran."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command

from articles import workflow
from articles.models import Article, EditorsPick
from tests.factories import ArticleFactory, EditorFactory, EditorsPickFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db

Status = Article.Status
EMBARGO = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BEFORE = EMBARGO - timedelta(microseconds=1)


@pytest.fixture
def editor():
    return EditorFactory()


def scheduled_story(editor, *, publish_at=EMBARGO, expire_at=None, **kwargs):
    article = ArticleFactory(publish_at=publish_at, expire_at=expire_at, **kwargs)
    workflow.submit_for_review(article=article, user=editor)
    return workflow.publish(article=article, user=editor, now=publish_at - timedelta(hours=2))


def test_publishing_with_a_future_embargo_schedules_the_story(editor):
    article = scheduled_story(editor)

    assert article.status == Status.SCHEDULED
    assert article.written_at == EMBARGO
    assert article.events.get(action="schedule").to_status == Status.SCHEDULED


def test_embargoed_story_is_invisible_until_the_exact_second(editor):
    article = scheduled_story(editor)

    assert not Article.objects.published(now=BEFORE).filter(pk=article.pk).exists()
    assert Article.objects.published(now=EMBARGO).filter(pk=article.pk).exists()


def test_story_goes_live_on_time_even_if_cron_is_late(editor):
    article = scheduled_story(editor)

    # No publish_scheduled run at all: the reader query alone decides.
    with mock.patch("django.utils.timezone.now", return_value=EMBARGO + timedelta(minutes=7)):
        assert Article.objects.published().filter(pk=article.pk).exists()
        assert Article.objects.get(pk=article.pk).is_published
    with mock.patch("django.utils.timezone.now", return_value=BEFORE):
        assert not Article.objects.published().filter(pk=article.pk).exists()
        assert not Article.objects.get(pk=article.pk).is_published


def test_publish_scheduled_is_idempotent(editor):
    article = scheduled_story(editor)

    with mock.patch("django.utils.timezone.now", return_value=BEFORE):
        call_command("publish_scheduled")
    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED

    with mock.patch("django.utils.timezone.now", return_value=EMBARGO):
        call_command("publish_scheduled")
        call_command("publish_scheduled")

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.written_at == EMBARGO
    went_live = article.events.filter(action="go_live")
    assert went_live.count() == 1
    assert went_live.get().actor is None


def test_expiry_takes_the_story_down_at_the_exact_second(editor):
    expire_at = EMBARGO + timedelta(days=1)
    article = scheduled_story(editor, expire_at=expire_at)

    assert Article.objects.published(now=expire_at - timedelta(microseconds=1)).filter(pk=article.pk).exists()
    assert not Article.objects.published(now=expire_at).filter(pk=article.pk).exists()

    with mock.patch("django.utils.timezone.now", return_value=expire_at):
        call_command("publish_scheduled")
        call_command("publish_scheduled")
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.written_at == EMBARGO  # it was public: its address now answers 410
    assert article.events.filter(action="expire").count() == 1


def test_embargoed_story_is_not_picked_or_related_before_its_time(editor):
    article = scheduled_story(editor)
    pick = EditorsPick.objects.create(article=article, position=0)

    assert not EditorsPick.objects.showing(now=BEFORE).filter(pk=pick.pk).exists()
    with mock.patch("django.utils.timezone.now", return_value=EMBARGO):
        assert EditorsPick.objects.showing(now=EMBARGO).filter(pk=pick.pk).exists()


def test_unpublishing_a_scheduled_story_before_its_time_leaves_no_public_trace(editor):
    article = scheduled_story(editor, publish_at=datetime(2999, 1, 1, tzinfo=UTC))

    article = workflow.unpublish(article=article, user=editor, comment="Embargo broken elsewhere.")

    assert article.status == Status.DRAFT
    assert article.written_at is None


def test_expired_pick_drops_out_automatically():
    now = datetime(2026, 5, 1, tzinfo=UTC)
    pick = EditorsPickFactory(starts_at=now - timedelta(hours=1), ends_at=now)

    assert EditorsPick.objects.showing(now=now - timedelta(seconds=1)).filter(pk=pick.pk).exists()
    assert not EditorsPick.objects.showing(now=now).filter(pk=pick.pk).exists()


def test_take_down_must_follow_embargo():
    from django.core.exceptions import ValidationError

    article = ArticleFactory.build(publish_at=EMBARGO, expire_at=EMBARGO)

    with pytest.raises(ValidationError, match="take-down time must be after the embargo"):
        article.clean()


def test_live_story_past_take_down_time_is_hidden_before_cron():
    article = PublishedArticleFactory()
    Article.objects.filter(pk=article.pk).update(expire_at=datetime(2020, 1, 1, tzinfo=UTC))

    assert not Article.objects.published().filter(pk=article.pk).exists()
