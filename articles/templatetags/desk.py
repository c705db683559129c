"""Template tags for the desk (admin) pages."""

from django import template

from articles.admin import queues

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_queues(context):
    """The dashboard's queues for this user: ``[(key, label, count), ...]``."""
    return queues.dashboard(context["request"].user)
