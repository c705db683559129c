from django.apps import AppConfig

from pagecache.registry import schedules


class BannersConfig(AppConfig):
    name = "banners"
    verbose_name = "Breaking news"

    def ready(self):
        from banners import selectors

        # A banner disappears at its expiry (and appears at its start) with no cron and no task:
        # no page or block is kept, by the page cache or an edge, past the next start or expiry,
        # as for embargoes. A task queued for that moment (as articles/workflow/clock.py does)
        # would need a worker running on time and would still leave pages kept until then.
        schedules.register(selectors.next_banner_change)
