"""
Who is told what: the one place that decides it. The workflow's transitions (the clock's go-live
and take-down included), Editor's Pick entries added or ending, and @username mentions in a
workflow comment each make a notice for the people concerned; ``inbox.delivery.deliver`` puts it
in their inbox in the admin, emails it, or both, as each of them chose.

Notices are never lost and never undo what they tell of. :func:`notify_on_commit` records a
:class:`~articles.models.PendingNotification` in the transition's own transaction (no commit, no
row, no notice) and, once it commits, enqueues :func:`send_notification`: the request answers
without waiting for the mail server. A pick added enqueues :func:`send_pick_added` after its
commit, and a pick with an end time queues :func:`send_pick_ended` for that time (as
``workflow.clock`` does for embargoes). A delivery that fails is retried with backoff
(``ops.tasks.retry_later``), and after the last attempt the task's failure is on record for staff
in the admin. ``manage.py publish_scheduled`` (cron, every minute) delivers whatever a lost or
failed task left, with :func:`retry_pending`; each notice is delivered once, however many try.
"""

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import CurationEvent, EditorsPick, PendingNotification, WorkflowEvent
from articles.permissions import CURATOR_PERMISSION, EDITOR_PERMISSION
from inbox.delivery import Kind, Notice, deliver, delivered
from ops.tasks import enqueue, enqueue_on_commit, retry_later

logger = logging.getLogger(__name__)

# The workflow's actions, by what the people concerned are told; a deletion tells nobody.
KINDS = {
    "submit": Kind.SUBMITTED,
    "submit_update": Kind.SUBMITTED,
    "return": Kind.RETURNED,
    "return_update": Kind.RETURNED,
    "publish": Kind.PUBLISHED,
    "schedule": Kind.PUBLISHED,
    "lift_embargo": Kind.PUBLISHED,
    "publish_update": Kind.UPDATED,
    "publish_correction": Kind.UPDATED,
    "unpublish": Kind.UNPUBLISHED,
    "reschedule": Kind.RESCHEDULED,
    "go_live": Kind.WENT_LIVE,
    "expire": Kind.TAKEN_DOWN,
}
# Who made the story public: told when it goes live, comes down or changes times.
PUBLISHING = ["publish", "schedule", "lift_embargo", "publish_update", "publish_correction"]
# "@rita", "@r.santos" in a comment; not an email address ("rita@example.com").
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]*\w)")
# A lost pick notice older than this is not worth telling any more.
PICK_NOTICE_WINDOW = timedelta(days=1)

_silenced = ContextVar("notifications_silenced", default=False)


