"""
Sitemaps for search engines: the front page, the sections, the authors and every published story,
and a Google News sitemap of the last 48 hours.

``/sitemap.xml`` is an index of them all; each is its own file (``/sitemap-articles.xml``), paged
with ``?p=N`` once it outgrows ``limit``. Stories come from ``selectors``, so a story is listed
exactly when ``Article.objects.published()`` lets readers see it. Every ``lastmod`` is a full W3C
datetime in the site's time zone, to the second (``templates/sitemap.xml``,
``sitemap_index.xml``); a story's lead photo is given as an ``image:image`` (a rendition).

The routes (newsroom/urls.py) go through the page cache, tagged like the listing pages, so any
story going live or coming down refreshes them; a page of the articles sitemap is tagged with the
ids it covers instead (``sitemap``), so a change refreshes only the page listing that story.
The news sitemap also changes with the clock (a story leaves it 48 hours after it was
published); it is kept no longer than any page
(``NEWSROOM_PAGE_CACHE_TTL``, five minutes), so a story may stay listed that much longer, which
harms no one: it was published, and still is.
"""

import math
from functools import cached_property
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Max
from django.urls import reverse

from articles import cachetags, renditions, selectors
from articles.models import Photo, article_path
from pagecache import tag, uses_params


def to_the_second(moment):
    """``moment`` without its microseconds: a sitemap's W3C datetime has none."""
    return moment.replace(microsecond=0) if moment else None


class IdRangePaginator(Paginator):
    """
    Page ``n`` holds the items with ids from ``(n - 1) * per_page + 1`` to ``n * per_page``:
    however deep, a page is one range scan of the primary key (no OFFSET past every story before
    it), and it keeps its stories when newer ones are published, so crawlers find most pages
    unchanged. A page has at most ``per_page`` items, fewer where ids went to drafts.
    """

    @cached_property
    def count(self):
        # The highest id, not the number of items: num_pages then covers every id (one query).
        return self.object_list.aggregate(last=Max("pk"))["last"] or 0

    @cached_property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.per_page))

    @staticmethod
    def id_range(number, per_page):
        """The first and last id page ``number`` may hold."""
        return (number - 1) * per_page + 1, number * per_page

    def page(self, number):
        number = self.validate_number(number)
        first, last = self.id_range(number, self.per_page)
        items = self.object_list.filter(pk__gte=first, pk__lte=last).order_by("pk")
        return self._get_page(items, number, self)


class HomeSitemap(Sitemap):
    """The front page; it changes whenever a story does."""

    changefreq = "hourly"

    def items(self):
        return ["articles:home"]

    def location(self, name):
        return reverse(name)

    @cached_property
    def _newest(self):
        return to_the_second(selectors.sitemap_articles_lastmod())

    def lastmod(self, name):
        return self._newest

    def get_latest_lastmod(self):
        return self._newest


class _NewestStorySitemap(Sitemap):
    """Items annotated with ``newest`` (their newest story's publication): that is their lastmod."""

    changefreq = "hourly"

    def lastmod(self, item):
        return to_the_second(item.newest)

    def get_latest_lastmod(self):
        return max((self.lastmod(item) for item in self.items() if item.newest), default=None)


class SectionSitemap(_NewestStorySitemap):
    """Every section's front page, in menu order."""

    def items(self):
        return selectors.sitemap_sections()


class TopicSitemap(_NewestStorySitemap):
    """Every topic's page, by name (a topic is made to be filled: listed like a section)."""

    def items(self):
        return selectors.sitemap_topics()


class AuthorSitemap(Sitemap):
    """Every author page that lists a published story; its lastmod is the author's newest story."""

    changefreq = "hourly"

    def items(self):
        return selectors.sitemap_authors()

    @cached_property
    def _newest(self):
        # Asked only when the page is made: the index needs the count and the newest of all.
        return selectors.newest_story_by_author()

    def lastmod(self, author):
        return to_the_second(self._newest.get(author.pk))

    def get_latest_lastmod(self):
        return to_the_second(selectors.sitemap_authors_lastmod())


