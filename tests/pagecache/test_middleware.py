"""The full-page cache: stores tagged anonymous pages, refreshes exactly what an invalidation names."""

import hashlib
from datetime import timedelta
from unittest import mock

import pytest
from cachetools import LRUCache
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django.utils.http import quote_etag

import pagecache
from pagecache import blocks, middleware, registry, store
from tests.pagecache import urls
from tests.pagecache.support import SCHEDULE, block, page_key, remaining_ttl

pytestmark = pytest.mark.django_db


def test_second_request_is_served_from_the_cache(client, django_assert_num_queries):
    first = client.get("/tagged/a/")
    with django_assert_num_queries(0):
        second = client.get("/tagged/a/")

    assert first.content == second.content
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
    assert urls.RENDERS == ["a"]


def test_invalidating_a_tag_refreshes_only_pages_showing_it(client):
    client.get("/tagged/a/")
    client.get("/tagged/b/")

    pagecache.invalidate("thing:a")

    assert client.get("/tagged/a/")["X-Page-Cache"] == "MISS"
    assert client.get("/tagged/b/")["X-Page-Cache"] == "HIT"
    assert urls.RENDERS == ["a", "b", "a"]


def test_shared_tag_refreshes_every_page(client):
    client.get("/tagged/a/")
    client.get("/tagged/b/")

    pagecache.invalidate("site")

    assert client.get("/tagged/a/")["X-Page-Cache"] == "MISS"
    assert client.get("/tagged/b/")["X-Page-Cache"] == "MISS"


def test_untagged_pages_and_cookie_setting_pages_are_never_stored(client):
    client.get("/untagged/")
    client.get("/untagged/")
    client.get("/cookie/")
    client.get("/cookie/")

    assert urls.RENDERS == ["untagged", "untagged", "cookie", "cookie"]


