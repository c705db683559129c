"""
Take due embargoes and expiries. Safe to run from cron every minute: it is idempotent, and
readers never depend on it running on time (``published()`` compares with the clock itself);
it records the change in the audit trail and lets caches know. It also does the page cache
purges that could not land when their change committed (the cache was away, or the process
died right after the commit): see ``pagecache.purges``; sends the edge purges (Varnish) whose task
gave up or was lost: see ``pagecache.edge``; delivers the notifications (inbox and email) that
failed (the mail server away) or whose task was lost: see ``articles.notifications``; and makes
the photo renditions whose task was lost or gave up: see ``articles.renditions.make_pending_renditions``.

    * * * * *  cd /srv/newsroom && .venv/bin/python manage.py publish_scheduled
"""

from django.core.management.base import BaseCommand

from articles import notifications, renditions, workflow
from pagecache import edge, purges


class Command(BaseCommand):
    help = "Publish stories whose embargo has passed and take down stories past their take-down time."

    def handle(self, *args, **options):
        went_live, taken_down = workflow.run_schedule()
        for article in went_live:
            self.stdout.write(f"Live: {article.headline}")
        for article in taken_down:
            self.stdout.write(f"Taken down: {article.headline}")
        if options["verbosity"] > 1 or went_live or taken_down:
            self.stdout.write(f"{len(went_live)} published, {len(taken_down)} taken down.")
        try:
            purged = purges.retry_pending()
        except Exception as error:  # the cache still away: the next run, or a process, does them
            self.stderr.write(f"Pending page cache purges not done yet ({type(error).__name__}: {error}).")
        else:
            if purged:
                self.stdout.write(f"{purged} pending page cache purge(s) done.")
        edge_done, edge_failed = edge.retry_pending()
        if edge_done:
            self.stdout.write(f"{edge_done} pending edge purge(s) sent.")
        if edge_failed:
            self.stderr.write(f"{edge_failed} edge purge(s) still not taken: see pagecache_pendingedgepurge.")
        sent, failed = notifications.retry_pending()
        if sent:
            self.stdout.write(f"{sent} pending notification(s) delivered.")
        if failed:
            self.stderr.write(f"{failed} notification(s) still not delivered: the mail server refused them.")
        made, failed = renditions.make_pending_renditions()
        if made:
            self.stdout.write(f"Renditions made for {made} photo(s) whose task did not make them.")
        if failed:
            self.stderr.write(f"{failed} photo(s) still without renditions: see the log.")
