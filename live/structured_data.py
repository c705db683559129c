"""schema.org ``LiveBlogPosting`` for a live story (Google's live blog rich result)."""

from django.utils.html import strip_tags
from django.utils.text import Truncator

from articles.structured_data import iso
from live import selectors


def live_blog(coverage, *, url):
    """
    What a live story's JSON-LD adds to its ``NewsArticle``: the coverage's start and end (none
    while it runs) and its newest posts as ``BlogPosting`` updates, each at its anchor on the
    story's first page, where the newest posts are.
    """
    data = {"coverageStartTime": iso(coverage.started_at)}
    if coverage.ended_at:
        data["coverageEndTime"] = iso(coverage.ended_at)
    updates = []
    for post in selectors.latest_posts(coverage):
        text = " ".join(strip_tags(post.body).split())
        updates.append(
            {
                "@type": "BlogPosting",
                "headline": post.title or Truncator(text).chars(110),
                "url": f"{url}#{post.anchor}",
                "datePublished": iso(post.posted_at),
                "dateModified": iso(post.corrected_at or post.posted_at),
                "articleBody": text,
            }
        )
    data["liveBlogUpdate"] = updates
    return data
