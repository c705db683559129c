"""
Delivering a notice to the people it concerns: in their inbox in the admin, by email, or both,
as each of them chose (``Preference``; ``NEWSROOM_NOTIFY_BY`` for whoever did not choose).

What happened and who is told is decided in one place, ``articles.notifications``, which calls
:func:`deliver` after the commit, from a task. A notice is delivered once: its ``source`` names
the happening ("workflow:12"), and a :class:`~inbox.models.Delivery` row marks it delivered, in
the same transaction as its inbox rows and emails. An email that fails raises, which undoes the
rows and the mark, so the retry (or the safety net) delivers the notice whole.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse

from inbox.models import Delivery, Notification, Preference

Kind = Notification.Kind


@dataclass(frozen=True)
class Notice:
    """One thing that happened, as the people concerned are told it."""

    source: str  # the happening, unique: "workflow:12", "pick-added:7", "pick-ended:4:<time>"
    kind: str  # a Notification.Kind
    subject: str  # the email's subject: "For review: Port strike ends"
    summary: str  # one line: "Rita submitted “Port strike ends” for review."
    comment: str = ""
    article_id: int | None = None
    path: str = ""  # where to act on it in the admin (made absolute from SITE_URL in emails)


def absolute_url(path):
    """``path`` on the site's address (``SITE_URL``), for links that leave the site: emails."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def preference_of(user):
    """How ``user`` wants to be told: their own choice, or everyone's default (not saved)."""
    found = Preference.objects.filter(user=user).first()
    return found or Preference(user=user, delivery=settings.NEWSROOM_NOTIFY_BY)


def delivered(sources):
    """The ones of ``sources`` delivered already."""
    return set(Delivery.objects.filter(source__in=list(sources)).values_list("source", flat=True))


def deliver(notice, recipients):
    """
    Tell each active user of ``recipients`` about ``notice``, as they chose. ``False`` if the
    notice had been delivered already (nothing is done again); raises if an email failed, and
    then nothing is delivered to anyone.
    """
    people = {user.pk: user for user in recipients if user.is_active}
    with transaction.atomic():
        _, new = Delivery.objects.get_or_create(source=notice.source)
        if not new:
            return False
        chosen = {p.user_id: p for p in Preference.objects.filter(user__in=list(people))}
        default = Preference(delivery=settings.NEWSROOM_NOTIFY_BY)
        in_admin, by_email = [], []
        for pk, user in sorted(people.items()):
            preference = chosen.get(pk, default)
            if preference.in_admin:
                in_admin.append(user)
            if preference.by_email and user.email:
                by_email.append(user)
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    kind=notice.kind,
                    summary=notice.summary[:400],
                    comment=notice.comment,
                    article_id=notice.article_id,
                    source=notice.source,
                )
                for user in in_admin
            ],
            ignore_conflicts=True,
        )
        if by_email:
            # One message each: nobody sees who else was told.
            body = _email_body(notice)
            mail.mailers.default.send_messages(
                [mail.EmailMessage(notice.subject, body, to=[user.email]) for user in by_email]
            )
    return True


def _email_body(notice):
    lines = [notice.summary, ""]
    if notice.comment:
        lines += [notice.comment, ""]
    if notice.path:
        lines.append(f"Open it: {absolute_url(notice.path)}")
    inbox = absolute_url(reverse("admin:inbox_notification_changelist"))
    lines.append(f"Your inbox, and how you are told: {inbox}")
    return "\n".join(lines) + "\n"
