"""
Who has an article open in the admin: a lightweight presence record.

The change form marks the editor present when it loads and, with JavaScript, every
``HEARTBEAT_SECONDS``; leaving the page (closing it, navigating away) sends a beacon that ends the
presence at once (``leave``). The expiry is only the backstop for a beacon that never arrives (a
crash, a lost network): anyone not seen for ``PRESENCE_TIMEOUT`` is gone. Browsers run a hidden
tab's timers about once a minute, so the timeout allows for one late heartbeat. This warns
before a conflict; ``articles.admin.article_form`` still merges a stale save field by field.
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


def leave(*, article, user):
    """``user`` left this article's form (another tab of theirs marks them again at its heartbeat)."""
    EditingPresence.objects.filter(article=article, user=user).delete()


def leave_all(*, user):
    EditingPresence.objects.filter(user=user).delete()
