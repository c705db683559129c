"""
Hashed, compressed static files (whitenoise) that never take a page down.

Django's manifest storage raises "Missing staticfiles manifest entry" from ``{% static %}`` for a
name the manifest lacks: with no ``collectstatic`` at all, or a template naming a file added
since, every page that shows it answers 500. Here such a name falls back to its unhashed URL
(served if the file was collected under that name, a 404 for that one file otherwise), with one
warning per name and process. ``collectstatic`` itself stays strict: a stylesheet naming a
missing file still fails the build.

whitenoise decides which files to cache for ever by asking the storage for the URL of a name it
guesses from each file (``site.1a2b3c.css`` -> ``site.css``; ``jquery.min.js`` -> ``jquery.js``)
and expecting an error for a wrong guess; with the fallback above every wrong guess would warn.
So the settings give it ``WHITENOISE_IMMUTABLE_FILE_TEST``, the shape of a hashed name instead.
"""

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class ForgivingManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    # A name the manifest lacks raises (no file is hashed at run time); stored_name() falls back.
    manifest_strict = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._warned = set()

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            if name not in self._warned:
                self._warned.add(name)
                logger.warning(
                    "Static file %r is not in the staticfiles manifest: its unhashed URL is used. "
                    "Run manage.py collectstatic.",
                    name,
                )
            return name

