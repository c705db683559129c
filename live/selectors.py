"""Reader queries of live stories, on top of ``LivePost.objects.published()``."""

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Max, Prefetch, Q
from django.http import Http404

from articles.models import Author
from live.models import LiveCoverage, LivePost

# How many of the newest posts the update endpoint sends and the JSON-LD lists.
UPDATE_POSTS = 10
KEY_EVENTS = 10


def coverage_of(article):
    """The story's live coverage, or ``None`` (cards select it with the story: no query then)."""
    try:
        return article.live_coverage
    except LiveCoverage.DoesNotExist:
        return None


def _posts(coverage):
    authors = Prefetch("authors", queryset=Author.objects.order_by("name"))
    return (
        LivePost.objects.published()
        .filter(coverage=coverage)
        .select_related("photo__credit")
        .prefetch_related(authors)
    )


def stream_page(coverage, number):
    """
    Page ``number`` (1 when none) of the story's posts, newest first; a page that is not a
    number or out of range is a 404. The pinned post is listed in its place too.
    """
    paginator = Paginator(_posts(coverage).newest_first(), settings.NEWSROOM_LIVE_POSTS_PER_PAGE)
    try:
        return paginator.page(number or 1)
    except InvalidPage as error:
        raise Http404("No such page of posts.") from error


def latest_posts(coverage, limit=UPDATE_POSTS):
    return list(_posts(coverage).newest_first()[:limit])


def key_events(coverage, limit=KEY_EVENTS):
    """The newest key events (their titles and times, for the summary at the top)."""
    return list(LivePost.objects.published().filter(coverage=coverage, key_event=True).newest_first()[:limit])


def pinned_post(coverage):
    return _posts(coverage).filter(pinned=True).newest_first().first()


def page_of(post):
    """The page of the stream ``post`` is on now (newer posts push it down the pages)."""
    newer = (
        LivePost.objects.published()
        .filter(coverage_id=post.coverage_id)
        .filter(Q(posted_at__gt=post.posted_at) | Q(posted_at=post.posted_at, pk__gt=post.pk))
        .count()
    )
    return newer // settings.NEWSROOM_LIVE_POSTS_PER_PAGE + 1


def published_post(pk):
    """A post readers may see, with its story, or ``None``."""
    return LivePost.objects.published().select_related("coverage__article__section").filter(pk=pk).first()


def last_updated(coverage):
    """When the stream last changed for readers: the newest post's time, else the coverage start."""
    times = (
        LivePost.objects.published()
        .filter(coverage=coverage)
        .aggregate(posted=Max("posted_at"), corrected=Max("corrected_at"))
    )
    return max(moment for moment in (*times.values(), coverage.started_at, coverage.ended_at) if moment)
