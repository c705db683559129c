"""
Backups that round-trip: ``manage.py backup`` writes one archive, ``manage.py restore`` puts it
back (``backups.services``).

An archive (``backups.archive``: a .tar.gz or a .zip) holds the database (``backups.database``:
``pg_dump`` on PostgreSQL, Django's serializer elsewhere), every file of the media and originals
storages (read and written through Django's storage API only, so S3 works as the folders do),
and ``manifest.json``: the rows of every model and the size and SHA-256 of every other member.
A restore checks all of that before it changes anything.
"""


class BackupError(Exception):
    """A backup or restore was refused or failed. ``str(error)`` is written for the person."""
