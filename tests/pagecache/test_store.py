"""The store: tag versions and the version clock, and each process's memory of pages' tags."""

from unittest import mock

import pytest
from cachetools import LRUCache
from django.core.cache import cache

import pagecache
from pagecache import store
from tests.pagecache import urls

pytestmark = pytest.mark.django_db


TAG_A = store.TAG_PREFIX + "thing:a"


@pytest.mark.parametrize("dropped", [[TAG_A], [store.CLOCK_KEY], [TAG_A, store.CLOCK_KEY]])
def test_a_page_whose_tag_moved_and_was_dropped_while_it_rendered_is_not_stored(client, dropped):
    # A file cache culls entries at random, Redis may evict them: versions and the clock included.
    def change_then_drop():
        pagecache.invalidate("thing:a")
        cache.delete_many(dropped)

    urls.CHANGING["while_rendering"] = change_then_drop
    client.get("/changing/")
    urls.CHANGING["while_rendering"] = None

    assert client.get("/changing/")["X-Page-Cache"] == "MISS"
    assert client.get("/changing/")["X-Page-Cache"] == "HIT"


def test_the_clock_started_again_is_ahead_of_every_version_handed_out():
    pagecache.invalidate("thing:a")
    moved = cache.get(store.TAG_PREFIX + "thing:a")
    cache.delete(store.CLOCK_KEY)

    assert store.clock(cache) > moved
    pagecache.invalidate("thing:a")
    assert cache.get(store.TAG_PREFIX + "thing:a") > moved


def test_a_version_never_goes_down():
    pagecache.invalidate("thing:a")
    moved = cache.get(store.TAG_PREFIX + "thing:a")
    cache.set(store.CLOCK_KEY, 1, None)  # a clock dropped and started by a process whose time is behind

    pagecache.invalidate("thing:a")

    assert cache.get(store.TAG_PREFIX + "thing:a") >= moved
    assert store.clock(cache) > 1


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


def test_entries_remembered_with_the_same_tags_share_one_copy_of_each_tag_key():
    first = [store.TAG_PREFIX + "site", store.TAG_PREFIX + "section:1"]
    # Equal keys read back from the cache for another entry are other string objects.
    second = ["".join([store.TAG_PREFIX, "site"]), "".join([store.TAG_PREFIX, "section:1"])]
    assert second[0] is not first[0]
    with (
        mock.patch.object(store, "_remembered_tag_keys", LRUCache(10)),
        mock.patch.object(store, "_shared_tag_keys", {}),
    ):
        store._remember("page:a", first)
        store._remember("page:b", second)

        a, b = store._remembered_tag_keys["page:a"], store._remembered_tag_keys["page:b"]
        assert a == b
        assert all(x is y for x, y in zip(a, b, strict=True))


def test_the_shared_tag_keys_stay_bounded():
    with (
        mock.patch.object(store, "_remembered_tag_keys", LRUCache(10)),
        mock.patch.object(store, "_shared_tag_keys", {}),
        mock.patch.object(store, "SHARED_TAG_KEYS", 3),
    ):
        for n in range(10):
            store._remember(f"page:{n}", [f"{store.TAG_PREFIX}article:{n}"])
            assert len(store._shared_tag_keys) <= 4
        assert store._remembered_tag_keys["page:0"] == (f"{store.TAG_PREFIX}article:0",)  # still right
