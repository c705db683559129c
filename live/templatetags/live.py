"""
A live story's parts of the story page and of cards. Tags rather than view code so that
``articles`` never imports this app: its templates load these, and a story without live
coverage renders as it always did.
"""

from django import template
from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from live import selectors, structured_data

register = template.Library()


@register.filter
def live_running(article):
    """``{% if article|live_running %}``: whether the story's live coverage runs (the LIVE label)."""
    coverage = selectors.coverage_of(article)
    return coverage is not None and coverage.is_running


@register.simple_tag
def live_header(article):
    """The "Live" label and the last-updated time, for a live story's header ("" for any other story)."""
    coverage = selectors.coverage_of(article)
    if coverage is None:
        return ""
    context = {"coverage": coverage, "updated": selectors.last_updated(coverage)}
    return render_to_string("live/header.html", context)


@register.simple_tag(takes_context=True)
def live_stream(context, article):
    """
    The stream of a live story's page: key events, the pinned post, then page ``?page=N`` of
    the posts, newest first ("" for any other story). The page carries the story's tag already
    (its ``story`` block), which every change to a post moves. A page number that does not
    exist is a 404, on any story, so that no address makes a page of its own.
    """
    request = context["request"]
    number = request.GET.get("page")
    coverage = selectors.coverage_of(article)
    if coverage is None:
        if number not in (None, "1"):
            raise Http404("No such page.")
        return ""
    page_obj = selectors.stream_page(coverage, number)
    on_page = {post.pk for post in page_obj.object_list}
    stream = {
        "article": article,
        "coverage": coverage,
        "page_obj": page_obj,
        "on_page": on_page,
        "key_events": selectors.key_events(coverage),
        "pinned": selectors.pinned_post(coverage),
        "poll_seconds": settings.NEWSROOM_LIVE_POLL_SECONDS,
        "request": request,
    }
    return render_to_string("live/stream.html", stream)


@register.filter
def live_blog(data, article):
    """
    ``{{ data|live_blog:article|ld_json }}``: a story's ``NewsArticle`` JSON-LD as schema.org's
    ``LiveBlogPosting`` when the story is live coverage, with its coverage times and its newest
    posts as ``liveBlogUpdate``; anything else as it is.
    """
    coverage = selectors.coverage_of(article)
    if coverage is None or data.get("@type") != "NewsArticle":
        return data
    return {**data, "@type": "LiveBlogPosting", **structured_data.live_blog(coverage, url=data["url"])}


@register.simple_tag
def live_feed_link(article):
    """The ``<link rel="alternate">`` of a live story's feed of posts ("" for any other story)."""
    if selectors.coverage_of(article) is None:
        return ""
    return format_html(
        '<link rel="alternate" type="application/rss+xml" title="{} (live updates)" href="{}">',
        article.headline,
        reverse("live:feed", args=[article.pk]),
    )
