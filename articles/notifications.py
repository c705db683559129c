"""
Emails the workflow sends: a story submitted for review goes to the editors; a story returned
goes to its authors with the editor's comment. Called from ``transaction.on_commit`` only, so a
transition that rolls back sends nothing.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from articles.models import WorkflowEvent
from articles.permissions import EDITOR_PERMISSION

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
