"""
Sitemaps for search engines: the front page, the sections and every published story.

``/sitemap.xml`` is an index of the three; each is its own file (``/sitemap-articles.xml``), paged
with ``?p=N`` once it outgrows ``limit``. Stories come from ``selectors``, so a story is listed
exactly when ``Article.objects.published()`` lets readers see it.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles import selectors


class HomeSitemap(Sitemap):
    """The front page."""

    changefreq = "hourly"

    def items(self):
        return ["articles:home"]

    def location(self, name):
        return reverse(name)


class SectionSitemap(Sitemap):
    """Every section's front page, in menu order."""

    changefreq = "hourly"

    def items(self):
        return selectors.section_list()


class ArticleSitemap(Sitemap):
    """Every published story, newest first; ``lastmod`` is its latest update or first publication."""

    # A page of the sitemap is one query and about a megabyte of XML: quick to build on demand,
    # well under the protocol's 50,000 addresses.
    limit = 5000

    def items(self):
        return selectors.sitemap_articles()

    def lastmod(self, article):
        return article.updated_at or article.written_at

    def get_latest_lastmod(self):
        # The index's <lastmod> for this sitemap, in one query rather than by loading every story.
        return selectors.sitemap_articles_lastmod()


sitemaps = {
    "home": HomeSitemap,
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
}
