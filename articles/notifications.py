"""
Emails the workflow sends: a story submitted for review goes to the editors; a story returned
goes to its authors with the editor's comment.

Emails are never lost and never undo a transition. :func:`notify_on_commit` records a
:class:`~articles.models.PendingNotification` in the transition's own transaction (no commit, no
row, no email) and, once it commits, enqueues :func:`send_notification`: the request answers
without waiting for the mail server. A send that fails is retried with backoff
(``ops.tasks.retry_later``), and after the last attempt the task's failure is on record for staff
in the admin. The row stays until its emails went, and ``manage.py publish_scheduled`` (cron,
every minute) sends whatever a lost or failed task left with :func:`retry_pending`.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.urls import reverse

from articles.models import PendingNotification, WorkflowEvent
from articles.permissions import EDITOR_PERMISSION
from ops.tasks import enqueue_on_commit, retry_later

logger = logging.getLogger(__name__)

SUBMITTED = {"submit", "submit_update"}
RETURNED = {"return", "return_update"}


def _editor_emails():
    app_label, codename = EDITOR_PERMISSION.split(".")
    grants = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    grants |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    editors = get_user_model().objects.filter(grants | Q(is_superuser=True), is_active=True).exclude(email="")
    return sorted(set(editors.values_list("email", flat=True)))


def _author_emails(article):
    users = [byline.author.user for byline in article.bylines.select_related("author__user")]
    users.append(article.created_by)
    return sorted({user.email for user in users if user is not None and user.is_active and user.email})


def _admin_link(article):
    path = reverse("admin:articles_article_change", args=[article.pk])
    return f"{settings.NEWSROOM_ADMIN_BASE_URL.rstrip('/')}{path}"


def transition_taken(*, event_id):
    """Send the emails a workflow event calls for, if any."""
    event = WorkflowEvent.objects.select_related("article", "actor").get(pk=event_id)
    article = event.article
    if event.action in SUBMITTED:
        recipients = _editor_emails()
        subject = f"For review: {article.headline}"
        body = (
            f"{event.actor} submitted “{article.headline}” for review.\n\n"
            f"{event.comment}\n\nReview it: {_admin_link(article)}\n"
        )
    elif event.action in RETURNED:
        recipients = _author_emails(article)
        subject = f"Returned to you: {article.headline}"
        body = (
            f"{event.actor} returned “{article.headline}” to you.\n\n"
            f"What needs changing:\n{event.comment}\n\nEdit it: {_admin_link(article)}\n"
        )
    else:
        return
    if recipients:
        send_mail(subject, body, None, recipients)


def notify_on_commit(event):
    """Record that ``event`` calls for emails, with the current transaction; send once it commits."""
    if event.action not in SUBMITTED | RETURNED:
        return
    pending = PendingNotification.objects.create(event=event)
    enqueue_on_commit(send_notification, pending.pk)


@task
def send_notification(pending_id, attempt=1):
    """The task that sends a pending notification's emails, retried with backoff while it fails."""
    try:
        send_pending(pending_id)
    except Exception as error:  # the row stays: a retry, or publish_scheduled, sends it
        retry_later(send_notification, pending_id, attempt=attempt, error=error)


def send_pending(pending_id):
    """
    Send pending notification ``pending_id``'s emails and forget it: ``True``, or ``None`` if
    there is nothing to send (sent already, or being sent by another process: the row is locked
    while its emails go, so the task and ``publish_scheduled`` never send them twice). A failed
    send is noted on the row, which stays, and its error raised.
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
            "Emails for workflow event %s failed after its transition committed (%s: %s); they are retried.",
            pending.event_id,
            type(failure).__name__,
            failure,
        )
        raise failure
    return True


def retry_pending():
    """Send every pending notification, oldest first: ``(sent, still pending)``."""
    sent = failed = 0
    for pending_id in PendingNotification.objects.values_list("pk", flat=True):
        try:
            if send_pending(pending_id):
                sent += 1
        except Exception:  # logged by send_pending; the row stays for the next run
            failed += 1
    return sent, failed
