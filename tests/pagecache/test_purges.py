"""Purges recorded with their change, done on commit, and retried until they land."""

import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.db import transaction

from pagecache import purges, store
from pagecache.models import PendingPurge

pytestmark = pytest.mark.django_db


def tag_version(tag):
    return store.cache().get(store.TAG_PREFIX + tag)


@pytest.fixture
def unreachable_cache(settings):
    """A Redis cache on a port nothing listens on: every write fails, as in an outage."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.rediscache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "RETRY_AFTER": 60},
        }
    }
    return settings


def test_a_purge_is_recorded_with_the_change_and_forgotten_once_done(django_capture_on_commit_callbacks):
    store.invalidate("article:1")
    before = tag_version("article:1")

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        purges.invalidate_on_commit("article:1", "listing", "article:1")
        assert list(PendingPurge.objects.values_list("tags", flat=True)) == [["article:1", "listing"]]
    for callback in callbacks:
        callback()

    assert tag_version("article:1") != before
    assert not PendingPurge.objects.exists()


def test_a_rolled_back_change_records_no_purge():
    with pytest.raises(RuntimeError), transaction.atomic():
        purges.invalidate_on_commit("article:1")
        raise RuntimeError("the change failed")

    assert not PendingPurge.objects.exists()


def test_a_purge_that_fails_after_commit_is_logged_kept_and_never_raised(
    unreachable_cache, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        purges.invalidate_on_commit("article:7")

    purge = PendingPurge.objects.get()
    assert purge.tags == ["article:7"] and purge.attempts == 1
    assert "PurgeFailed" in purge.last_error
    assert any("retried" in record.getMessage() for record in caplog.records)


def test_retry_pending_does_every_pending_purge_at_once():
    PendingPurge.objects.create(tags=["article:1"])
    PendingPurge.objects.create(tags=["article:2", "listing"])
    store.invalidate("article:1", "article:2", "listing", "picks")
    before = {tag: tag_version(tag) for tag in ("article:1", "article:2", "listing", "picks")}

    assert purges.retry_pending() == 2

    after = {tag: tag_version(tag) for tag in before}
    assert [tag for tag in before if after[tag] != before[tag]] == ["article:1", "article:2", "listing"]
    assert not PendingPurge.objects.exists()


def test_retry_pending_keeps_the_rows_while_the_cache_is_away(unreachable_cache):
    PendingPurge.objects.create(tags=["article:1"])

    with pytest.raises(store.PurgeFailed):
        purges.retry_pending()

    assert PendingPurge.objects.count() == 1


def test_publish_scheduled_does_the_pending_purges(capsys):
    PendingPurge.objects.create(tags=["article:3"])

    call_command("publish_scheduled")

    assert not PendingPurge.objects.exists()
    assert "1 pending page cache purge(s) done." in capsys.readouterr().out


def test_publish_scheduled_says_so_when_the_cache_is_still_away(unreachable_cache, capsys):
    PendingPurge.objects.create(tags=["article:3"])

    call_command("publish_scheduled")

    assert PendingPurge.objects.count() == 1
    assert "not done yet" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)  # the look runs in a thread, on its own connection
def test_catch_up_looks_at_most_once_per_interval(settings, monkeypatch):
    settings.NEWSROOM_PURGE_CHECK_SECONDS = 60
    monkeypatch.setattr(purges, "_last_check", float("-inf"))
    PendingPurge.objects.create(tags=["article:4"])

    purges.catch_up()
    assert not PendingPurge.objects.exists()
    PendingPurge.objects.create(tags=["article:5"])
    purges.catch_up()  # inside the interval

    assert PendingPurge.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_catch_up_never_keeps_a_request_waiting_on_a_slow_look(settings, monkeypatch):
    settings.NEWSROOM_PURGE_CHECK_SECONDS = 0.01
    monkeypatch.setattr(purges, "_last_check", float("-inf"))
    release = threading.Event()
    looks = []

    def stalled_database():
        looks.append(1)
        release.wait(5)
        return 0

    monkeypatch.setattr(purges, "retry_pending", stalled_database)
    started = time.monotonic()
    purges.catch_up()
    time.sleep(0.02)
    purges.catch_up()  # due again, but the first look is still waiting: not started twice
    took = time.monotonic() - started
    release.set()

    assert took < 2 * purges.CATCH_UP_WAIT + 0.1
    assert looks == [1]


def test_catch_up_is_off_at_zero(settings, monkeypatch):
    settings.NEWSROOM_PURGE_CHECK_SECONDS = 0
    monkeypatch.setattr(purges, "_last_check", float("-inf"))
    PendingPurge.objects.create(tags=["article:4"])

    purges.catch_up()

    assert PendingPurge.objects.count() == 1
