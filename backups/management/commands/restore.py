"""
``manage.py restore PATH [--force]``: put back what ``manage.py backup`` wrote. Refuses a
database with content unless ``--force``, and a damaged, cut-off or altered archive, before
changing anything; then restores the database, media and originals and checks the row counts.
See ``backups.services``.
"""

from django.core.management.base import BaseCommand, CommandError

from backups import BackupError
from backups.services import backup_restore


class Command(BaseCommand):
    help = "Restore the database, media and originals from an archive made by manage.py backup."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive (.tar.gz or .zip) made by manage.py backup.")
        parser.add_argument(
            "--force", action="store_true", help="Replace the content of a database that is not empty."
        )

    def handle(self, *args, path, force, **options):
        try:
            done = backup_restore(path=path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {done.rows} rows of {len(done.counts)} models and {done.files} files from "
                f"{done.path}; every checksum and row count matches the manifest."
            )
        )
