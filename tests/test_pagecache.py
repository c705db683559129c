"""The full-page cache: stores tagged anonymous pages, refreshes exactly what an invalidation names."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from newsroom import pagecache
from newsroom.memo import BoundedMemo
from tests import pagecache_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tiny_site(settings, page_cache):
    settings.ROOT_URLCONF = "tests.pagecache_urls"
    settings.NEWSROOM_PAGE_CACHE_NEXT_CHANGE = "tests.test_pagecache.next_change"
    pagecache_urls.RENDERS.clear()
    pagecache_urls.CHANGING.update(tags=["thing:a"], while_rendering=None)
    SCHEDULE.clear()


# Moments at which the tiny site's visibility changes by the clock (embargoes, take-downs).
SCHEDULE = []


def next_change(*, now):
    return min((moment for moment in SCHEDULE if moment > now), default=None)


def remaining_ttl(key):
    """Seconds until the cache forgets ``key`` (django-redis or local memory)."""
    if hasattr(cache, "ttl"):
        return cache.ttl(key)
    expires_at = cache._expire_info[cache.make_and_validate_key(key)]
    return expires_at - timezone.now().timestamp()


def page_key(client, url):
    return pagecache._page_key(client.get(url).wsgi_request)


def test_second_request_is_served_from_the_cache(client, django_assert_num_queries):
    first = client.get("/tagged/a/")
    with django_assert_num_queries(0):
        second = client.get("/tagged/a/")

    assert first.content == second.content
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
    assert pagecache_urls.RENDERS == ["a"]


def test_invalidating_a_tag_refreshes_only_pages_showing_it(client):
    client.get("/tagged/a/")
    client.get("/tagged/b/")

    pagecache.invalidate("thing:a")

    assert client.get("/tagged/a/")["X-Page-Cache"] == "MISS"
    assert client.get("/tagged/b/")["X-Page-Cache"] == "HIT"
    assert pagecache_urls.RENDERS == ["a", "b", "a"]


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

    assert pagecache_urls.RENDERS == ["untagged", "untagged", "cookie", "cookie"]


def test_requests_with_a_session_bypass_the_cache(client, settings):
    client.get("/tagged/a/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything"

    response = client.get("/tagged/a/")

    assert "X-Page-Cache" not in response
    assert pagecache_urls.RENDERS == ["a", "a"]


def test_conditional_request_for_a_cached_page_is_a_304_without_queries(client, django_assert_num_queries):
    etag = client.get("/tagged/a/")["ETag"]

    with django_assert_num_queries(0):
        response = client.get("/tagged/a/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert client.get("/tagged/a/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


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
    assert 40 <= remaining_ttl(pagecache.BLOCK_PREFIX + "menu") <= 42


def test_once_the_moment_passes_the_next_one_bounds_what_is_kept(client):
    now = timezone.now()
    SCHEDULE.extend([now + timedelta(seconds=5), now + timedelta(seconds=60)])
    client.get("/tagged/a/")

    later = now + timedelta(seconds=10)
    with mock.patch.object(pagecache.timezone, "now", return_value=later):
        pagecache.cached_blocks([block("menu", {"site"}, [])])

    assert 49 <= remaining_ttl(pagecache.BLOCK_PREFIX + "menu") <= 50  # until now + 60 s, not 5


def test_any_change_makes_the_next_scheduled_moment_be_asked_again(client):
    key = page_key(client, "/tagged/a/")
    assert remaining_ttl(key) > 290  # nothing scheduled: the whole TTL

    SCHEDULE.append(timezone.now() + timedelta(seconds=30))  # an editor schedules an embargo...
    pagecache.invalidate("thing:a")  # ...and its commit invalidates what it touches

    assert remaining_ttl(page_key(client, "/tagged/a/")) <= 30


def test_what_was_rendered_before_a_scheduled_change_is_not_kept_after_it():
    start = timezone.now()
    lift = start + timedelta(seconds=1)
    SCHEDULE.append(lift)
    since = pagecache.Start(cache.get(pagecache.GENERATION_KEY), start)

    def render():  # read the database before the embargo lifted, stored just after
        return "<p>without the embargoed story</p>", {"section:1"}

    with mock.patch.object(pagecache.timezone, "now", return_value=lift + timedelta(milliseconds=50)):
        pagecache.cached_blocks([("section", render)], since=since)

    assert cache.get(pagecache.BLOCK_PREFIX + "section") is None


def test_a_hit_reads_the_cache_once(client):
    client.get("/tagged/a/")

    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert client.get("/tagged/a/")["X-Page-Cache"] == "HIT"

    get_many.assert_called_once()


def test_a_page_rendered_during_an_invalidation_is_not_stored(client):
    # The page read the database before the change committed; storing it could keep the old story.
    pagecache_urls.CHANGING["while_rendering"] = lambda: pagecache.invalidate("thing:other")
    client.get("/changing/")
    pagecache_urls.CHANGING["while_rendering"] = None

    assert client.get("/changing/")["X-Page-Cache"] == "MISS"
    assert client.get("/changing/")["X-Page-Cache"] == "HIT"


def test_a_page_whose_tags_changed_is_checked_against_its_new_tags(client):
    client.get("/changing/")
    pagecache_urls.CHANGING["tags"] = ["thing:b"]
    pagecache.invalidate("thing:a")
    assert client.get("/changing/")["X-Page-Cache"] == "MISS"  # now shows thing:b, not thing:a

    pagecache.invalidate("thing:a")
    assert client.get("/changing/")["X-Page-Cache"] == "HIT"
    pagecache.invalidate("thing:b")
    assert client.get("/changing/")["X-Page-Cache"] == "MISS"


def test_a_worker_that_never_saw_a_page_serves_it_and_sees_its_invalidation():
    """Other gunicorn workers share the cache, not this process's memory of each page's tags."""
    middleware = pagecache.PageCacheMiddleware(lambda request: pagecache_urls.tagged(request, "a"))
    request = RequestFactory().get("/tagged/a/")

    def in_a_fresh_worker():
        with mock.patch.object(pagecache, "_remembered_tag_keys", BoundedMemo(10)):
            return middleware(request)

    stored = middleware(request)
    served = in_a_fresh_worker()
    pagecache.invalidate("thing:a")
    refreshed = in_a_fresh_worker()

    outcomes = [response["X-Page-Cache"] for response in (stored, served, refreshed)]
    assert outcomes == ["MISS", "HIT", "MISS"]
    assert served.content == stored.content
    assert pagecache_urls.RENDERS == ["a", "a"]


# --- Blocks of pages -----------------------------------------------------------------------------


def block(name, tags, renders):
    def render():
        renders.append(name)
        return f"<p>{name} #{len(renders)}</p>", set(tags)

    return (name, render)


def test_blocks_are_rendered_once_and_kept_with_their_tags():
    renders = []
    wanted = [block("menu", {"site"}, renders), block("picks", {"site", "picks"}, renders)]

    first = pagecache.cached_blocks(wanted)
    second = pagecache.cached_blocks(wanted)

    assert first == second == [("<p>menu #1</p>", {"site"}), ("<p>picks #2</p>", {"site", "picks"})]
    assert renders == ["menu", "picks"]


def test_invalidating_a_tag_renders_again_only_the_blocks_showing_it():
    renders = []
    wanted = [block("menu", {"site"}, renders), block("picks", {"site", "picks"}, renders)]
    pagecache.cached_blocks(wanted)

    pagecache.invalidate("picks")
    [(menu, _), (picks, _)] = pagecache.cached_blocks(wanted)

    assert renders == ["menu", "picks", "picks"]
    assert (menu, picks) == ("<p>menu #1</p>", "<p>picks #3</p>")


def test_all_blocks_are_read_in_one_round_trip():
    wanted = [block(name, {"site", f"thing:{name}"}, []) for name in ("a", "b", "c")]
    pagecache.cached_blocks(wanted)

    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        pagecache.cached_blocks(wanted)

    get_many.assert_called_once()


def test_a_block_is_not_kept_if_an_invalidation_lands_while_its_new_tags_get_versions():
    renders = []

    def render():
        renders.append("block")
        return f"<p>v{len(renders)}</p>", {"thing:new"}

    real_add = cache.add

    def add_during_a_commit(key, value, timeout=None):
        pagecache.invalidate("thing:new")  # the change commits between the check and the add
        return real_add(key, value, timeout)

    with mock.patch.object(cache, "add", side_effect=add_during_a_commit):
        pagecache.cached_blocks([("block", render)])
    pagecache.cached_blocks([("block", render)])

    assert renders == ["block", "block"]


def test_a_block_rendered_from_data_read_before_an_invalidation_is_not_kept():
    since = pagecache.started(RequestFactory().get("/"))  # the view reads its data...
    pagecache.invalidate("thing:a")  # ...a change commits...
    renders = []
    pagecache.cached_blocks([block("story", {"thing:a"}, renders)], since=since)  # ...then renders

    pagecache.cached_blocks([block("story", {"thing:a"}, renders)])

    assert renders == ["story", "story"]


def test_a_block_rendered_during_an_invalidation_is_not_kept():
    renders = []

    def render():
        renders.append("menu")
        pagecache.invalidate("site")  # committed while this block read the database
        return "<p>menu</p>", {"site"}

    pagecache.cached_blocks([("menu", render)])
    pagecache.cached_blocks([("menu", render)])

    assert renders == ["menu", "menu"]


def test_blocks_are_always_rendered_with_the_page_cache_off(settings):
    settings.NEWSROOM_PAGE_CACHE_TTL = 0
    renders = []
    wanted = [block("menu", {"site"}, renders)]

    pagecache.cached_blocks(wanted)
    pagecache.cached_blocks(wanted)

    assert renders == ["menu", "menu"]
