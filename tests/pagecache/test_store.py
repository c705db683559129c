"""The store: tag versions and the generation, and each process's memory of pages' tags."""

from unittest import mock

import pytest
from cachetools import LRUCache
from django.core.cache import cache

import pagecache
from pagecache import store
from tests.pagecache import urls

pytestmark = pytest.mark.django_db


def test_a_page_rendered_while_the_generation_was_evicted_is_not_stored(client):
    # A file cache culls entries at random, Redis may evict them: the generation included.
    def change_then_evict():
        pagecache.invalidate("thing:a")
        cache.delete(store.GENERATION_KEY)

    urls.CHANGING["while_rendering"] = change_then_evict
    client.get("/changing/")
    urls.CHANGING["while_rendering"] = None

    assert client.get("/changing/")["X-Page-Cache"] == "MISS"
    assert client.get("/changing/")["X-Page-Cache"] == "HIT"


def test_the_pages_read_most_recently_stay_one_round_trip(client):
    with mock.patch.object(store, "_remembered_tag_keys", LRUCache(2)):
        client.get("/tagged/a/")
        client.get("/tagged/b/")
        client.get("/tagged/a/")  # read again: b is now the least recently used
        client.get("/tagged/c/")  # one more than it remembers

        with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
            assert client.get("/tagged/a/")["X-Page-Cache"] == "HIT"
        assert get_many.call_count == 1

        with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
            assert client.get("/tagged/b/")["X-Page-Cache"] == "HIT"
        assert get_many.call_count == 2  # forgotten: its tags' versions are read in a second trip