@contextmanager
def silenced():
    """Tell nobody of what happens inside: ``load_demo``'s made-up history is nobody's news."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def story_path(article_id):
    """The story in the admin, where the person acts on a notice about it."""
    return reverse("admin:articles_article_change", args=[article_id])


# --- who -----------------------------------------------------------------------------------------


def _holders(permission):
    app_label, codename = permission.split(".")
    grants = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    grants |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return list(get_user_model().objects.filter(grants | Q(is_superuser=True), is_active=True).distinct())


def _authors(article):
    users = [byline.author.user for byline in article.bylines.select_related("author__user")]
    users.append(article.created_by)
    return [user for user in users if user is not None]


def _publisher(article):
    """Whoever last made the story public, if anyone did."""
    event = (
        WorkflowEvent.objects.filter(article_id=article.pk, action__in=PUBLISHING, actor__isnull=False)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return event.actor if event else None


def _recipients(kind, article):
    if kind == Kind.SUBMITTED:
        return _holders(EDITOR_PERMISSION)
    if kind in (Kind.RETURNED, Kind.PUBLISHED, Kind.UPDATED):
        return _authors(article)
    return [*_authors(article), _publisher(article)]  # unpublished, rescheduled, went live, taken down


def mentioned_in(text):
    """The active staff named with @username in ``text`` (usernames matched without case)."""
    names = {name.lower() for name in MENTION.findall(text or "")}
    if not names:
        return []
    lookup = Q()
    for name in sorted(names)[:20]:
        lookup |= Q(username__iexact=name)
    return list(get_user_model().objects.filter(lookup, is_active=True, is_staff=True))


def _others(users, *, besides):
    """``users`` once each, leaving out ``None`` and the ones in ``besides`` (an actor, say)."""
    left_out = {user.pk for user in besides if user is not None}
    unique = {user.pk: user for user in users if user is not None and user.pk not in left_out}
    return list(unique.values())


def _name(user):
    return (user.get_full_name() or user.get_username()) if user else "Someone"


def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


# --- what ----------------------------------------------------------------------------------------


def _workflow_notice(event, kind):
    """(subject, summary) for a workflow event, as the people concerned read it."""
    actor, story = _name(event.actor), f"“{event.headline}”"
    article = event.article_or_none
    return {
        "submit": (f"For review: {event.headline}", f"{actor} submitted {story} for review."),
        "submit_update": (
            f"For review: {event.headline}",
            f"{actor} submitted changes to {story} for review.",
        ),
        "return": (f"Returned to you: {event.headline}", f"{actor} returned {story} to you."),
        "return_update": (
            f"Returned to you: {event.headline}",
            f"{actor} returned the changes to {story} to you.",
        ),
        "publish": (f"Published: {event.headline}", f"{actor} published {story}."),
        "schedule": (
            f"Scheduled: {event.headline}",
            f"{actor} scheduled {story} to go live at "
            f"{_local(article.publish_at) if article and article.publish_at else 'its embargo'}.",
        ),
        "lift_embargo": (
            f"Published: {event.headline}",
            f"{actor} published {story} now, before its embargo.",
        ),
        "publish_update": (f"Update published: {event.headline}", f"{actor} published an update to {story}."),
        "publish_correction": (
            f"Correction published: {event.headline}",
            f"{actor} published a correction to {story}.",
        ),
        "unpublish": (
            f"Unpublished: {event.headline}",
            f"{actor} unpublished {story}: readers no longer see it.",
        ),
        "reschedule": (f"New times: {event.headline}", f"{actor} changed the times of {story}."),
        "go_live": (f"Live: {event.headline}", f"{story} went live at its embargo time."),
        "expire": (f"Taken down: {event.headline}", f"{story} came down at its take-down time."),
    }[event.action]


def transition_taken(*, event_id):
    """Tell the people a workflow event concerns, and the people its comment mentions."""
    event = WorkflowEvent.objects.select_related("actor").get(pk=event_id)
    kind = KINDS.get(event.action)
    article = event.article_or_none
    if kind is None or article is None:
        return
    mentioned = _others(mentioned_in(event.comment), besides=[event.actor])
    told = _others(_recipients(kind, article), besides=[event.actor, *mentioned])
    subject, summary = _workflow_notice(event, kind)
    common = {"comment": event.comment, "article_id": article.pk, "path": story_path(article.pk)}
    deliver(
        Notice(source=f"workflow:{event.pk}", kind=kind, subject=subject, summary=summary, **common), told
    )
    if mentioned:
        deliver(
            Notice(
                source=f"workflow:{event.pk}:mention",
                kind=Kind.MENTIONED,
                subject=f"{_name(event.actor)} mentioned you: {event.headline}",
                summary=f"{_name(event.actor)} mentioned you on “{event.headline}”. {summary}",
                **common,
            ),
            mentioned,
        )


def notify_on_commit(event):
    """Record that ``event`` calls for notices, with the current transaction; deliver once it commits."""
    if event.action not in KINDS or _silenced.get():
        return
    pending = PendingNotification.objects.create(event=event)
    enqueue_on_commit(send_notification, pending.pk)


@task
def send_notification(pending_id, attempt=1):
    """The task that delivers a pending notification, retried with backoff while it fails."""
    try:
        send_pending(pending_id)
    except Exception as error:  # the row stays: a retry, or publish_scheduled, sends it
        retry_later(send_notification, pending_id, attempt=attempt, error=error)


def send_pending(pending_id):
    """
    Deliver pending notification ``pending_id`` and forget it: ``True``, or ``None`` if there is
    nothing to deliver (delivered already, or being delivered by another process: the row is
    locked meanwhile, so the task and ``publish_scheduled`` never deliver it twice). A failed
    delivery is noted on the row, which stays, and its error raised.
    """
    failure = None
    with transaction.atomic():
        unclaimed = PendingNotification.objects.select_for_update(skip_locked=True)
        pending = unclaimed.filter(pk=pending_id).first()
        if pending is None:
            return None
        try:
            transition_taken(event_id=pending.event_id)
        except Exception as error:  # whatever failed, the transition stands and the row is retried
            failure = error
            PendingNotification.objects.filter(pk=pending.pk).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:1000]
            )
        else:
            pending.delete()
    if failure is not None:
        logger.warning(
            "Notices of workflow event %s failed after its transition committed (%s: %s); they are retried.",
            pending.event_id,
            type(failure).__name__,
            failure,
        )
        raise failure
    return True


# --- Editor's Pick -------------------------------------------------------------------------------


def _list_name(section):
    return f"the {section.name} Editor's Pick" if section else "the site-wide Editor's Pick"


def pick_added_on_commit(event, pick):
    """Once the pick's transaction commits: tell the story's authors, and queue its end's notice."""
    if _silenced.get():
        return
    enqueue_on_commit(send_pick_added, event.pk)
    pick_window_set_on_commit(pick)


