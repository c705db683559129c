"""The page cache's one table: purges recorded with the change that needs them (``purges``)."""

from django.db import models


class PendingPurge(models.Model):
    """
    Tags a committed change has to move in the page cache. Written in the change's own
    transaction and deleted once the tags have moved, so a purge that failed (the cache away, the
    process dying right after the commit) is still on record and is retried until it lands.
    """

    tags = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Purge of {', '.join(self.tags)}"


class PendingEdgePurge(models.Model):
    """
    Tags an edge node (Varnish, ``NEWSROOM_EDGE_PURGE_URLS``) has to drop, written once the page
    cache's own purge of them landed and deleted once the node took it (``pagecache.edge``).
    """

    node = models.CharField(max_length=500)
    tags = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Edge purge of {', '.join(self.tags)} on {self.node}"
