"""Blocks of pages: kept with their tags, rendered again only when one of them moves."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import RequestFactory

import pagecache
from pagecache import versions
from tests.pagecache.support import block

pytestmark = pytest.mark.django_db


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

    real_set_to_clock = versions.set_to_clock

    def set_to_clock_after_a_commit(cache, clock_key, keys):
        pagecache.invalidate("thing:new")  # the change commits between the check and the versions
        return real_set_to_clock(cache, clock_key, keys)

    with mock.patch.object(versions, "set_to_clock", side_effect=set_to_clock_after_a_commit):
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
