import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from articles import revisions, workflow
from articles.models import Article, ArticleRevision, WorkflowEvent
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
    assert (article.events.last().action, article.events.last().comment) == ("publish_correction", "Typo.")


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
        (
            [],
            "publish",
            "Cannot publish: the article is Draft. Allowed from Draft: Submit for review, Delete.",
        ),
        (
            [],
            "publish_update",
            "Cannot publish update: the article is Draft. Allowed from Draft: Submit for review, Delete.",
        ),
        (
            [],
            "return",
            "Cannot return to reporter: the article is Draft. Allowed from Draft: Submit for review, Delete.",
        ),
        (
            [],
            "unpublish",
            "Cannot unpublish: the article is Draft. Allowed from Draft: Submit for review, Delete.",
        ),
        (
            ["submit"],
            "submit",
            "Cannot submit for review: the article is In review. "
            "Allowed from In review: Return to reporter, Publish, Delete.",
        ),
        (
            ["submit", "publish"],
            "publish",
            "Cannot publish: the article is Published. "
            "Allowed from Published: Publish update, Publish minor correction, Reschedule, Unpublish.",
        ),
        (
            ["submit", "publish"],
            "submit",
            "Cannot submit for review: the article is Published. "
            ""
            "Allowed from Published: Publish update, Publish minor correction, Reschedule, Unpublish.",
        ),
        (
            ["submit", "publish", "publish_update"],
            "publish",
            "Cannot publish: the article is Updated. "
            "Allowed from Updated: Publish update, Publish minor correction, Reschedule, Unpublish.",
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
    assert names(own_draft, editor) == ["submit", "delete"]
    article = in_review(own_draft, reporter)
    assert names(article, reporter) == []
    assert names(article, editor) == ["return", "publish", "delete"]
    article = workflow.publish(article=article, user=editor)
    assert names(article, reporter) == []
    assert names(article, editor) == ["publish_update", "publish_correction", "reschedule", "unpublish"]


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
        "Cannot publish: the article is Published. "
        "Allowed from Published: Publish update, Publish minor correction, Reschedule, Unpublish.",
        "published",
    ]
    assert WorkflowEvent.objects.filter(article=article, to_status="published").count() == 1


# --- the role × transition × state matrix ----------------------------------------------------
# Written out by hand, not derived from the table: a change to who may do what must show here.

EDITOR_MAY = {
    Status.DRAFT: {"submit", "delete"},
    Status.REVIEW: {"return", "publish", "delete"},
    Status.SCHEDULED: {"publish_update", "reschedule", "lift_embargo", "unpublish"},
    Status.PUBLISHED: {"publish_update", "publish_correction", "reschedule", "unpublish"},
    Status.UPDATED: {"publish_update", "publish_correction", "reschedule", "unpublish"},
}
REPORTER_MAY = {Status.DRAFT: {"submit"}}
PERSON_TRANSITIONS = [
    "submit",
    "submit_update",
    "return",
    "return_update",
    "publish",
    "schedule",
    "publish_update",
    "publish_correction",
    "reschedule",
    "lift_embargo",
    "unpublish",
    "delete",
    "go_live",
    "expire",
]


def story_in(status, author):
    """An article of ``author``'s in ``status``, taken there through the workflow by an editor."""
    desk = EditorFactory()
    embargo = timezone.now() + timedelta(days=1) if status == Status.SCHEDULED else None
    article = ArticleFactory(authors=[author], publish_at=embargo)
    if status == Status.DRAFT:
        return article
    article = workflow.submit_for_review(article=article, user=desk)
    if status == Status.REVIEW:
        return article
    article = workflow.publish(article=article, user=desk)
    if status == Status.UPDATED:
        article = workflow.publish_update(article=article, user=desk)
    assert article.status == status
    return article


def options_for(name, article):
    options = {"comment": "Because the desk says so."}
    if name == "reschedule":
        later = timezone.now() + timedelta(days=3)
        is_scheduled = article.status == Status.SCHEDULED
        options.update(
            publish_at=later if is_scheduled else article.publish_at, expire_at=later + timedelta(1)
        )
    return options


def row_state(article):
    row = Article.objects.filter(pk=article.pk).values().first()
    return row, article.events.count(), article.revisions.count()


