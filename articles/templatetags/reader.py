"""Template tags for the reader site's shared chrome: the site's name and the section menu."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from articles import cachetags, selectors
from pagecache import cached_blocks

register = template.Library()


@register.simple_tag
def site_name():
    """The reader-facing name of the site (``settings.NEWSROOM_SITE_NAME``)."""
    return settings.NEWSROOM_SITE_NAME


@register.filter
def datetime_attr(value):
    """
    ``{{ article.written_at|datetime_attr }}``: the value for a ``<time datetime>`` attribute,
    ISO 8601 in the site's zone to the second (``2026-04-09T17:05:31+09:00``).

    Django's ``date:'c'`` keeps microseconds, and HTML allows at most three digits of a second's
    fraction, so every time element on the site goes through this one filter.
    """
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.simple_tag
def section_menu():
    """
    The navigation listing every section, for the header of every page (404 included).

    It is a tag rather than view context so that error pages rendered by Django's own handlers
    get the same menu; it reads through ``selectors`` like the views do (one query), and is kept
    by the page cache as a block until a section changes (every reader page is tagged "site").
    """

    def render():
        html = render_to_string("includes/section_menu.html", {"sections": selectors.section_list()})
        return html, {cachetags.SITE}

    [(html, _)] = cached_blocks([("section-menu", render)])
    return html


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """``path`` as a full address on the host the page was asked for (canonical, Open Graph)."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def page_href(context, number, absolute=False):
    """
    The address of page ``number`` of the listing being shown. Page 1 has no ``?page=`` so that
    it has one address, and other query parameters are dropped for the same reason.
    """
    request = context["request"]
    number = int(number)
    href = request.path if number == 1 else f"{request.path}?page={number}"
    return request.build_absolute_uri(href) if absolute else href
