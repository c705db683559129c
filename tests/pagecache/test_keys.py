"""Page keys: only the query parameters a view reads make a page, in any order; nothing else does."""

import pytest
from django.core.cache import cache

from tests.pagecache import urls
from tests.pagecache.support import page_key

pytestmark = pytest.mark.django_db


def cache_entries():
    """How many entries the cache holds (django-redis or local memory)."""
    return len(cache.keys("*")) if hasattr(cache, "keys") else len(cache._cache)


def test_unknown_parameters_add_no_entries_and_get_the_kept_page(client):
    kept = client.get("/listing/")
    entries = cache_entries()

    junk = [client.get("/listing/", {"junk": n}) for n in (1, 2)]

    assert cache_entries() == entries
    assert [response["X-Page-Cache"] for response in junk] == ["HIT", "HIT"]
    assert {response.content for response in junk} == {kept.content}
    assert urls.RENDERS == ["listing"]


def test_parameters_a_view_reads_in_any_order_or_with_junk_are_one_page(client):
    first = client.get("/listing/?q=budget&page=2")
    again = [client.get(url) for url in ("/listing/?page=2&q=budget", "/listing/?junk=1&page=2&q=budget")]

    assert [response["X-Page-Cache"] for response in again] == ["HIT", "HIT"]
    assert {response.content for response in again} == {first.content}
    key = page_key(client, "/listing/?q=budget&page=2")
    assert page_key(client, "/listing/?page=2&junk=3&q=budget") == key
    assert page_key(client, "/listing/?page=3&q=budget") != key


def test_the_view_sees_only_the_parameters_it_reads(client):
    # What it echoes (the cookie notice's "next", say) is kept and served to every reader.
    response = client.get("/listing/?utm_source=<script>&page=2")

    assert response.content.decode().startswith("listing /listing/?page=2 ")


def test_a_view_that_declares_no_parameters_is_kept_at_its_bare_address_only(client):
    client.get("/tagged/a/")
    entries = cache_entries()

    responses = [client.get("/tagged/a/", {"junk": n}) for n in (1, 2)]

    assert cache_entries() == entries
    assert [response["X-Page-Cache"] for response in responses] == ["MISS", "MISS"]
    assert client.get("/tagged/a/")["X-Page-Cache"] == "HIT"
