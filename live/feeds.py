"""A live story's feed: its newest posts in RSS 2.0, each linking to the post's lasting address."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.html import strip_tags

from articles.cachetags import SITE
from articles.cachetags import article as article_tag
from articles.feeds import xml_safe
from articles.models import Article
from live import selectors
from live.models import LiveCoverage
from pagecache import tag

FEED_POSTS = 20


class LivePostsFeed(Feed):
    """``/live-updates/<article_pk>/feed/``: a published live story's posts, newest first."""

    def __call__(self, request, *args, **kwargs):
        return tag(super().__call__(request, *args, **kwargs), SITE, article_tag(kwargs["article_pk"]))

    def get_object(self, request, article_pk):
        published = Article.objects.published().filter(pk=article_pk).values("pk")
        coverage = (
            LiveCoverage.objects.select_related("article__section").filter(article__in=published).first()
        )
        if coverage is None:
            raise Http404("No such live story.")
        return coverage

    def title(self, coverage):
        return xml_safe(f"{coverage.article.headline}: live updates")

    def link(self, coverage):
        return coverage.article.get_absolute_url()

    def description(self, coverage):
        return xml_safe(coverage.article.summary or coverage.article.headline)

    def items(self, coverage):
        return selectors.latest_posts(coverage, limit=FEED_POSTS)

    def item_title(self, post):
        return xml_safe(post.title or " ".join(strip_tags(post.body).split())[:110])

    # The post's text is the item: cleaned HTML when saved (articles.html), sent as HTML.
    def item_description(self, post):
        return xml_safe(post.body)

    def item_link(self, post):
        return reverse("live:post", args=[post.pk])

    def item_pubdate(self, post):
        return post.posted_at

    def item_updateddate(self, post):
        return post.corrected_at or post.posted_at

    def item_author_name(self, post):
        return ", ".join(author.name for author in post.authors.all()) or None
