"""
The editorial workflow: draft → review → published → updated.

This module is the only place an article's ``status`` changes. Each transition, in one
database transaction, locks the article row (``select_for_update``), checks the current state,
the user's permission and the comment, changes the row and writes its ``WorkflowEvent``. Two
editors pressing Publish together therefore give one transition: the second waits for the
lock, then finds the article already published and is refused.

The admin, management commands and tests all call :func:`apply_transition` or the named
helpers below it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from articles.models import Article, WorkflowEvent
from articles.permissions import can_submit_article, is_editor

Status = Article.Status


class TransitionError(Exception):
    """A transition was refused. ``str(error)`` is written for the person who asked."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple
    target: str
    allowed: Callable
    comment_required: bool = False
    comment_label: str = "Comment"


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit", "Submit for review", (Status.DRAFT,), Status.REVIEW,
            allowed=can_submit_article,
        ),
        Transition(
            "return", "Return to reporter", (Status.REVIEW,), Status.DRAFT,
            allowed=lambda user, article: is_editor(user),
            comment_required=True, comment_label="What needs changing",
        ),
        Transition(
            "publish", "Publish", (Status.REVIEW,), Status.PUBLISHED,
            allowed=lambda user, article: is_editor(user),
        ),
        Transition(
            "publish_update", "Publish update", (Status.PUBLISHED, Status.UPDATED), Status.UPDATED,
            allowed=lambda user, article: is_editor(user),
        ),
        Transition(
            "unpublish", "Unpublish", (Status.PUBLISHED, Status.UPDATED), Status.DRAFT,
            allowed=lambda user, article: is_editor(user),
            comment_required=True, comment_label="Reason for unpublishing",
        ),
    ]
}


def transitions_from(status):
    return [t for t in TRANSITIONS.values() if status in t.sources]


def available_transitions(*, article, user):
    """The transitions this user may take on this article now (the admin shows these buttons)."""
    return [t for t in transitions_from(article.status) if t.allowed(user, article)]


def _describe_allowed(status):
    labels = [t.label for t in transitions_from(status)]
    return ", ".join(labels) if labels else "none"


@transaction.atomic
def apply_transition(*, article, user, name, comment="", minor=False):
    """
    Take transition ``name`` on ``article`` as ``user`` and return the updated article.

    Raises ``TransitionError`` with a message for the user when the transition is unknown,
    not allowed from the current state, not allowed for this user, or lacks its comment.
    ``minor`` applies to "publish_update": a minor correction does not move ``updated_at``.
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(f"Unknown action {name!r}.")

    # Lock the row and decide on its current state, not on the caller's possibly stale copy.
    locked = Article.objects.select_for_update().get(pk=article.pk)
    current = Status(locked.status)
    if current not in transition.sources:
        raise TransitionError(
            f"Cannot {transition.label.lower()}: the article is {current.label}. "
            f"Allowed from {current.label}: {_describe_allowed(current)}."
        )
    if not transition.allowed(user, locked):
        raise TransitionError(
            f"You do not have permission to {transition.label.lower()} this article."
        )
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        raise TransitionError(f"{transition.label} needs a comment: {transition.comment_label.lower()}.")

    now = timezone.now()
    target = transition.target
    if name == "publish":
        locked.written_at = locked.written_at or now
    elif name == "publish_update":
        if not minor:
            locked.updated_at = now
        elif locked.updated_at is None:
            # A minor correction to a story never updated before keeps it "published".
            target = Status.PUBLISHED
    locked.status = target
    locked.version += 1
    locked.save(update_fields=["status", "written_at", "updated_at", "version", "modified_at"])
    WorkflowEvent.objects.create(
        article=locked,
        actor=user,
        from_status=current,
        to_status=target,
        comment=comment if not minor else f"[minor correction] {comment}".strip(),
        created_at=now,
    )
    return locked


def submit_for_review(*, article, user, comment=""):
    return apply_transition(article=article, user=user, name="submit", comment=comment)


def return_to_reporter(*, article, user, comment):
    return apply_transition(article=article, user=user, name="return", comment=comment)


def publish(*, article, user, comment=""):
    return apply_transition(article=article, user=user, name="publish", comment=comment)


def publish_update(*, article, user, comment="", minor=False):
    return apply_transition(
        article=article, user=user, name="publish_update", comment=comment, minor=minor
    )


def unpublish(*, article, user, comment):
    return apply_transition(article=article, user=user, name="unpublish", comment=comment)
