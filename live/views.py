"""
Reader views of live stories. The stream itself renders inside the story's page
(``templatetags/live.py``); these are what the page's script and shared links ask for.
"""

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.csp import csp_override

from articles import cachetags
from articles.models import Article
from articles.templatetags.reader import datetime_attr
from live import selectors
from live.models import LiveCoverage
from ops.csp import DATA_POLICY
from pagecache import tag, uses_params


@uses_params()
@csp_override(DATA_POLICY)
def updates(request, article_pk):
    """
    The newest posts of a published live story as JSON, for the page's script to poll: one
    address per story, the same bytes for every reader, so the page cache and the edge keep it
    like any page, and the story's tag refreshes it when a post changes. ``running`` false tells
    the script the coverage has ended. Keys: ``running``, ``updated`` (ISO 8601),
    ``updated_text``, ``posts`` (newest first: ``id``, ``version``, ``html``).
    """
    coverage = (
        LiveCoverage.objects.select_related("article")
        .filter(article__in=Article.objects.published().filter(pk=article_pk).values("pk"))
        .first()
    )
    if coverage is None:
        raise Http404("No such live story.")
    updated = selectors.last_updated(coverage)
    posts = selectors.latest_posts(coverage)
    payload = {
        "running": coverage.is_running,
        "updated": datetime_attr(updated),
        "updated_text": updated_text(updated),
        "posts": [
            {
                "id": post.pk,
                "version": post.version,
                "html": render_to_string("live/post.html", {"post": post}),
            }
            for post in posts
        ],
    }
    return tag(JsonResponse(payload), cachetags.SITE, cachetags.article(article_pk))


def updated_text(moment):
    """The last-updated time as the page's header shows it."""
    return date_format(timezone.localtime(moment), "Y-m-d H:i:s")


@uses_params()
def post_permalink(request, pk):
    """A post's lasting address: the page of its story's stream it is on now, at its anchor."""
    post = selectors.published_post(pk)
    if post is None:
        raise Http404("No such post.")
    url = post.coverage.article.get_absolute_url()
    number = selectors.page_of(post)
    query = f"?page={number}" if number > 1 else ""
    return HttpResponseRedirect(f"{url}{query}#{post.anchor}")
