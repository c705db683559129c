"""
Live coverage: a story that is also a stream of short, timestamped posts (a live blog).

The story keeps everything it has (its address, headline, section, photo, bylines, Related News
and workflow); ``LiveCoverage`` marks it live and ``LivePost`` rows are its stream. Two rules:
- ``LivePostQuerySet.published()`` alone decides which posts a reader sees: approved posts of a
  story that ``Article.objects.published()`` shows, so an embargoed or withdrawn story's posts
  are never served.
- Posts change only through ``live.actions`` (audited, revisioned, the cache refreshed on commit).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.html import SanitizedHTMLField
from articles.models import AppendOnlyModel, Article, Author, Photo


class LiveCoverage(models.Model):
    """An article made live: running from ``started_at`` until an editor closes it (``ended_at``)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="live_coverage")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    reporter_posts_need_approval = models.BooleanField(
        default=True, help_text="Reporters' posts wait for an editor's approval before readers see them."
    )

    class Meta:
        verbose_name = "live story"
        verbose_name_plural = "live stories"
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="live_coverage_ends_after_start",
                violation_error_message="Live coverage must end after it starts.",
            ),
        ]

    def __str__(self):
        return str(self.article)

    @property
    def is_running(self):
        return self.ended_at is None


class LivePostQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """The posts readers see: approved, on a story ``published()`` shows (the one rule)."""
        return self.filter(
            approved_at__isnull=False, coverage__article__in=Article.objects.published(now=now).values("pk")
        )

    def newest_first(self):
        return self.order_by("-posted_at", "-pk")


class LivePost(models.Model):
    """
    One post of a live story. ``approved_at`` is null while a reporter's post waits for an
    editor; ``posted_at`` is the time readers see (when it went out).
    """

    coverage = models.ForeignKey(LiveCoverage, on_delete=models.CASCADE, related_name="posts")
    authors = models.ManyToManyField(Author, blank=True, related_name="live_posts")
    title = models.CharField(max_length=200, blank=True)
    body = SanitizedHTMLField()
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key_event = models.BooleanField(default=False, help_text="Listed in the key events at the top.")
    pinned = models.BooleanField(default=False, help_text="Shown above the stream.")
    posted_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A correction shown with the post once it was corrected after going out.
    correction_note = models.TextField(blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped on every edit: the reader's script replaces a post whose version moved.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = LivePostQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-pk"]
        indexes = [models.Index(fields=["coverage", "-posted_at", "-id"], name="live_post_stream")]

    def __str__(self):
        return self.title or f"Post {self.pk}"

    @property
    def is_approved(self):
        return self.approved_at is not None

    @property
    def anchor(self):
        return f"post-{self.pk}"


class LivePostRevision(AppendOnlyModel):
    """
    A snapshot of a post's content at each save (as ``ArticleRevision`` is of a story). It
    outlives the post: a deleted post's revisions keep its id, so no constraint ties them to it.
    """

    post = models.ForeignKey(
        LivePost, on_delete=models.DO_NOTHING, db_constraint=False, related_name="revisions"
    )
    content = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"
