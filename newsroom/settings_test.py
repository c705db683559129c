"""Settings for the test suite: the real settings, with fast hashing and in-memory mail."""

import os

# Tests need no real secret; production still refuses to start without one.
os.environ.setdefault("SECRET_KEY", "insecure-test-only-key")

from newsroom.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
