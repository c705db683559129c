from django import template
from django.urls import reverse

from inbox.models import Notification

register = template.Library()

# Past this many, the header says "99+": the count stays one small query however full the inbox.
SHOWN_UNREAD = 99


@register.inclusion_tag("admin/inbox/header_link.html", takes_context=True)
def inbox_link(context):
    """The header's link to the inbox with the unread count: one indexed query per page."""
    user = context["request"].user
    # Their ids, at most 100, from the partial index: no COUNT over a full inbox, and none the
    # admin's own query budgets (one COUNT per change list) would have to allow for.
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()
    unread = len(unread.values_list("pk", flat=True)[: SHOWN_UNREAD + 1])
    return {
        "url": reverse("admin:inbox_notification_changelist"),
        "unread": unread,
        "shown": f"{SHOWN_UNREAD}+" if unread > SHOWN_UNREAD else str(unread),
    }
