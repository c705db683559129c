"""
The desk's work queues: what the admin index counts and the article list filters by.

One definition per queue, used by both, so a count on the dashboard always matches the list
its link opens.
"""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article, ArticleAuthor
from articles.permissions import is_editor

Status = Article.Status
RECENT = timedelta(hours=24)


def awaiting_review(queryset, user):
    """New stories in review, and live stories with changes submitted for review."""
    return queryset.filter(Q(status=Status.REVIEW) | Q(submitted_revision__isnull=False))


def scheduled(queryset, user):
    return queryset.filter(status=Status.SCHEDULED)


def recently_published(queryset, user):
    """Live stories first published or updated in the last 24 hours."""
    # A story's last change readers saw is its latest update or, never updated, its first
    # publication (an update always follows it): the expression index article_live_last_change
    # holds, so the few recent stories are read from it instead of scanning every story.
    since = timezone.now() - RECENT
    last_change = Coalesce("updated_at", "written_at")
    return queryset.published().alias(last_change=last_change).filter(last_change__gte=since)


def my_drafts(queryset, user):
    # EXISTS, not a join on the bylines: a join needs .distinct(), a DISTINCT over every column
    # of the stories, bodies included.
    my_byline = ArticleAuthor.objects.filter(article=OuterRef("pk"), author__user=user)
    return queryset.filter(status=Status.DRAFT).filter(Exists(my_byline) | Q(created_by=user))


# (key, label, queryset function, who sees it on the dashboard)
QUEUES = [
    ("review", "Awaiting review", awaiting_review, is_editor),
    ("scheduled", "Scheduled", scheduled, lambda user: True),
    ("recent", "Recently published (24 hours)", recently_published, lambda user: True),
    ("mine", "My drafts", my_drafts, lambda user: True),
]


class QueueFilter(admin.SimpleListFilter):
    title = "desk queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label, _, _ in QUEUES]

    def queryset(self, request, queryset):
        for key, _, select, _ in QUEUES:
            if self.value() == key:
                return select(queryset, request.user)
        return queryset


def dashboard(user):
    """``[(key, label, count), ...]`` for the queues this user works from."""
    articles = Article.objects.all()
    return [
        (key, label, select(articles, user).count()) for key, label, select, shown in QUEUES if shown(user)
    ]
