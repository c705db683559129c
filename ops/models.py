from django.db import models


class ReplicationMark(models.Model):
    """
    One row whose ``value`` goes up by one at each page cache invalidation while a read replica
    is configured: a replica showing a value has replayed every change committed before the
    primary wrote it (``ops.replication``).
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "replication mark"

    def __str__(self):
        return f"replication mark {self.value}"
