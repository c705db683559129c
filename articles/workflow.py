"""
The editorial workflow: draft → review → published → updated (and scheduled, for embargoes).

This module is the only place an article's ``status`` changes. Each transition, in one
database transaction, locks the article row (``select_for_update``), checks the current state,
the user's permission and the comment, changes the row and writes its ``WorkflowEvent``. Two
editors pressing Publish together therefore give one transition: the second waits for the
lock, then finds the article already published and is refused. Side effects (emails) are
scheduled with ``transaction.on_commit``, so a rolled-back transition sends nothing.

An approval applies to the revision that was reviewed: Publish and Publish update take the
revision number the editor was looking at and refuse when the story has changed since.

The admin, management commands and tests all call :func:`apply_transition` or the named
helpers below it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from articles import cachetags, notifications, photos, revisions
from articles.models import Article, WorkflowEvent
from articles.permissions import can_submit_article, is_editor

Status = Article.Status


class TransitionError(Exception):
    """A transition was refused. ``str(error)`` is written for the person who asked."""


def _editor(user, article):
    return user is not None and is_editor(user)


def _author_or_editor(user, article):
    return user is not None and can_submit_article(user, article)


def _system(user, article):
    """Transitions only the clock takes (``publish_scheduled``), never a person."""
    return user is None


def _has_pending_edit(article):
    return article.has_unpublished_changes and article.submitted_revision_id != article.latest_revision_id


def _has_pending_review(article):
    return article.has_unpublished_changes and article.submitted_revision_id is not None


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple
    allowed: Callable
    # The status after the transition; None keeps the current one (edits of a live story).
    target: str | None = None
    comment_required: bool = False
    comment_label: str = "Comment"
    # An extra condition on the article for the transition to be offered at all.
    applies: Callable = staticmethod(lambda article: True)
    system: bool = False


_LIVE = (Status.PUBLISHED, Status.UPDATED)
# Transitions that change what readers see, or when they will (cached pages are refreshed).
READER_VISIBLE = {"publish", "publish_update", "unpublish", "go_live", "expire"}
TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", "Submit for review", (Status.DRAFT,), _author_or_editor, Status.REVIEW),
        Transition(
            "submit_update",
            "Submit changes for review",
            (*_LIVE, Status.SCHEDULED),
            _author_or_editor,
            applies=_has_pending_edit,
        ),
        Transition(
            "return",
            "Return to reporter",
            (Status.REVIEW,),
            _editor,
            Status.DRAFT,
            comment_required=True,
            comment_label="What needs changing",
        ),
        Transition(
            "return_update",
            "Return changes to reporter",
            (*_LIVE, Status.SCHEDULED),
            _editor,
            comment_required=True,
            comment_label="What needs changing",
            applies=_has_pending_review,
        ),
        Transition("publish", "Publish", (Status.REVIEW,), _editor, Status.PUBLISHED),
        Transition("publish_update", "Publish update", (*_LIVE, Status.SCHEDULED), _editor, Status.UPDATED),
        Transition(
            "unpublish",
            "Unpublish",
            (*_LIVE, Status.SCHEDULED),
            _editor,
            Status.DRAFT,
            comment_required=True,
            comment_label="Reason for unpublishing",
        ),
        Transition("go_live", "Go live", (Status.SCHEDULED,), _system, Status.PUBLISHED, system=True),
        Transition("expire", "Take down", _LIVE, _system, Status.DRAFT, system=True),
    ]
}


def transitions_from(status):
    return [t for t in TRANSITIONS.values() if status in t.sources and not t.system]


def available_transitions(*, article, user):
    """The transitions this user may take on this article now (the admin shows these buttons)."""
    return [t for t in transitions_from(article.status) if t.applies(article) and t.allowed(user, article)]


def _describe_allowed(article):
    labels = [t.label for t in transitions_from(article.status) if t.applies(article)]
    return ", ".join(labels) if labels else "none"


def _check_reviewed_revision(article, revision_number):
    """Refuse to publish anything but the revision the editor reviewed, which must be the latest."""
    latest = article.latest_revision
    if revision_number is None or latest is None or latest.number == revision_number:
        return
    changed_by = latest.created_by or "someone"
    raise TransitionError(
        f"This story changed after you reviewed it: you reviewed revision {revision_number}, "
        f"but revision {latest.number} by {changed_by} is the latest. "
        f"Review the latest revision before publishing it."
    )


def _check_photos(article, transition):
    """Every photo readers would see must be in the library with alt text (``articles.photos``)."""
    content = revisions.content_of(article)
    problem = photos.publication_problem(lead_photo_id=content["lead_photo"], body=content["body"])
    if problem:
        raise TransitionError(f"Cannot {transition.label.lower()}: {problem}")


@transaction.atomic
def apply_transition(*, article, user, name, comment="", minor=False, correction="", revision=None, now=None):
    """
    Take transition ``name`` on ``article`` as ``user`` and return the updated article.

    Raises ``TransitionError`` with a message for the user when the transition is unknown,
    not allowed from the current state, not allowed for this user, lacks its comment, or would
    publish a revision other than the one reviewed (``revision``, a revision number), or would
    publish a photo without alt text.
    For "publish_update": ``minor`` keeps ``updated_at`` as it was; ``correction`` is a public
    correction note shown below the story. ``now`` lets the clock be injected (tests, commands).
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(f"Unknown action {name!r}.")

    # Lock the row and decide on its current state, not on the caller's possibly stale copy.
    locked = (
        Article.objects.select_for_update(of=("self",))
        .select_related("latest_revision__created_by")
        .get(pk=article.pk)
    )
    current = Status(locked.status)
    if current not in transition.sources or not transition.applies(locked):
        raise TransitionError(
            f"Cannot {transition.label.lower()}: the article is {current.label}. "
            f"Allowed from {current.label}: {_describe_allowed(locked)}."
        )
    if not transition.allowed(user, locked):
        raise TransitionError(f"You do not have permission to {transition.label.lower()} this article.")
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        raise TransitionError(f"{transition.label} needs a comment: {transition.comment_label.lower()}.")

    now = now or timezone.now()
    target = transition.target or current
    section_before = locked.section_id
    published_revision = None
    changed = ["status", "version", "modified_at"]

    if name in {"publish", "publish_update"}:
        _check_reviewed_revision(locked, revision)
        _check_photos(locked, transition)
        published_revision = _publish_latest_revision(locked, user, now, minor=minor, correction=correction)
        changed += ["live_revision", "submitted_revision", "has_unpublished_changes"]
    if name == "publish":
        if locked.publish_at and locked.publish_at > now:
            target = Status.SCHEDULED
        locked.written_at = locked.written_at or (locked.publish_at if target == Status.SCHEDULED else now)
        changed.append("written_at")
    elif name == "publish_update":
        if current == Status.SCHEDULED:
            target = Status.SCHEDULED  # not public yet: nothing to mark as updated
        elif minor:
            target = current  # a minor correction leaves "Updated:" as it was
        else:
            locked.updated_at = now
            changed.append("updated_at")
    elif name == "submit" or name == "submit_update":
        locked.submitted_revision = locked.latest_revision
        changed.append("submitted_revision")
    elif name in {"return", "return_update"}:
        locked.submitted_revision = None
        changed.append("submitted_revision")
    elif name in {"unpublish", "expire"}:
        if current == Status.SCHEDULED and locked.publish_at > now:
            locked.written_at = None  # withdrawn before readers ever saw it
            changed.append("written_at")
        _bring_row_up_to_date(locked)
        locked.expire_at = None if name == "expire" else locked.expire_at
        changed += ["has_unpublished_changes", "submitted_revision", "expire_at"]

    locked.status = target
    locked.version += 1
    locked.save(update_fields=changed)
    if name in READER_VISIBLE:
        cachetags.visibility_changed(article_pk=locked.pk, section_pks={section_before, locked.section_id})
    event = WorkflowEvent.objects.create(
        article=locked,
        action=name,
        revision=published_revision or locked.latest_revision,
        actor=user,
        from_status=current,
        to_status=target,
        comment=f"[minor correction] {comment}".strip() if minor and name == "publish_update" else comment,
        created_at=now,
    )
    transaction.on_commit(lambda: notifications.transition_taken(event_id=event.pk))
    return locked


