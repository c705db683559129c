"""``{% breaking_news %}``: the breaking-news region at the top of every reader page."""

from django import template
from django.template.loader import render_to_string

import pagecache
from articles import cachetags as article_tags
from articles.models import Section
from banners import cachetags, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def breaking_news(context):
    """
    The banners showing now on this page: the site-wide one, and on a section's pages and its
    stories (``section`` or ``article`` in the context) that section's; nothing when none shows.

    A tag rather than view context so that every page extending ``base.html`` gets it without
    its view knowing. It is kept by the page cache as a block per scope, and tells the page
    cache what it shows (``pagecache.tag_request``): the scopes' tags, which a banner change
    invalidates, and its stories', so that a story going down takes its banner with it.
    """
    section_id = _page_section_id(context)

    def render():
        banners = selectors.banners_in_window(section_id=section_id)
        html = render_to_string(
            "banners/breaking_news.html", {"banners": [banner for banner in banners if banner.story_visible]}
        )
        stories = {article_tags.article(banner.article_id) for banner in banners}
        # SITE: the link holds the story's section slug.
        return html, {*cachetags.for_page(section_id), *stories, article_tags.SITE}

    [(html, tags)] = pagecache.cached_blocks([(f"breaking-news:{section_id or 'site'}", render)])
    request = context.get("request")
    if request is not None:
        pagecache.tag_request(request, *tags)
    return html


def _page_section_id(context):
    section = context.get("section")
    if isinstance(section, Section):
        return section.pk
    return getattr(context.get("article"), "section_id", None)