def test_requests_with_a_session_bypass_the_cache(client, settings):
    client.get("/tagged/a/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything"

    response = client.get("/tagged/a/")

    assert "X-Page-Cache" not in response
    assert urls.RENDERS == ["a", "a"]


def test_conditional_request_for_a_cached_page_is_a_304_without_queries(client, django_assert_num_queries):
    etag = client.get("/tagged/a/")["ETag"]

    with django_assert_num_queries(0):
        response = client.get("/tagged/a/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert client.get("/tagged/a/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_hit_carries_the_etag_kept_with_it_and_hashes_nothing(client):
    first = client.get("/tagged/a/")

    with mock.patch("django.middleware.http.set_response_etag") as hashing:
        hit = client.get("/tagged/a/")

    assert hit["X-Page-Cache"] == "HIT"
    assert hit["ETag"] == first["ETag"] == quote_etag(hashlib.md5(hit.content).hexdigest())
    hashing.assert_not_called()


def test_reader_pages_carry_shared_cache_headers(client):
    response = client.get("/tagged/a/")

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=10", "s-maxage=1", "stale-while-revalidate=30", "stale-if-error=86400"} <= (
        cache_control
    )
    assert "Last-Modified" in response
    assert "Set-Cookie" not in response
    assert "Cookie" not in response.get("Vary", "")


def test_pages_and_blocks_are_kept_until_the_next_scheduled_change(client):
    SCHEDULE.append(timezone.now() + timedelta(seconds=42))

    key = page_key(client, "/tagged/a/")
    pagecache.cached_blocks([block("menu", {"site"}, [])])

    assert 40 <= remaining_ttl(key) <= 42
    assert 40 <= remaining_ttl(blocks.BLOCK_PREFIX + "menu") <= 42


def test_once_the_moment_passes_the_next_one_bounds_what_is_kept(client):
    now = timezone.now()
    SCHEDULE.extend([now + timedelta(seconds=5), now + timedelta(seconds=60)])
    client.get("/tagged/a/")

    later = now + timedelta(seconds=10)
    with mock.patch.object(timezone, "now", return_value=later):
        pagecache.cached_blocks([block("menu", {"site"}, [])])

    assert 49 <= remaining_ttl(blocks.BLOCK_PREFIX + "menu") <= 50  # until now + 60 s, not 5


def test_a_schedule_change_makes_the_next_scheduled_moment_be_asked_again(client):
    key = page_key(client, "/tagged/a/")
    assert remaining_ttl(key) > 290  # nothing scheduled: the whole TTL

    SCHEDULE.append(timezone.now() + timedelta(seconds=30))  # an editor schedules an embargo...
    pagecache.invalidate("thing:a", pagecache.SCHEDULES)  # ...and its commit invalidates what it touches

    assert remaining_ttl(page_key(client, "/tagged/a/")) <= 30


def test_the_next_scheduled_moment_is_asked_once_until_a_schedule_changes(client):
    client.get("/tagged/a/")  # the schedules have a version from here on
    asked = []
    with mock.patch.object(registry.schedules, "next_change", side_effect=lambda now: asked.append(now)):
        client.get("/tagged/a/")
        pagecache.invalidate("thing:b")  # a change that schedules nothing
        client.get("/tagged/b/")
        client.get("/tagged/c/")
        assert len(asked) == 1

        pagecache.invalidate(pagecache.SCHEDULES)
        client.get("/tagged/d/")
        assert len(asked) == 2


def test_the_next_scheduled_moment_asked_later_is_not_used_for_a_request_that_started_before():
    # A request that started before an embargo lifted must not be kept by an answer asked after.
    start = timezone.now()
    lift = start + timedelta(seconds=10)
    SCHEDULE.extend([lift, start + timedelta(seconds=120)])
    early = pagecache.Start(store.clock(cache), start)
    pagecache.cached_blocks([block("first", {"section:1"}, [])])  # the schedules have a version

    with mock.patch.object(timezone, "now", return_value=lift + timedelta(seconds=1)):
        pagecache.cached_blocks([block("late", {"section:1"}, [])])  # asks from after the lift
    with mock.patch.object(timezone, "now", return_value=lift - timedelta(seconds=5)):
        pagecache.cached_blocks([block("early", {"section:1"}, [])], since=early)

    assert remaining_ttl(blocks.BLOCK_PREFIX + "late") > 100
    assert remaining_ttl(blocks.BLOCK_PREFIX + "early") <= 5


def test_what_was_rendered_before_a_scheduled_change_is_not_kept_after_it():
    start = timezone.now()
    lift = start + timedelta(seconds=1)
    SCHEDULE.append(lift)
    since = pagecache.Start(store.clock(cache), start)

    def render():  # read the database before the embargo lifted, stored just after
        return "<p>without the embargoed story</p>", {"section:1"}

    with mock.patch.object(timezone, "now", return_value=lift + timedelta(milliseconds=50)):
        pagecache.cached_blocks([("section", render)], since=since)

    assert cache.get(blocks.BLOCK_PREFIX + "section") is None


def test_a_hit_reads_the_cache_once(client):
    client.get("/tagged/a/")

    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert client.get("/tagged/a/")["X-Page-Cache"] == "HIT"

    get_many.assert_called_once()


def render_changing_page_while(client, change):
    """Request the changing page, with ``change`` landing while it renders; then how it is served twice."""
    urls.CHANGING["while_rendering"] = change
    client.get("/changing/")
    urls.CHANGING["while_rendering"] = None
    return [client.get("/changing/")["X-Page-Cache"] for _ in range(2)]


def test_a_page_rendered_while_an_unrelated_thing_changed_is_stored(client):
    client.get("/changing/")
    pagecache.invalidate("thing:a")  # the page is rendered again, as something else changes

    assert render_changing_page_while(client, lambda: pagecache.invalidate("thing:other")) == ["HIT", "HIT"]


def test_a_page_rendered_while_something_it_shows_changed_is_not_stored(client):
    # The page read the database before the change committed; storing it could keep the old story.
    assert render_changing_page_while(client, lambda: pagecache.invalidate("thing:a")) == ["MISS", "HIT"]


def test_a_tag_declared_late_in_the_render_is_checked_from_the_start(client):
    # The page's tags are known only once it is rendered: one whose version this request never
    # read before, and which moved while it rendered, still refuses the store.
    client.get("/changing/")  # stored with thing:a alone: its versions are known
    pagecache.invalidate("thing:a")
    urls.CHANGING["tags"] = ["thing:a", "thing:new"]

    assert render_changing_page_while(client, lambda: pagecache.invalidate("thing:new")) == ["MISS", "HIT"]


def test_no_page_is_stored_from_data_older_than_a_version_it_carries(client):
    """
    Whatever moves while a page renders, what is stored never carries a version newer than the
    data it was rendered from: each render shows the "data" as it was when the request started.
    """
    data = {"thing:a": 0, "thing:b": 0, "thing:c": 0}
    changes = iter([["thing:b"], [], ["thing:a", "thing:c"], ["thing:other"], ["thing:c"], [], ["thing:a"]])

    def view(request):
        seen = dict(data)  # read at the start of the render
        for name in next(changes, []):  # an editor commits, and the purge lands, meanwhile
            data[name] += 1
            pagecache.invalidate(name)
        response = pagecache.tag(HttpResponse(repr(sorted(seen.items()))), *seen)
        return response

    page_cache = middleware.PageCacheMiddleware(view)
    for _ in range(10):
        response = page_cache(RequestFactory().get("/changing/"))
        if response["X-Page-Cache"] == "HIT":
            assert response.content.decode() == repr(sorted(data.items())), "a stale page was kept"


def test_a_page_whose_tags_changed_is_checked_against_its_new_tags(client):
    client.get("/changing/")
    urls.CHANGING["tags"] = ["thing:b"]
    pagecache.invalidate("thing:a")
    assert client.get("/changing/")["X-Page-Cache"] == "MISS"  # now shows thing:b, not thing:a

    pagecache.invalidate("thing:a")
    assert client.get("/changing/")["X-Page-Cache"] == "HIT"
    pagecache.invalidate("thing:b")
    assert client.get("/changing/")["X-Page-Cache"] == "MISS"


def test_a_worker_that_never_saw_a_page_serves_it_and_sees_its_invalidation():
    """Other gunicorn workers share the cache, not this process's memory of each page's tags."""
    page_cache = middleware.PageCacheMiddleware(lambda request: urls.tagged(request, "a"))
    request = RequestFactory().get("/tagged/a/")

    def in_a_fresh_worker():
        with mock.patch.object(store, "_remembered_tag_keys", LRUCache(10)):
            return page_cache(request)

    stored = page_cache(request)
    served = in_a_fresh_worker()
    pagecache.invalidate("thing:a")
    refreshed = in_a_fresh_worker()

    outcomes = [response["X-Page-Cache"] for response in (stored, served, refreshed)]
    assert outcomes == ["MISS", "HIT", "MISS"]
    assert served.content == stored.content
    assert urls.RENDERS == ["a", "a"]
