"""
A person's notifications (the inbox), how they want to be told, and which notices went out.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """One thing one person was told, in their inbox in the admin until they read it."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        RETURNED = "returned", "Returned"
        PUBLISHED = "published", "Published"
        UPDATED = "updated", "Update published"
        UNPUBLISHED = "unpublished", "Unpublished"
        RESCHEDULED = "rescheduled", "Rescheduled"
        WENT_LIVE = "went_live", "Went live"
        TAKEN_DOWN = "taken_down", "Taken down"
        PICK_ADDED = "pick_added", "Editor's Pick added"
        PICK_ENDED = "pick_ended", "Editor's Pick ended"
        MENTIONED = "mentioned", "Mentioned"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What happened, in one line for the person ("Rita submitted “Port strike ends” for review.").
    summary = models.CharField(max_length=400)
    comment = models.TextField(blank=True)
    # The story it is about; it may be deleted later (the summary still names it).
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The happening it comes from ("workflow:12", "pick-ended:4:2026-03-01T09:00:00+00:00"): a
    # retried delivery never puts the same thing in an inbox twice.
    source = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "source"], name="inbox_one_notification_per_source"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="inbox_by_recipient"),
            # The header's unread count on every admin page reads only this.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="inbox_unread"),
        ]

    def __str__(self):
        return self.summary

    @property
    def is_unread(self):
        return self.read_at is None


class Preference(models.Model):
    """How one person wants to be told; without a row, ``NEWSROOM_NOTIFY_BY`` (everyone's default)."""

    class Delivery(models.TextChoices):
        ADMIN = "admin", "In the admin only"
        EMAIL = "email", "By email only"
        BOTH = "both", "In the admin and by email"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    delivery = models.CharField(max_length=8, choices=Delivery.choices)

    def __str__(self):
        return f"{self.user}: {self.get_delivery_display()}"

    @property
    def in_admin(self):
        return self.delivery in (self.Delivery.ADMIN, self.Delivery.BOTH)

    @property
    def by_email(self):
        return self.delivery in (self.Delivery.EMAIL, self.Delivery.BOTH)


class Delivery(models.Model):
    """
    A notice delivered to everyone it concerns, by its source: kept so that a retried task and
    the safety net (``publish_scheduled``) never deliver it twice.
    """

    source = models.CharField(max_length=120, unique=True)
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"

    def __str__(self):
        return self.source