class ArticleSitemap(Sitemap):
    """Every published story, by id; ``lastmod`` is its latest update or first publication."""

    # A page is one query and about 270 KB of XML: quick to build on demand, well under the
    # protocol's 50,000 addresses and 50 MB. Its stories are all in memory at once while it is
    # built, as rows (selectors.sitemap_articles), and a worker keeps the memory a page once
    # needed: 5,000 a page left each gunicorn worker 20-45 MB bigger for good (bench/RESULTS.md,
    # "Memory"), 1,000 a fifth of that.
    limit = 1000

    def items(self):
        return selectors.sitemap_articles()

    def location(self, row):
        # Article.get_absolute_url's rule, from the row.
        return article_path(
            section_slug=row["section__slug"],
            written_at=row["written_at"] or row["created_at"],
            slug=row["slug"],
        )

    @property
    def paginator(self):
        return IdRangePaginator(self.items(), self.limit)

    def lastmod(self, row):
        return to_the_second(row["updated_at"] or row["written_at"])

    def get_latest_lastmod(self):
        # The index's <lastmod> for this sitemap, in one query rather than by loading every story.
        return to_the_second(selectors.sitemap_articles_lastmod())

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}/"
        for url in urls:
            image = lead_image(url["item"])
            url["images"] = [urljoin(base, image.url)] if image else []
        return urls


def lead_image(row):
    """The rendition of a story's lead photo a sitemap names (``row``: ``selectors.sitemap_articles``):
    its largest JPEG, uncropped."""
    if row["lead_photo_id"] is None:
        return None
    fields = {name: row[f"lead_photo__{name}"] for name in selectors.SITEMAP_PHOTO_FIELDS}
    return renditions.largest(Photo(pk=row["lead_photo_id"], **fields), fmt="jpeg")


class NewsSitemap(Sitemap):
    """Google News: the stories first published in the last 48 hours, newest first, up to 1,000."""

    limit = selectors.NEWS_SITEMAP_ITEMS

    def items(self):
        return selectors.news_sitemap_articles()

    def get_latest_lastmod(self):
        return to_the_second(self.items().values_list("written_at", flat=True).first())

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        publication = {"name": settings.NEWSROOM_SITE_NAME, "language": settings.NEWSROOM_NEWS_LANGUAGE}
        for url in urls:
            url["news"] = {
                **publication,
                "published": to_the_second(url["item"].written_at),
                "title": url["item"].headline,
            }
        return urls


sitemaps = {
    "home": HomeSitemap,
    "sections": SectionSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
    "articles": ArticleSitemap,
}
"""The sitemaps served by the generic route, ``/sitemap-<name>.xml``."""

news_sitemaps = {"news": NewsSitemap}
"""The Google News sitemap, ``/sitemap-news.xml``: its own route and template."""

indexed_sitemaps = {**sitemaps, **news_sitemaps}
"""Everything ``/sitemap.xml`` lists."""


@uses_params("p")
def sitemap(request, sitemaps, section, **kwargs):
    """
    Django's sitemap view, tagged for the page cache. A page of the articles sitemap that lists
    stories changes only with them (and with the site: sections, photos): it is tagged with its
    id range, so a change elsewhere leaves it cached. An empty page is there only because later
    ids are published, so it is refreshed with every listing, like the other sitemaps.
    """
    response = sitemap_views.sitemap(request, sitemaps, section, **kwargs)
    if section == "articles" and response.context_data["urlset"]:
        page = int(request.GET.get("p", 1))  # the view answered: it is a page number
        first, last = IdRangePaginator.id_range(page, sitemaps[section].limit)
        return tag(response, cachetags.SITE, *cachetags.for_id_range(first, last))
    return tag(response, cachetags.SITE, cachetags.LISTING)
