from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import AppendOnlyModel, Article, Section

ONE_PER_SCOPE_MESSAGE = (
    "There is already a banner for this scope (site-wide, or this section): only one shows at a "
    "time. Change or end that banner instead."
)


class Banner(models.Model):
    """
    The breaking-news banner of one scope: site-wide (``section`` empty) or one section's pages
    and stories. It shows from ``starts_at`` until ``expires_at``, and only while readers can
    see its story (``Article.objects.published()``). Changed only through ``banners.services``.
    """

    text = models.CharField(max_length=120, help_text="One short line, e.g. “Polls close in the capital”.")
    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="story",
        help_text="The story the banner links to: one readers can see.",
    )
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: every page. A section: its pages and its stories.",
    )
    starts_at = models.DateTimeField("shows from", default=timezone.now)
    expires_at = models.DateTimeField("until")

    class Meta:
        ordering = [F("section").asc(nulls_first=True)]
        constraints = [
            # One row per scope; a site-wide banner's section is NULL, which a plain unique
            # constraint would let repeat, hence the COALESCE (no section has id 0).
            models.UniqueConstraint(
                Coalesce("section", Value(0)),
                name="banner_one_per_scope",
                violation_error_message=ONE_PER_SCOPE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("starts_at")),
                name="banner_expires_after_start",
                violation_error_message="A banner must expire after it starts.",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def scope_name(self):
        return describe_scope(self.section)

    def clean(self):
        if self.article_id and not Article.objects.published().filter(pk=self.article_id).exists():
            refusal = f"“{self.article}” is not published: a banner links only to a story readers can see."
            raise ValidationError({"article": refusal})


def describe_scope(section):
    return section.name if section is not None else "Site-wide"


class BannerEvent(AppendOnlyModel):
    """
    One change to a banner: the audit trail. It names the banner by number, not by a foreign
    key, so it outlives the banner (and its story and section: their links are set to NULL).
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        ENDED = "ended", "Ended"

    action = models.CharField(max_length=16, choices=Action.choices)
    banner_number = models.PositiveIntegerField(db_index=True)
    scope = models.CharField(max_length=120, help_text="Site-wide, or the section's name then.")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="story"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=600, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()}: banner {self.banner_number} ({self.scope})"
