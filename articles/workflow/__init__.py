"""
The editorial workflow: draft → review → published → updated, and scheduled for embargoes.

Only this package changes whether, and when, readers see a story: its status, its embargo and
its take-down time. ``transitions`` is the table (who may move a story from which state to
which); ``actions`` has one small action per transition, each run as lock → check → act →
record, with its audit event in the same transaction and its side effects on commit.

The admin, the ``workflow`` and ``publish_scheduled`` commands and the tests all call
:func:`take` (or the named helpers below it), so each behaves the same everywhere.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Article
from articles.workflow.actions import ACTIONS, TransitionError
from articles.workflow.transitions import LIVE, TRANSITIONS, Status, Transition, transitions_from

__all__ = [
    "TRANSITIONS",
    "Transition",
    "TransitionError",
    "apply_transition",
    "available_transitions",
    "can_take",
    "delete",
    "lift_embargo",
    "publish",
    "publish_update",
    "reschedule",
    "return_to_reporter",
    "run_schedule",
    "submit_for_review",
    "take",
    "take_if_due",
    "transitions_from",
    "unpublish",
]


def take(name, **kwargs):
    """
    Take transition ``name`` (keyword arguments: ``article``, ``user``, ``comment``, ``now`` and
    the action's own, e.g. ``revision``, ``correction``, ``publish_at``/``expire_at``) and return
    the article as it now is. Raises ``TransitionError`` with a message for the person.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise TransitionError(f"Unknown action {name!r}.")
    return action(**kwargs).run()


# The admin and older callers name the transition in a keyword.
def apply_transition(*, name, **kwargs):
    return take(name, **kwargs)


def available_transitions(*, article, user, now=None):
    """The transitions this user may take on this article now (the admin shows these)."""
    now = now or timezone.now()
    return [
        t for t in transitions_from(article.status) if t.applies(article, now) and t.allowed(user, article)
    ]


def can_take(name, *, article, user, now=None):
    return any(t.name == name for t in available_transitions(article=article, user=user, now=now))


def submit_for_review(*, article, user, comment=""):
    return take("submit", article=article, user=user, comment=comment)


def return_to_reporter(*, article, user, comment):
    return take("return", article=article, user=user, comment=comment)


def publish(*, article, user, comment="", revision=None, now=None):
    """Approve a story in review: it goes live now, or is scheduled if its embargo is ahead."""
    now = now or timezone.now()
    embargoed = article.publish_at is not None and article.publish_at > now
    name = "schedule" if embargoed else "publish"
    return take(name, article=article, user=user, comment=comment, revision=revision, now=now)


def publish_update(*, article, user, comment="", minor=False, correction="", revision=None, now=None):
    """Publish a live story's latest revision; ``minor`` keeps "Updated:" as it was."""
    return take(
        "publish_correction" if minor else "publish_update",
        article=article,
        user=user,
        comment=comment,
        correction=correction,
        revision=revision,
        now=now,
    )


def reschedule(*, article, user, publish_at, expire_at, comment, now=None):
    return take(
        "reschedule",
        article=article,
        user=user,
        publish_at=publish_at,
        expire_at=expire_at,
        comment=comment,
        now=now,
    )


def lift_embargo(*, article, user, comment, now=None):
    return take("lift_embargo", article=article, user=user, comment=comment, now=now)


def unpublish(*, article, user, comment, now=None):
    return take("unpublish", article=article, user=user, comment=comment, now=now)


def delete(*, article, user, comment="", now=None):
    """Delete a story readers never saw; its audit trail and revisions stay."""
    return take("delete", article=article, user=user, comment=comment, now=now)


# The clock's transitions: the time each one waits for, the states it starts from, its comment.
CLOCK = {
    "go_live": ("publish_at", Q(status=Status.SCHEDULED), "Embargo lifted at {}."),
    "expire": ("expire_at", Q(status__in=LIVE), "Taken down as scheduled at {}."),
}


def run_schedule(*, now=None):
    """
    Take every due embargo and expiry: scheduled stories whose time has come go live, live
    stories past their take-down time come down. Idempotent: a second run finds nothing due.
    Returns ``(went_live, taken_down)`` as lists of articles.
    """
    now = now or timezone.now()
    done = {}
    for name, (field, states, comment) in CLOCK.items():
        due = Article.objects.filter(states, **{f"{field}__lte": now})
        taken = [_by_the_clock(name, a, comment.format(_local(getattr(a, field))), now) for a in due]
        done[name] = [article for article in taken if article]
    return done["go_live"], done["expire"]


def take_if_due(name, *, article_id, due_at, now=None):
    """
    Take the clock's transition ``name`` on one story if its time is still ``due_at`` and has
    come (what a task queued for that time does, see ``clock``): the article, or ``None`` if it
    was rescheduled, unpublished or already done.
    """
    now = now or timezone.now()
    field, states, comment = CLOCK[name]
    if due_at > now:
        return None
    article = Article.objects.filter(states, pk=article_id, **{field: due_at}).first()
    if article is None:
        return None
    return _by_the_clock(name, article, comment.format(_local(due_at)), now)


def _by_the_clock(name, article, comment, now):
    try:
        return ACTIONS[name](article=article, user=None, comment=comment, now=now).run()
    except TransitionError:
        return None  # another run got there first


def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")
