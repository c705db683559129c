from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from ops import rediscache
        from pagecache import purges

        # Entries Redis kept through an outage may show what changed meanwhile: the purges that
        # could not land then are done before this process reads the cache again.
        rediscache.on_recovery(purges.retry_pending)
