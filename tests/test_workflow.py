import threading
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from articles import workflow
from articles.models import Article, WorkflowEvent
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ChiefEditorFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def reporter():
    return ReporterFactory()


@pytest.fixture
def editor():
    return EditorFactory()


@pytest.fixture
def own_draft(reporter):
    return ArticleFactory(authors=[AuthorFactory(user=reporter)])


def in_review(article, user):
    return workflow.submit_for_review(article=article, user=user)


def events_of(article):
    return list(article.events.values_list("from_status", "to_status"))


# --- allowed transitions, per role ---------------------------------------------------------


def test_reporter_submits_own_draft(reporter, own_draft):
    article = workflow.submit_for_review(article=own_draft, user=reporter)

    assert article.status == Status.REVIEW
    event = article.events.get()
    assert (event.actor, event.from_status, event.to_status) == (reporter, "draft", "review")


def test_reporter_who_created_an_unbylined_draft_may_submit_it(reporter):
    article = ArticleFactory(created_by=reporter)

    assert workflow.submit_for_review(article=article, user=reporter).status == Status.REVIEW


@pytest.mark.parametrize("factory", [EditorFactory, ChiefEditorFactory])
def test_editors_submit_any_draft(factory):
    article = workflow.submit_for_review(article=ArticleFactory(), user=factory())

    assert article.status == Status.REVIEW


@pytest.mark.parametrize("factory", [EditorFactory, ChiefEditorFactory])
def test_editor_returns_story_to_reporter_with_comment(factory, reporter, own_draft):
    article = in_review(own_draft, reporter)

    article = workflow.return_to_reporter(article=article, user=factory(), comment="Check the figures.")

    assert article.status == Status.DRAFT
    assert article.events.last().comment == "Check the figures."


@pytest.mark.parametrize("factory", [EditorFactory, ChiefEditorFactory])
def test_editor_publishes_and_stamps_written_at(factory, reporter, own_draft):
    article = in_review(own_draft, reporter)
    before = timezone.now()

    article = workflow.publish(article=article, user=factory())

    assert article.status == Status.PUBLISHED
    assert article.written_at >= before
    assert article.updated_at is None
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_update_stamps_updated_at_and_keeps_written_at(editor):
    article = PublishedArticleFactory()
    written_at = article.written_at

    article = workflow.publish_update(article=article, user=editor, comment="New figures.")

    assert article.status == Status.UPDATED
    assert article.written_at == written_at
    assert article.updated_at > written_at
    assert events_of(article)[-1] == ("published", "updated")


def test_updated_story_can_be_updated_again(editor):
    article = workflow.publish_update(article=PublishedArticleFactory(), user=editor)
    first_update = article.updated_at

    article = workflow.publish_update(article=article, user=editor)

    assert article.status == Status.UPDATED
    assert article.updated_at > first_update


def test_minor_correction_does_not_move_updated_at(editor):
    article = workflow.publish_update(article=PublishedArticleFactory(), user=editor)
    updated_at = article.updated_at

    article = workflow.publish_update(article=article, user=editor, minor=True, comment="Typo.")

    assert article.updated_at == updated_at
    assert article.events.last().comment == "[minor correction] Typo."


def test_minor_correction_of_never_updated_story_stays_published(editor):
    article = workflow.publish_update(article=PublishedArticleFactory(), user=editor, minor=True)

    assert article.status == Status.PUBLISHED
    assert article.updated_at is None


@pytest.mark.parametrize("updated_first", [False, True])
def test_editor_unpublishes_with_reason(editor, updated_first):
    article = PublishedArticleFactory()
    if updated_first:
        article = workflow.publish_update(article=article, user=editor)

    article = workflow.unpublish(article=article, user=editor, comment="Legal hold.")

    assert article.status == Status.DRAFT
    assert article.written_at is not None  # it was public once: its URL now answers 410
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert article.events.last().comment == "Legal hold."


def test_republishing_keeps_first_publication_time(editor):
    article = PublishedArticleFactory()
    written_at = article.written_at
    article = workflow.unpublish(article=article, user=editor, comment="Hold.")
    article = in_review(article, editor)

    article = workflow.publish(article=article, user=editor)

    assert article.written_at == written_at


def test_each_transition_bumps_the_version(editor):
    article = ArticleFactory()
    version = article.version

    article = in_review(article, editor)

    assert article.version == version + 1


