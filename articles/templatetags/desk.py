"""Template tags for the desk (admin) pages."""

from django import template

from articles.models import Article
from articles.permissions import is_editor

register = template.Library()


@register.simple_tag(takes_context=True)
def awaiting_review_count(context):
    """How many stories wait for an editor; None for users who cannot review."""
    user = context["request"].user
    if not is_editor(user):
        return None
    return Article.objects.filter(status=Article.Status.REVIEW).count()
