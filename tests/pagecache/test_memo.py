"""Parts kept in each process's memory (``pagecache.memo``): used while their tags do not move."""

import itertools
from unittest import mock

import pytest

from pagecache import invalidate, kept_in_process, store

_names = itertools.count()


@pytest.fixture
def part():
    """``part(tags)``: the part's value, computed again only when needed; ``computed``: how often."""
    name = f"part-{next(_names)}"
    computed = []

    def value(tags=("thing:a",)):
        return kept_in_process(name, list(tags), lambda: computed.append(1) or len(computed))

    value.computed = computed
    return value


def test_a_part_is_kept_while_its_tags_do_not_move(part):
    assert [part(), part(), part()] == [1, 1, 1]

    invalidate("thing:b")

    assert part() == 1
    assert len(part.computed) == 1


def test_a_part_is_computed_again_once_one_of_its_tags_moved(part):
    part(["thing:a", "thing:b"])

    invalidate("thing:b")  # as a change committed in any process moves it

    assert part(["thing:a", "thing:b"]) == 2
    assert part(["thing:a", "thing:b"]) == 2


def test_a_version_the_cache_dropped_after_a_move_is_not_taken_for_the_kept_one(part):
    part()
    invalidate("thing:a")
    store.cache().delete(store.TAG_PREFIX + "thing:a")  # evicted: its move is lost with it

    assert part() == 2


def test_with_the_cache_away_a_part_is_computed_every_time(part):
    class Away:
        """What the site's Redis cache answers with its breaker open: nothing."""

        def get_many(self, keys):
            return {}

        def add(self, *args, **kwargs):
            return False

        def get(self, key, default=None):
            return default

    part()
    with mock.patch.object(store, "cache", return_value=Away()):
        assert [part(), part()] == [2, 3]