def pick_window_set_on_commit(pick):
    """Queue the notice of ``pick``'s end for its end time, if it has one (a stale one does nothing)."""
    if pick.ends_at is not None and not _silenced.get():
        enqueue_on_commit(send_pick_ended, pick.pk, pick.ends_at.isoformat(), run_after=pick.ends_at)


def deliver_pick_added(event_id):
    event = CurationEvent.objects.select_related("article", "section", "actor").get(pk=event_id)
    if event.article is None:  # the story is gone
        return False
    headline = event.article.headline
    notice = Notice(
        source=f"pick-added:{event.pk}",
        kind=Kind.PICK_ADDED,
        subject=f"Editor's Pick: {headline}",
        summary=f"{_name(event.actor)} put “{headline}” in {_list_name(event.section)}.",
        article_id=event.article_id,
        path=story_path(event.article_id),
    )
    return deliver(notice, _others(_authors(event.article), besides=[event.actor]))


def deliver_pick_ended(pick_id, ends_at, *, now=None):
    """Tell of the end of pick ``pick_id`` at ``ends_at``, if it still ends then and that has come."""
    now = now or timezone.now()
    pick = (
        EditorsPick.objects.select_related("article", "section").filter(pk=pick_id, ends_at=ends_at).first()
    )
    if pick is None or ends_at > now:  # removed, or its times changed: another notice is queued
        return False
    headline = pick.article.headline
    notice = Notice(
        source=_pick_ended_source(pick.pk, ends_at),
        kind=Kind.PICK_ENDED,
        subject=f"No longer an Editor's Pick: {headline}",
        summary=f"“{headline}” left {_list_name(pick.section)} at its end time, {_local(ends_at)}.",
        article_id=pick.article_id,
        path=story_path(pick.article_id),
    )
    recipients = _others([*_authors(pick.article), *_holders(CURATOR_PERMISSION)], besides=[])
    return deliver(notice, recipients)


def _pick_ended_source(pick_id, ends_at):
    return f"pick-ended:{pick_id}:{ends_at.isoformat()}"


@task
def send_pick_added(event_id, attempt=1):
    try:
        deliver_pick_added(event_id)
    except Exception as error:  # publish_scheduled delivers it if every retry fails
        retry_later(send_pick_added, event_id, attempt=attempt, error=error)


@task
def send_pick_ended(pick_id, ends_at, attempt=1):
    due = datetime.fromisoformat(ends_at)
    if due > timezone.now():  # a worker whose clock is behind the one that queued it: not yet
        enqueue(send_pick_ended, pick_id, ends_at, run_after=due)
        return
    try:
        deliver_pick_ended(pick_id, due)
    except Exception as error:
        retry_later(send_pick_ended, pick_id, ends_at, attempt=attempt, error=error)


def _missed_pick_notices(now):
    """Pick notices of the last day that no task delivered: ``[(source, deliver it), ...]``."""
    since = now - PICK_NOTICE_WINDOW
    added = CurationEvent.objects.filter(action=CurationEvent.Action.ADDED, created_at__gte=since)
    ended = EditorsPick.objects.filter(ends_at__gte=since, ends_at__lte=now)
    jobs = {f"pick-added:{pk}": partial(deliver_pick_added, pk) for pk in added.values_list("pk", flat=True)}
    for pk, ends_at in ended.values_list("pk", "ends_at"):
        jobs[_pick_ended_source(pk, ends_at)] = partial(deliver_pick_ended, pk, ends_at, now=now)
    done = delivered(jobs)
    return [(source, job) for source, job in sorted(jobs.items()) if source not in done]


# --- the safety net ------------------------------------------------------------------------------


def retry_pending(*, now=None):
    """Deliver every notice a lost or failed task left, oldest first: ``(delivered, still pending)``."""
    sent = failed = 0
    for pending_id in PendingNotification.objects.values_list("pk", flat=True):
        try:
            if send_pending(pending_id):
                sent += 1
        except Exception:  # logged by send_pending; the row stays for the next run
            failed += 1
    for source, job in _missed_pick_notices(now or timezone.now()):
        try:
            if job():
                sent += 1
        except Exception as error:  # the next run tries again
            logger.warning("Notice %s not delivered yet (%s: %s).", source, type(error).__name__, error)
            failed += 1
    return sent, failed