def _publish_latest_revision(article, user, now, *, minor, correction):
    """Make the latest revision (taking one first if there is none) what readers see."""
    revision = article.latest_revision
    if revision is None:
        revision = revisions.create_revision(article=article, content=revisions.snapshot(article), user=user)
    elif article.has_unpublished_changes:
        revisions.apply_content(article, revision.content)
    revision.published_at = now
    revision.minor = minor
    revision.correction_note = (correction or "").strip()
    revision.save(update_fields=["published_at", "minor", "correction_note"])
    article.live_revision = revision
    article.submitted_revision = None
    article.has_unpublished_changes = False
    return revision


def _bring_row_up_to_date(article):
    """A story leaving the public is edited in place again: the row takes the latest content."""
    if article.has_unpublished_changes and article.latest_revision:
        revisions.apply_content(article, article.latest_revision.content)
    article.has_unpublished_changes = False
    article.submitted_revision = None


def submit_for_review(*, article, user, comment=""):
    return apply_transition(article=article, user=user, name="submit", comment=comment)


def return_to_reporter(*, article, user, comment):
    return apply_transition(article=article, user=user, name="return", comment=comment)


def publish(*, article, user, comment="", revision=None, now=None):
    return apply_transition(
        article=article, user=user, name="publish", comment=comment, revision=revision, now=now
    )


def publish_update(*, article, user, comment="", minor=False, correction="", revision=None, now=None):
    return apply_transition(
        article=article,
        user=user,
        name="publish_update",
        comment=comment,
        minor=minor,
        correction=correction,
        revision=revision,
        now=now,
    )


def unpublish(*, article, user, comment):
    return apply_transition(article=article, user=user, name="unpublish", comment=comment)


def run_schedule(*, now=None):
    """
    Take every due embargo and expiry: scheduled stories whose time has come go live, live
    stories past their take-down time come down. Idempotent: a second run finds nothing due.
    Returns ``(went_live, taken_down)`` as lists of articles.
    """
    now = now or timezone.now()
    went_live, taken_down = [], []
    for article in Article.objects.filter(status=Status.SCHEDULED, publish_at__lte=now):
        went_live.append(
            _take_system_transition(
                article, "go_live", f"Embargo lifted at {_local(article.publish_at)}.", now
            )
        )
    for article in Article.objects.filter(status__in=_LIVE, expire_at__lte=now):
        taken_down.append(
            _take_system_transition(
                article, "expire", f"Taken down as scheduled at {_local(article.expire_at)}.", now
            )
        )
    return [a for a in went_live if a], [a for a in taken_down if a]


def _take_system_transition(article, name, comment, now):
    try:
        return apply_transition(article=article, user=None, name=name, comment=comment, now=now)
    except TransitionError:
        return None  # another run got there first


def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")
