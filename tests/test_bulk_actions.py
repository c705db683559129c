"""Workflow actions on the article list (articles/admin/bulk.py): one transition per row."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.admin import bulk
from articles.models import Article, WorkflowEvent
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
)

pytestmark = pytest.mark.django_db

Status = Article.Status
CHANGELIST = reverse("admin:articles_article_changelist")


@pytest.fixture
def editor():
    return EditorFactory(username="desk-editor")


def in_review(editor, **kwargs):
    article = ArticleFactory(**kwargs)
    return workflow.submit_for_review(article=article, user=editor)


def act(client, action, articles, follow=False, **data):
    """Post a list action for ``articles``, as the list's action bar (or its page of options) does."""
    return client.post(
        CHANGELIST,
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [a.pk for a in articles], **data},
        follow=follow,
    )


def outcomes(response):
    return {outcome.headline: outcome for outcome in response.context["outcomes"]}


def offered_actions(client):
    response = client.get(CHANGELIST)
    return [name for name, _ in response.context["action_form"].fields["action"].choices if name]


def events(article, action):
    return WorkflowEvent.objects.filter(article_id=article.pk, action=action)


# --- what the list offers ------------------------------------------------------------------------


def test_editor_is_offered_the_workflow_actions_and_no_django_delete(client, editor):
    client.force_login(editor)

    assert offered_actions(client) == [
        "submit_selected",
        "publish_selected",
        "publish_update_selected",
        "unpublish_selected",
        "reschedule_selected",
        "delete_through_workflow",
    ]


def test_reporter_is_offered_only_submit(client):
    client.force_login(ReporterFactory())

    assert offered_actions(client) == ["submit_selected"]


def test_reporter_posting_publish_anyway_changes_nothing(client, editor):
    story = in_review(editor)
    client.force_login(ReporterFactory())

    response = act(client, "publish_selected", [story])

    assert response.status_code == 302  # back to the list: "No action selected"
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert not events(story, "publish").exists()


# --- publish: each row its own transition, a refusal never half-applies -------------------------


def test_bulk_publish_publishes_each_row_and_lists_the_refused_one_with_its_reason(client, editor):
    first, second = in_review(editor, headline="Dam opens"), in_review(editor, headline="Port reopens")
    draft = ArticleFactory(headline="Still a draft")
    client.force_login(editor)

    response = act(client, "publish_selected", [first, second, draft])

    assert response.status_code == 200
    result = outcomes(response)
    assert result["Dam opens"].done and result["Port reopens"].done
    assert "Readers: Live" in result["Dam opens"].message
    refused = result["Still a draft"]
    assert not refused.done
    assert refused.message.startswith("Cannot publish: the article is Draft.")
    assert response.context["done_count"] == 2 and response.context["refused_count"] == 1
    assert "2 done, 1 refused" in response.content.decode()
    for story in (first, second):
        story.refresh_from_db()
        assert story.status == Status.PUBLISHED
        assert events(story, "publish").get().actor == editor
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not WorkflowEvent.objects.filter(article_id=draft.pk).exists()


def test_a_row_refused_by_its_own_check_is_left_exactly_as_it_was(client, editor):
    undescribed = PhotoFactory(alt_text="")
    blocked = in_review(editor, headline="Photo without alt text", lead_photo=undescribed)
    fine = in_review(editor, headline="Fine story")
    version = blocked.version
    client.force_login(editor)

    response = act(client, "publish_selected", [blocked, fine])

    refused = outcomes(response)["Photo without alt text"]
    assert not refused.done and "alt text" in refused.message
    blocked.refresh_from_db()
    assert (blocked.status, blocked.version, blocked.live_revision_id, blocked.written_at) == (
        Status.REVIEW,
        version,
        None,
        None,
    )
    assert not events(blocked, "publish").exists()
    fine.refresh_from_db()
    assert fine.status == Status.PUBLISHED


def test_bulk_publish_schedules_a_story_whose_embargo_is_ahead(client, editor):
    later = timezone.now() + timedelta(days=1)
    story = in_review(editor, headline="Embargoed", publish_at=later)
    client.force_login(editor)

    response = act(client, "publish_selected", [story])

    assert outcomes(response)["Embargoed"].done
    story.refresh_from_db()
    assert story.status == Status.SCHEDULED
    assert events(story, "schedule").exists()


def test_bulk_publish_update_publishes_pending_edits(client, editor):
    story = PublishedArticleFactory(headline="Live story")
    client.force_login(editor)

    response = act(client, "publish_update_selected", [story, ArticleFactory(headline="A draft")])

    result = outcomes(response)
    assert result["Live story"].done and not result["A draft"].done
    story.refresh_from_db()
    assert story.status == Status.UPDATED
    assert events(story, "publish_update").get().actor == editor


# --- submit -------------------------------------------------------------------------------------


def test_reporter_submits_their_own_draft_and_is_refused_anothers(client):
    reporter = ReporterFactory()
    own = ArticleFactory(headline="Mine", authors=[AuthorFactory(user=reporter)])
    other = ArticleFactory(headline="Someone else's")
    client.force_login(reporter)

    response = act(client, "submit_selected", [own, other])

    result = outcomes(response)
    assert result["Mine"].done
    assert not result["Someone else's"].done
    assert "permission" in result["Someone else's"].message
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, other.status) == (Status.REVIEW, Status.DRAFT)
    assert events(own, "submit").get().actor == reporter


# --- unpublish and reschedule ask first --------------------------------------------------------


