"""
The table of transitions: the single source of truth for who may move a story from which state
to which. Each transition maps every state it starts from to the state it ends in, so targets,
scheduled included, are read here and nowhere else; what touches readers is derived from it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from articles.models import Article, WorkflowEvent
from articles.permissions import can_submit_article, is_editor

Status = Article.Status
LIVE = tuple(Status.live())
DELETED = WorkflowEvent.DELETED


def _editor(user, article):
    return user is not None and is_editor(user)


def _author_or_editor(user, article):
    return user is not None and can_submit_article(user, article)


def _editor_who_deletes(user, article):
    return _editor(user, article) and user.has_perm("articles.delete_article")


def _clock(user, article):
    """Transitions only the clock takes (``publish_scheduled``, scheduled tasks), never a person."""
    return user is None


def _always(article, now):
    return True


def _embargoed(article, now):
    return article.publish_at is not None and article.publish_at > now


def _not_embargoed(article, now):
    return not _embargoed(article, now)


def _embargo_due(article, now):
    return article.publish_at is not None and article.publish_at <= now


def _take_down_due(article, now):
    return article.expire_at is not None and article.expire_at <= now


def _has_pending_edit(article, now):
    return article.has_unpublished_changes and article.submitted_revision_id != article.latest_revision_id


def _has_pending_review(article, now):
    return article.has_unpublished_changes and article.submitted_revision_id is not None


def _never_seen_by_readers(article, now):
    # Unpublishing a story before its embargo clears written_at; once readers saw it, it stays.
    return article.written_at is None


def _face(status):
    """What a state shows readers: the story, the story at its embargo, or nothing."""
    return "live" if status in LIVE else "scheduled" if status == Status.SCHEDULED else "nothing"


def _same(*statuses):
    """A transition that leaves the state as it is (edits and times of an approved story)."""
    return {status: status for status in statuses}


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    # Each state the transition starts from → the state it ends in.
    moves: Mapping[str, str]
    allowed: Callable
    comment_required: bool = False
    comment_label: str = "Comment"
    # A condition on the article (and the clock) for the transition to be possible at all.
    applies: Callable = _always
    # Makes the latest revision what readers see (or will see, for a scheduled story).
    publishes: bool = False
    # Changes the embargo or take-down time.
    reschedules: bool = False
    # Taken by the clock, never offered to a person.
    system: bool = False

    @property
    def sources(self):
        return tuple(self.moves)

    def target(self, source):
        return self.moves[source]

    @property
    def affects_readers(self):
        """Whether readers may see something else afterwards: cached pages must be refreshed."""
        crosses = any(_face(source) != _face(target) for source, target in self.moves.items())
        return crosses or self.publishes or self.reschedules


def _table(*transitions):
    return {transition.name: transition for transition in transitions}


TRANSITIONS = _table(
    Transition("submit", "Submit for review", {Status.DRAFT: Status.REVIEW}, _author_or_editor),
    Transition(
        "submit_update",
        "Submit changes for review",
        _same(*LIVE, Status.SCHEDULED),
        _author_or_editor,
        applies=_has_pending_edit,
    ),
    Transition(
        "return",
        "Return to reporter",
        {Status.REVIEW: Status.DRAFT},
        _editor,
        comment_required=True,
        comment_label="What needs changing",
    ),
    Transition(
        "return_update",
        "Return changes to reporter",
        _same(*LIVE, Status.SCHEDULED),
        _editor,
        comment_required=True,
        comment_label="What needs changing",
        applies=_has_pending_review,
    ),
    Transition(
        "publish",
        "Publish",
        {Status.REVIEW: Status.PUBLISHED},
        _editor,
        applies=_not_embargoed,
        publishes=True,
    ),
    Transition(
        "schedule",
        "Schedule",
        {Status.REVIEW: Status.SCHEDULED},
        _editor,
        applies=_embargoed,
        publishes=True,
    ),
    Transition(
        "publish_update",
        "Publish update",
        {
            Status.PUBLISHED: Status.UPDATED,
            Status.UPDATED: Status.UPDATED,
            Status.SCHEDULED: Status.SCHEDULED,
        },
        _editor,
        publishes=True,
    ),
    Transition(
        "publish_correction",
        "Publish minor correction",
        _same(*LIVE),
        _editor,
        publishes=True,
    ),
    Transition(
        "reschedule",
        "Reschedule",
        _same(Status.SCHEDULED, *LIVE),
        _editor,
        comment_required=True,
        comment_label="Reason for the new times",
        reschedules=True,
    ),
    Transition(
        "lift_embargo",
        "Publish now",
        {Status.SCHEDULED: Status.PUBLISHED},
        _editor,
        comment_required=True,
        comment_label="Why it cannot wait for the embargo",
        reschedules=True,
    ),
    Transition(
        "unpublish",
        "Unpublish",
        {Status.PUBLISHED: Status.DRAFT, Status.UPDATED: Status.DRAFT, Status.SCHEDULED: Status.DRAFT},
        _editor,
        comment_required=True,
        comment_label="Reason for unpublishing",
    ),
    Transition(
        "delete",
        "Delete",
        {Status.DRAFT: DELETED, Status.REVIEW: DELETED},
        _editor_who_deletes,
        applies=_never_seen_by_readers,
    ),
    # The clock's own: checked on the locked row, so a reschedule that got there first wins.
    Transition(
        "go_live", "Go live", {Status.SCHEDULED: Status.PUBLISHED}, _clock, applies=_embargo_due, system=True
    ),
    Transition(
        "expire",
        "Take down",
        {Status.PUBLISHED: Status.DRAFT, Status.UPDATED: Status.DRAFT},
        _clock,
        applies=_take_down_due,
        system=True,
    ),
)


def transitions_from(status):
    """The transitions a person may start from ``status`` (the clock's are left out)."""
    return [t for t in TRANSITIONS.values() if status in t.moves and not t.system]
