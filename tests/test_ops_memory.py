"""ops/memory.py: freed memory given back to the system every few requests."""

import pytest

from ops import memory


@pytest.fixture
def trims(monkeypatch):
    """The calls to malloc_trim, counted instead of made, from a fresh request count."""
    calls = []
    monkeypatch.setattr(memory, "malloc_trim", lambda pad: calls.append(pad))
    monkeypatch.setattr(memory, "_finished", iter(range(1, 10_000)))
    return calls


@pytest.mark.django_db
def test_every_64th_finished_request_releases_free_memory(client, trims):
    for _ in range(memory.TRIM_EVERY - 1):
        client.get("/healthz")
    assert trims == []
    client.get("/healthz")
    assert trims == [0]  # malloc_trim(0): release everything free, keep no padding
    for _ in range(memory.TRIM_EVERY):
        client.get("/healthz")
    assert trims == [0, 0]


def test_without_malloc_trim_nothing_is_called(monkeypatch):
    monkeypatch.setattr(memory, "malloc_trim", None)
    assert memory.release_free_memory() is False


@pytest.mark.skipif(memory.malloc_trim is None, reason="the C library has no malloc_trim (not glibc)")
def test_glibcs_malloc_trim_is_found_and_runs():
    assert memory.release_free_memory() is True