@pytest.mark.parametrize("status", list(EDITOR_MAY))
@pytest.mark.parametrize("role", ["reporter", "editor", "chief"])
@pytest.mark.parametrize("name", PERSON_TRANSITIONS)
def test_role_transition_state_matrix(role, status, name):
    reporter = ReporterFactory()
    user = {"reporter": reporter, "editor": EditorFactory(), "chief": ChiefEditorFactory()}[role]
    article = story_in(status, AuthorFactory(user=reporter))
    allowed = (REPORTER_MAY if role == "reporter" else EDITOR_MAY).get(status, set())
    before = row_state(article)

    if name in allowed:
        workflow.take(name, article=article, user=user, **options_for(name, article))
        assert row_state(article) != before
    else:
        with pytest.raises(workflow.TransitionError):
            workflow.take(name, article=article, user=user, **options_for(name, article))
        assert row_state(article) == before


def test_available_transitions_agree_with_the_matrix():
    reporter = ReporterFactory()
    editor = EditorFactory()
    byline = AuthorFactory(user=reporter)
    for status, expected in EDITOR_MAY.items():
        article = story_in(status, byline)
        assert {t.name for t in workflow.available_transitions(article=article, user=editor)} == expected
        mine = {t.name for t in workflow.available_transitions(article=article, user=reporter)}
        assert mine == REPORTER_MAY.get(status, set())


# --- what the table derives ----------------------------------------------------------------


def test_targets_come_from_the_table():
    table = workflow.TRANSITIONS
    assert table["publish"].target(Status.REVIEW) == Status.PUBLISHED
    assert table["schedule"].target(Status.REVIEW) == Status.SCHEDULED
    assert table["publish_update"].target(Status.SCHEDULED) == Status.SCHEDULED
    assert table["publish_update"].target(Status.PUBLISHED) == Status.UPDATED
    assert table["publish_correction"].target(Status.PUBLISHED) == Status.PUBLISHED


@pytest.mark.parametrize(
    ("name", "affects"),
    [
        ("submit", False),
        ("return", False),
        ("submit_update", False),
        ("return_update", False),
        ("delete", False),
        ("publish", True),
        ("schedule", True),
        ("publish_update", True),
        ("publish_correction", True),
        ("reschedule", True),
        ("lift_embargo", True),
        ("unpublish", True),
        ("go_live", True),
        ("expire", True),
    ],
)
def test_what_touches_readers_is_derived_from_the_table(name, affects):
    assert workflow.TRANSITIONS[name].affects_readers is affects


def test_publish_with_a_future_embargo_is_offered_as_schedule(editor):
    article = ArticleFactory(publish_at=timezone.now() + timedelta(hours=1))
    article = workflow.submit_for_review(article=article, user=editor)

    names = [t.name for t in workflow.available_transitions(article=article, user=editor)]

    assert "schedule" in names and "publish" not in names
    with pytest.raises(
        workflow.TransitionError, match="Allowed from In review: Return to reporter, Schedule"
    ):
        workflow.take("publish", article=article, user=editor)


# --- Reschedule and Publish now ---------------------------------------------------------------


def test_editor_embargo_on_a_live_story_is_refused_and_the_story_stays_up(editor):
    article = PublishedArticleFactory()
    before = row_state(article)

    with pytest.raises(workflow.TransitionError, match="already live") as refused:
        workflow.reschedule(
            article=article,
            user=editor,
            publish_at=timezone.now() + timedelta(days=1),
            expire_at=None,
            comment="Hold it back.",
        )

    assert refused.value.field == "publish_at"
    assert row_state(article) == before
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_reporter_cannot_reschedule_their_own_live_story(reporter):
    article = PublishedArticleFactory(authors=[AuthorFactory(user=reporter)])

    with pytest.raises(workflow.TransitionError, match="permission"):
        workflow.reschedule(
            article=article,
            user=reporter,
            publish_at=article.publish_at,
            expire_at=timezone.now() - timedelta(minutes=1),
            comment="Take it down.",
        )

    assert Article.objects.published().filter(pk=article.pk).exists()


def test_take_down_time_must_be_in_the_future(editor):
    article = PublishedArticleFactory()

    with pytest.raises(workflow.TransitionError, match="unpublish it") as refused:
        workflow.reschedule(
            article=article,
            user=editor,
            publish_at=None,
            expire_at=timezone.now() - timedelta(minutes=1),
            comment="Down.",
        )

    assert refused.value.field == "expire_at"


def test_reschedule_sets_a_take_down_time_with_an_audit_event(editor):
    article = PublishedArticleFactory()
    down_at = timezone.now() + timedelta(hours=6)

    article = workflow.reschedule(
        article=article, user=editor, publish_at=None, expire_at=down_at, comment="Rights expire."
    )

    assert article.expire_at == down_at
    assert article.status == Status.PUBLISHED
    event = article.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "reschedule",
        editor,
        "published",
        "published",
    )
    assert event.comment.startswith("Rights expire. (take-down none → ")


