"""The registry: what the apps tell the page cache (the articles app's schedule is tested on the
reader site, tests/test_reader_cache.py)."""

from datetime import UTC, datetime, timedelta

from pagecache.registry import Schedules

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds):
    return lambda *, now: now + timedelta(seconds=seconds)


def test_the_next_change_is_the_earliest_any_app_knows():
    schedules = Schedules(at(60), lambda *, now: None)
    schedules.register(at(5))

    assert schedules.next_change(now=NOW) == NOW + timedelta(seconds=5)


def test_without_schedules_nothing_changes_by_the_clock():
    assert Schedules().next_change(now=NOW) is None


def test_registering_twice_counts_once():
    calls = []

    def nothing_scheduled(*, now):
        calls.append(now)

    schedules = Schedules()
    schedules.register(nothing_scheduled)
    schedules.register(nothing_scheduled)  # ready() may run more than once

    assert schedules.next_change(now=NOW) is None
    assert calls == [NOW]
