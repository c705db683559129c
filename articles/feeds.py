"""
RSS 2.0 feeds of the newest published stories: the whole site's and each section's.

They read through ``selectors`` like the reader pages, so a story is in a feed exactly when
``Article.objects.published()`` lets readers see it, and they are the same for every reader.
"""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from articles import selectors
from articles.cachetags import LISTING, SITE
from pagecache import tag

# Characters XML 1.0 cannot carry at all; a headline pasted with one must not take the feed down.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text):
    return _NOT_IN_XML.sub("", text)


class LatestStoriesFeed(Feed):
    """``/feeds/latest/``: the newest stories of every section."""

    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        # Any story going live or coming down changes a feed (articles/cachetags.py).
        return tag(super().__call__(request, *args, **kwargs), SITE, LISTING)

    def title(self):
        return f"{settings.NEWSROOM_SITE_NAME}: latest stories"

    def link(self):
        return reverse("articles:home")

    def description(self):
        return f"The latest news from {settings.NEWSROOM_SITE_NAME}."

    def items(self):
        return selectors.feed_articles()

    # Feed readers show <title> and <description> as HTML, so the plain-text headline and summary
    # are escaped once more than the XML needs (as Django does for default titles): markup in
    # them shows as text, never runs. The body is never sent: it is the page's to show.
    def item_title(self, article):
        return escape(xml_safe(article.headline))

    def item_description(self, article):
        return escape(xml_safe(article.summary))

    def item_pubdate(self, article):
        return article.written_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return ", ".join(author.name for author in article.byline_authors) or None

    def item_categories(self, article):
        return [article.section.name]


class SectionStoriesFeed(LatestStoriesFeed):
    """``/feeds/<section_slug>/``: the newest stories of one section (404 for an unknown one)."""

    def get_object(self, request, section_slug):
        return get_object_or_404(selectors.section_list(), slug=section_slug)

    def title(self, section):
        return f"{section.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return section.description or f"The latest {section.name} stories from {settings.NEWSROOM_SITE_NAME}."

    def items(self, section):
        return selectors.feed_articles(section=section)
