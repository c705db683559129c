import pytest
from django.core.cache import cache
from django.tasks import task_backends


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads made by a test go to its own temporary folders, never to media/ or var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "originals": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "originals", "base_url": None},
        },
    }
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (local memory, or Redis when REDIS_URL is set)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page_cache(settings):
    """Turn the full-page cache on (it is off in tests by default, see settings_test)."""
    settings.NEWSROOM_PAGE_CACHE_TTL = 300
    return settings


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """
    ``committed(change, ...)``: call ``change`` and run its on-commit callbacks (the page
    cache's invalidations), as a real commit would.
    """

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def queued_tasks(settings):
    """Django's dummy tasks backend: tasks are kept, not run, like a queue whose worker is down."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend.results
