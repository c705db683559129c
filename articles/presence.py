"""
Who has an article open in the admin: a lightweight presence record that expires.

The change form marks the editor present when it loads and, with JavaScript, every
``HEARTBEAT_SECONDS``; anyone not seen for ``PRESENCE_TIMEOUT`` is gone. This warns before a
conflict; ``articles.revisions`` still refuses a stale save when two people save anyway.
"""

from datetime import timedelta

from django.utils import timezone

from articles.models import EditingPresence

HEARTBEAT_SECONDS = 30
PRESENCE_TIMEOUT = timedelta(seconds=90)


def mark_editing(*, article, user, now=None):
    EditingPresence.objects.update_or_create(
        article=article, user=user, defaults={"seen_at": now or timezone.now()}
    )


def others_editing(*, article, user, now=None):
    """Other people seen on this article's form recently, longest-present first."""
    since = (now or timezone.now()) - PRESENCE_TIMEOUT
    return list(
        EditingPresence.objects.filter(article=article, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at")
    )


def leave_all(*, user):
    EditingPresence.objects.filter(user=user).delete()
