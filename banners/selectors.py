"""What readers see of the banners: the reads, for the template tag and the page cache."""

import datetime

from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from articles.models import Article
from banners.models import Banner
from ops.compiled import CompiledQuery


def banners_in_window(*, section_id=None, now=None):
    """
    The banners whose window holds ``now``, for the whole site and for ``section_id`` (site-wide
    first), with their story and section, each annotated with ``story_visible``: whether
    ``published()`` shows its story (a banner whose story is not is not shown). One query.
    """
    return _banners_in_window(section=section_id or None, now=now or timezone.now())


def _window(values):
    scope = Q(section__isnull=True)
    if values.section is not None:
        scope |= Q(section_id=values.section)
    visible = Article.objects.published(now=values.now).filter(pk=OuterRef("article_id"))
    return (
        Banner.objects.filter(scope, starts_at__lte=values.now, expires_at__gt=values.now)
        .annotate(story_visible=Exists(visible))
        .select_related("article__section")
    )


# Built once per process (on every reader page, the query is the same but for its values).
_banners_in_window = CompiledQuery(_window, section=int, now=datetime.datetime)


def next_banner_change(*, now):
    """The next start or expiry of a banner after ``now``, or ``None`` (``pagecache.registry``)."""
    moments = Banner.objects.aggregate(
        starts=Min("starts_at", filter=Q(starts_at__gt=now)),
        expires=Min("expires_at", filter=Q(expires_at__gt=now)),
    )
    return min((moment for moment in moments.values() if moment is not None), default=None)
