"""
``manage.py backup [--output PATH]``: the database, the uploaded media and the originals in one
archive (.tar.gz, or .zip by its name) with a manifest of row counts and SHA-256 checksums.
Without ``--output`` it is written under ``var/backups/``. See ``backups.services``.
"""

from django.core.management.base import BaseCommand, CommandError

from backups import BackupError
from backups.services import backup_create


class Command(BaseCommand):
    help = "Write the database, media and originals to one archive (.tar.gz or .zip) with a manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="The archive to write, ending in .tar.gz or .zip (default: var/backups/…)."
        )

    def handle(self, *args, output=None, **options):
        try:
            done = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {done.rows} rows of {len(done.counts)} models and {done.files} files "
                f"to {done.path} ({done.size:,} bytes)."
            )
        )
