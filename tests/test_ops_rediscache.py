"""ops/rediscache.py: the circuit breaker in front of Redis, on a port nothing listens on."""

import logging
import socket
import threading
import time

import pytest
from django.core.cache import caches

from ops import rediscache

RETRY_AFTER = 0.3


@pytest.fixture
def dead_redis(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.rediscache.ResilientRedisCache",
            "LOCATION": f"redis://:secret@127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "RETRY_AFTER": RETRY_AFTER},
        }
    }
    return caches["default"]


@pytest.fixture
def hooks(monkeypatch):
    registered = []
    monkeypatch.setattr(rediscache, "_recovery_hooks", registered)
    return registered


def test_an_unreachable_redis_answers_like_an_empty_cache(dead_redis):
    assert dead_redis.get("page", "default") == "default"
    assert dead_redis.get_many(["a", "b"]) == {}
    assert dead_redis.add("lock", 1) is False
    assert dead_redis.set_many({"a": 1, "b": 2}) == ["a", "b"]  # Django's contract: keys not stored
    assert dead_redis.delete("a") is False


def test_one_warning_per_interval_without_the_password(dead_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="ops.rediscache"):
        for _ in range(50):
            dead_redis.get("page")

    [warning] = [record.getMessage() for record in caplog.records if record.name == "ops.rediscache"]
    assert "served from the database" in warning
    assert "secret" not in warning


def test_the_recovery_hooks_run_before_the_cache_is_used_again(dead_redis, hooks):
    calls = []
    hooks.append(lambda: calls.append(dead_redis.breaker.is_closed))
    dead_redis.get("page")
    assert not dead_redis.breaker.allows()

    time.sleep(RETRY_AFTER + 0.05)

    assert dead_redis.breaker.allows()
    assert calls == [False]  # run while the breaker was not yet closed
    assert dead_redis.breaker.is_closed


def test_a_failing_recovery_hook_keeps_the_cache_unused_for_another_interval(dead_redis, hooks, caplog):
    def purge_fails():
        raise RuntimeError("pending purges could not be done")

    hooks.append(purge_fails)
    dead_redis.get("page")
    time.sleep(RETRY_AFTER + 0.05)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="ops.rediscache"):
        assert not dead_redis.breaker.allows()
        assert not dead_redis.breaker.allows()

    assert len(caplog.records) == 1 and "pending purges could not be done" in caplog.records[0].getMessage()


def test_threads_share_the_breaker_of_a_server(dead_redis):
    dead_redis.get("page")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(caches["default"].breaker.allows()))
    thread.start()
    thread.join()

    assert seen == [False]