def test_reschedule_needs_a_reason(editor):
    article = PublishedArticleFactory()

    with pytest.raises(workflow.TransitionError, match="needs a comment"):
        workflow.reschedule(
            article=article, user=editor, publish_at=None, expire_at=timezone.now() + timedelta(1), comment=""
        )


def test_clearing_a_scheduled_storys_embargo_is_refused_with_a_field_error(editor):
    article = story_in(Status.SCHEDULED, AuthorFactory())

    with pytest.raises(workflow.TransitionError, match="Publish now") as refused:
        workflow.reschedule(article=article, user=editor, publish_at=None, expire_at=None, comment="Now.")

    assert refused.value.field == "publish_at"
    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED


def test_moving_an_embargo_moves_the_written_time(editor):
    article = story_in(Status.SCHEDULED, AuthorFactory())
    later = article.publish_at + timedelta(hours=5)

    article = workflow.reschedule(
        article=article, user=editor, publish_at=later, expire_at=None, comment="Later."
    )

    assert (article.status, article.publish_at, article.written_at) == (Status.SCHEDULED, later, later)


def test_publish_now_lifts_the_embargo(editor):
    article = story_in(Status.SCHEDULED, AuthorFactory())

    article = workflow.lift_embargo(article=article, user=editor, comment="The news broke elsewhere.")

    assert article.status == Status.PUBLISHED
    assert article.publish_at is None
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert article.events.last().action == "lift_embargo"


def test_publishing_refuses_a_take_down_time_already_passed(editor):
    article = ArticleFactory(expire_at=timezone.now() - timedelta(minutes=5))
    article = workflow.submit_for_review(article=article, user=editor)

    with pytest.raises(workflow.TransitionError, match="take-down time") as refused:
        workflow.publish(article=article, user=editor)

    assert refused.value.field == "expire_at"
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW


def test_embargo_set_in_the_draft_is_part_of_the_approved_revision(editor, reporter, own_draft):
    embargo = timezone.now() + timedelta(days=2)
    revisions.save_edit(
        article=own_draft,
        content={**revisions.content_of(own_draft), "publish_at": embargo.isoformat()},
        user=reporter,
        base_version=own_draft.version,
    )
    article = workflow.submit_for_review(article=Article.objects.get(pk=own_draft.pk), user=reporter)

    article = workflow.publish(article=article, user=editor, revision=article.latest_revision.number)

    assert (article.status, article.publish_at) == (Status.SCHEDULED, embargo)
    assert article.live_revision.content["publish_at"] == embargo.isoformat()


def test_publishing_an_update_never_changes_the_schedule(editor):
    article = PublishedArticleFactory()
    down_at = timezone.now() + timedelta(hours=6)
    article = workflow.reschedule(
        article=article, user=editor, publish_at=None, expire_at=down_at, comment="x"
    )
    stale = {**revisions.content_of(article), "headline": "New headline", "expire_at": None}
    revisions.save_edit(article=article, content=stale, user=editor, base_version=article.version)

    article = workflow.publish_update(article=Article.objects.get(pk=article.pk), user=editor)

    assert (article.headline, article.expire_at) == ("New headline", down_at)


# --- deleting: only what readers never saw, and the trail stays --------------------------------


def test_deleting_a_story_in_review_keeps_its_trail(editor, reporter, own_draft):
    content = {**revisions.content_of(own_draft), "summary": "Edited."}
    revisions.save_edit(article=own_draft, content=content, user=reporter, base_version=own_draft.version)
    article = workflow.submit_for_review(article=Article.objects.get(pk=own_draft.pk), user=reporter)
    pk, headline = article.pk, article.headline

    workflow.delete(article=article, user=editor)

    assert not Article.objects.filter(pk=pk).exists()
    events = WorkflowEvent.objects.filter(article_id=pk).order_by("pk")
    assert [(e.action, e.headline) for e in events] == [("submit", headline), ("delete", headline)]
    assert events.last().to_status == WorkflowEvent.DELETED
    assert events.last().actor == editor
    assert events.last().article_or_none is None
    assert ArticleRevision.objects.filter(article_id=pk).exists()


def test_a_story_that_was_ever_live_cannot_be_deleted(editor):
    article = PublishedArticleFactory()
    article = workflow.unpublish(article=article, user=editor, comment="Withdrawn.")

    with pytest.raises(workflow.TransitionError, match="Cannot delete"):
        workflow.delete(article=article, user=editor)

    assert Article.objects.filter(pk=article.pk).exists()


def test_deleting_a_story_removes_links_to_it(editor):
    draft = ArticleFactory()
    other = PublishedArticleFactory(related_articles=[draft])

    workflow.delete(article=draft, user=editor)

    assert list(other.related_links.all()) == []
