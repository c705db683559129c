"""Template tags for what a page tells machines: JSON-LD scripts (``articles.structured_data``)."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from articles import structured_data

register = template.Library()


@register.filter
def ld_json(data):
    """
    ``{{ data|ld_json }}``: ``<script type="application/ld+json">`` holding ``data``.

    Django's ``json_script`` writes ``<``, ``>`` and ``&`` as ``\\u003C``... so nothing in the
    data (a headline with ``</script>`` in it) can end the element early; only the type differs.
    """
    html = json_script(data)
    return mark_safe(html.replace('type="application/json"', 'type="application/ld+json"', 1))


@register.simple_tag(takes_context=True)
def site_structured_data(context):
    """The front page's ``WebSite`` (with its search) and the newsroom's ``Organization``."""
    origin = structured_data.origin_of(context["request"])
    return mark_safe(
        "\n".join(
            ld_json(data)
            for data in (structured_data.website(origin=origin), structured_data.organization(origin=origin))
        )
    )
