"""Settings for the test suite: the real settings, with fast hashing and in-memory mail."""

import os

# Tests need no real secret; production still refuses to start without one.
os.environ.setdefault("SECRET_KEY", "insecure-test-only-key")

from newsroom.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Background tasks run at once, after their commit, in the test's own process; tests of the
# queues switch to the database or Redis backend (tests/test_tasks.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# The full-page cache is off by default in tests: most tests change data without committing, so
# nothing would invalidate it. Tests of the cache turn it on with the ``page_cache`` fixture and
# run their on-commit callbacks.
NEWSROOM_PAGE_CACHE_TTL = 0
# Nor does a request look for pending purges: a query once a second would land in tests that
# count queries at random. Tests of it turn it on (tests/pagecache/test_purges.py).
NEWSROOM_PURGE_CHECK_SECONDS = 0

# Without Redis, tests keep the cache in memory (the file cache of the real default is shared by
# every process, a dev server included); the cross-process test runs that default in subprocesses.
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
