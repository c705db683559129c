import pytest

from pagecache import registry
from tests.pagecache import support, urls


@pytest.fixture(autouse=True)
def tiny_site(settings, page_cache, monkeypatch):
    """The page cache on, in front of the tiny site, with the tiny site's schedule."""
    settings.ROOT_URLCONF = "tests.pagecache.urls"
    monkeypatch.setattr(registry, "schedules", registry.Schedules(support.next_change))
    urls.RENDERS.clear()
    urls.CHANGING.update(tags=["thing:a"], while_rendering=None)
    support.SCHEDULE.clear()