def test_unpublish_asks_for_one_comment_before_changing_anything(client, editor):
    story = PublishedArticleFactory(headline="Wrong story")
    client.force_login(editor)

    asked = act(client, "unpublish_selected", [story])

    assert asked.status_code == 200
    assert [a.pk for a in asked.context["rows"]] == [story.pk]
    assert not asked.context["form"].errors
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED

    no_comment = act(client, "unpublish_selected", [story], apply="yes", comment="  ")
    assert no_comment.context["form"].errors["comment"]
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


def test_unpublish_with_its_comment_takes_every_story_down_with_an_event_each(client, editor):
    first, second = PublishedArticleFactory(headline="One"), PublishedArticleFactory(headline="Two")
    client.force_login(editor)

    response = act(client, "unpublish_selected", [first, second], apply="yes", comment="Legal asked")

    assert all(outcome.done for outcome in outcomes(response).values())
    for story in (first, second):
        story.refresh_from_db()
        assert story.status == Status.DRAFT
        assert events(story, "unpublish").get().comment == "Legal asked"


def test_reschedule_sets_a_take_down_time_and_keeps_each_storys_embargo(client, editor):
    live = PublishedArticleFactory(headline="Live")
    embargo = timezone.now() + timedelta(days=1)
    scheduled = workflow.publish(
        article=in_review(editor, headline="Scheduled", publish_at=embargo), user=editor
    )
    draft = ArticleFactory(headline="Draft")
    take_down = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    client.force_login(editor)

    response = act(
        client,
        "reschedule_selected",
        [live, scheduled, draft],
        apply="yes",
        comment="Campaign ends",
        expire_at_0=take_down.strftime("%Y-%m-%d"),
        expire_at_1=take_down.strftime("%H:%M:%S"),
    )

    result = outcomes(response)
    assert result["Live"].done and result["Scheduled"].done
    assert not result["Draft"].done
    live.refresh_from_db()
    scheduled.refresh_from_db()
    assert live.expire_at == scheduled.expire_at == take_down
    assert scheduled.publish_at == embargo and scheduled.status == Status.SCHEDULED
    assert "Campaign ends" in events(live, "reschedule").get().comment


def test_reschedule_without_any_new_time_asks_again(client, editor):
    story = PublishedArticleFactory()
    client.force_login(editor)

    response = act(client, "reschedule_selected", [story], apply="yes", comment="Why")

    assert response.context["form"].non_field_errors()
    assert not events(story, "reschedule").exists()


# --- delete keeps the integrity rules ------------------------------------------------------------


def test_bulk_delete_removes_only_stories_readers_never_saw_and_keeps_their_trail(client, editor):
    draft = ArticleFactory(headline="Never seen")
    live = PublishedArticleFactory(headline="Seen by readers")
    client.force_login(editor)

    confirm = act(client, "delete_through_workflow", [draft, live])
    assert confirm.status_code == 200 and Article.objects.filter(pk=draft.pk).exists()

    response = act(client, "delete_through_workflow", [draft, live], apply="yes", comment="Duplicate")

    result = outcomes(response)
    assert result["Never seen"].done and result["Never seen"].change_url == ""
    assert not result["Seen by readers"].done
    assert not Article.objects.filter(pk=draft.pk).exists()
    assert Article.objects.filter(pk=live.pk).exists()
    deleted = WorkflowEvent.objects.get(article_id=draft.pk, action="delete")
    assert (deleted.headline, deleted.comment, deleted.to_status) == (
        "Never seen",
        "Duplicate",
        WorkflowEvent.DELETED,
    )


def test_reporter_cannot_bulk_delete(client):
    reporter = ReporterFactory()
    own = ArticleFactory(authors=[AuthorFactory(user=reporter)])
    client.force_login(reporter)

    act(client, "delete_through_workflow", [own], apply="yes")

    assert Article.objects.filter(pk=own.pk).exists()


# --- bounds ----------------------------------------------------------------------------------------


def test_a_selection_over_the_limit_is_refused_before_anything_runs(client, editor, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ROWS", 2)
    stories = [in_review(editor) for _ in range(3)]
    client.force_login(editor)

    response = act(client, "publish_selected", stories, follow=True)

    assert "Select at most 2 stories" in response.content.decode()
    assert Article.objects.filter(status=Status.REVIEW).count() == 3


def test_the_question_page_costs_the_same_for_two_or_twenty_stories(client, editor):
    client.force_login(editor)
    few = [PublishedArticleFactory() for _ in range(2)]
    many = few + [PublishedArticleFactory() for _ in range(18)]
    act(client, "unpublish_selected", few)  # warm the session and permission caches

    with CaptureQueriesContext(connection) as for_few:
        act(client, "unpublish_selected", few)
    with CaptureQueriesContext(connection) as for_many:
        act(client, "unpublish_selected", many)

    assert len(for_many) == len(for_few)


def test_a_database_failure_on_one_row_is_listed_and_the_rows_done_stay_done(client, editor, monkeypatch):
    first, failing = in_review(editor, headline="Goes through"), in_review(editor, headline="Hits a failure")
    take = workflow.take

    def take_failing_once(name, *, article, **kwargs):
        if article.pk == failing.pk:
            raise DatabaseError("connection lost")
        return take(name, article=article, **kwargs)

    monkeypatch.setattr(workflow, "take", take_failing_once)
    client.force_login(editor)

    response = act(client, "publish_selected", [first, failing])

    assert response.status_code == 200
    result = outcomes(response)
    assert result["Goes through"].done
    assert result["Hits a failure"].message == bulk.DATABASE_FAILED
    first.refresh_from_db()
    failing.refresh_from_db()
    assert (first.status, failing.status) == (Status.PUBLISHED, Status.REVIEW)
