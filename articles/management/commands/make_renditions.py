"""
``manage.py make_renditions``: make the renditions (articles/renditions.py) that are missing, for
every photo or for the ones named. Photos get theirs from a task enqueued when they are uploaded
or their focal point changes; ``--pending`` makes them for the photos whose task has not done so
(it was lost, or failed for good): the safety net, run on a schedule beside
``publish_scheduled`` (every few minutes; it only queries while nothing is pending). Without it,
this backfills every photo, and with ``--force`` makes them all again (after the widths or
encoder settings changed). ``--prune`` also removes the crops of focal points a photo no longer
has.

Running it again changes nothing: a photo whose renditions all exist is only checked.
"""

from django.core.management.base import BaseCommand, CommandError

from articles import renditions
from articles.models import Photo


class Command(BaseCommand):
    help = "Make the missing renditions (sizes, WebP/JPEG, focal-point crops) of every photo."

    def add_arguments(self, parser):
        parser.add_argument("photo_ids", nargs="*", type=int, help="Only these photos (ids).")
        parser.add_argument("--force", action="store_true", help="Make every rendition again.")
        parser.add_argument(
            "--pending",
            action="store_true",
            help="Only photos whose renditions are not recorded as made (a lost or failed task).",
        )
        parser.add_argument(
            "--prune", action="store_true", help="Delete renditions a photo no longer uses (old crops)."
        )

    def handle(self, *args, photo_ids, force, pending, prune, **options):
        photos = Photo.objects.order_by("pk")
        if pending:
            photos = renditions.awaiting_renditions(photos)
        if photo_ids:
            photos = photos.filter(pk__in=photo_ids)
        made = pruned = failed = 0
        for photo in photos.iterator():
            try:
                made += len(renditions.make_renditions(photo, force=force))
            except Exception as error:  # One bad file must not stop the backfill of the others.
                failed += 1
                self.stderr.write(self.style.WARNING(f"Photo {photo.pk} ({photo.image.name}): {error}"))
                continue
            if prune:
                for name in renditions.stale_renditions(photo):
                    photo.image.storage.delete(name)
                    pruned += 1
        summary = f"Made {made} renditions"
        if prune:
            summary += f", deleted {pruned} unused ones"
        self.stdout.write(self.style.SUCCESS(f"{summary}."))
        if failed:
            raise CommandError(f"{failed} photos failed; see above.")