# --- refused transitions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_path", "name", "message"),
    [
        ([], "publish", "Cannot publish: the article is Draft. Allowed from Draft: Submit for review."),
        (
            [],
            "publish_update",
            "Cannot publish update: the article is Draft. Allowed from Draft: Submit for review.",
        ),
        (
            [],
            "return",
            "Cannot return to reporter: the article is Draft. Allowed from Draft: Submit for review.",
        ),
        ([], "unpublish", "Cannot unpublish: the article is Draft. Allowed from Draft: Submit for review."),
        (
            ["submit"],
            "submit",
            "Cannot submit for review: the article is In review. "
            "Allowed from In review: Return to reporter, Publish.",
        ),
        (
            ["submit", "publish"],
            "publish",
            "Cannot publish: the article is Published. Allowed from Published: Publish update, Unpublish.",
        ),
        (
            ["submit", "publish"],
            "submit",
            "Cannot submit for review: the article is Published. "
            "Allowed from Published: Publish update, Unpublish.",
        ),
        (
            ["submit", "publish", "publish_update"],
            "publish",
            "Cannot publish: the article is Updated. Allowed from Updated: Publish update, Unpublish.",
        ),
    ],
)
def test_wrong_state_is_refused_naming_state_and_allowed_transitions(editor, status_path, name, message):
    article = ArticleFactory()
    for step in status_path:
        article = workflow.apply_transition(article=article, user=editor, name=step)
    events_before = WorkflowEvent.objects.count()

    with pytest.raises(workflow.TransitionError) as refused:
        workflow.apply_transition(article=article, user=editor, name=name, comment="A comment.")

    assert str(refused.value) == message
    assert WorkflowEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("setup", "name"),
    [
        (["submit"], "publish"),
        (["submit"], "return"),
        (["submit", "publish"], "publish_update"),
        (["submit", "publish"], "unpublish"),
    ],
)
def test_reporter_may_not_take_editor_transitions(reporter, own_draft, editor, setup, name):
    article = own_draft
    for step in setup:
        article = workflow.apply_transition(article=article, user=editor, name=step)

    with pytest.raises(workflow.TransitionError) as refused:
        workflow.apply_transition(article=article, user=reporter, name=name, comment="Please.")

    label = workflow.TRANSITIONS[name].label.lower()
    assert str(refused.value) == f"You do not have permission to {label} this article."
    assert Article.objects.get(pk=article.pk).status == article.status


def test_reporter_may_not_submit_someone_elses_draft(reporter):
    others = ArticleFactory(authors=[AuthorFactory(user=ReporterFactory())])

    with pytest.raises(workflow.TransitionError, match="You do not have permission to submit for review"):
        workflow.submit_for_review(article=others, user=reporter)


def test_user_without_a_role_may_not_submit():
    article = ArticleFactory(created_by=(user := UserFactory()))
    user.is_active = False
    user.save()

    with pytest.raises(workflow.TransitionError, match="permission"):
        workflow.submit_for_review(article=article, user=user)


@pytest.mark.parametrize("comment", ["", "   "])
def test_return_needs_a_comment(editor, own_draft, reporter, comment):
    article = in_review(own_draft, reporter)

    with pytest.raises(workflow.TransitionError) as refused:
        workflow.return_to_reporter(article=article, user=editor, comment=comment)

    assert str(refused.value) == "Return to reporter needs a comment: what needs changing."
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW


def test_unpublish_needs_a_reason(editor):
    article = PublishedArticleFactory()

    with pytest.raises(workflow.TransitionError) as refused:
        workflow.unpublish(article=article, user=editor, comment="")

    assert str(refused.value) == "Unpublish needs a comment: reason for unpublishing."
    assert Article.objects.get(pk=article.pk).is_published


def test_unknown_transition_is_refused(editor):
    with pytest.raises(workflow.TransitionError, match="Unknown action 'archive'"):
        workflow.apply_transition(article=ArticleFactory(), user=editor, name="archive")


def test_state_is_read_from_the_database_not_the_callers_copy(editor):
    article = ArticleFactory()
    stale_copy = Article.objects.get(pk=article.pk)
    in_review(article, editor)
    workflow.publish(article=article, user=editor)

    with pytest.raises(workflow.TransitionError, match="the article is Published"):
        workflow.publish(article=stale_copy, user=editor)


# --- available transitions (the admin's buttons) -------------------------------------------


def test_available_transitions_per_role(reporter, own_draft, editor):
    def names(article, user):
        return [t.name for t in workflow.available_transitions(article=article, user=user)]

    assert names(own_draft, reporter) == ["submit"]
    assert names(own_draft, editor) == ["submit"]
    article = in_review(own_draft, reporter)
    assert names(article, reporter) == []
    assert names(article, editor) == ["return", "publish"]
    article = workflow.publish(article=article, user=editor)
    assert names(article, reporter) == []
    assert names(article, editor) == ["publish_update", "unpublish"]


# --- atomicity -----------------------------------------------------------------------------


def test_failure_part_way_leaves_neither_state_change_nor_event(editor):
    article = in_review(ArticleFactory(), editor)
    events_before = WorkflowEvent.objects.count()

    with (
        mock.patch.object(WorkflowEvent.objects, "create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        workflow.publish(article=article, user=editor)

    article.refresh_from_db()
    assert article.status == Status.REVIEW
    assert article.written_at is None
    assert WorkflowEvent.objects.count() == events_before


# --- the published() rule --------------------------------------------------------------------


def test_only_published_and_updated_articles_are_published(editor):
    draft = ArticleFactory()
    review = in_review(ArticleFactory(), editor)
    published = PublishedArticleFactory()
    updated = workflow.publish_update(article=PublishedArticleFactory(), user=editor)
    unpublished = workflow.unpublish(article=PublishedArticleFactory(), user=editor, comment="Gone.")

    visible = set(Article.objects.published())

    assert visible == {published, updated}
    assert not {draft, review, unpublished} & visible


# --- concurrency (PostgreSQL: real row locks) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locking needs PostgreSQL (CI runs this on it)"
)
def test_two_concurrent_publish_calls_give_one_published_event():
    editor = EditorFactory()
    article = in_review(ArticleFactory(), editor)
    barrier = threading.Barrier(2)
    outcomes = []

    def press_publish():
        try:
            barrier.wait()
            workflow.publish(article=article, user=editor)
            outcomes.append("published")
        except workflow.TransitionError as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press_publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [
        "Cannot publish: the article is Published. Allowed from Published: Publish update, Unpublish.",
        "published",
    ]
    assert WorkflowEvent.objects.filter(article=article, to_status="published").count() == 1
