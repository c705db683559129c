"""
What reader pages tell an edge (tags, and how long it may keep them), and the purges it is sent
after a change: one per node, as a task, retried, never lost, never breaking the change.
(Against a real Varnish with deploy/varnish/newsroom.vcl: tests/test_edge_varnish.py.)
"""

import contextlib
import datetime
import http.server
import re
import threading
from pathlib import Path

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

import pagecache
from pagecache import edge, purges, store
from pagecache.declare import declared_params
from pagecache.models import PendingEdgePurge, PendingPurge
from tests.pagecache import support, urls

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"


class EdgeNode:
    """A stand-in edge node on a loopback port: records each PURGE, answers ``status``."""

    def __init__(self, status=200):
        self.status = status
        self.purges = []
        node = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
                node.purges.append({"path": self.path, "xkey": self.headers.get("xkey")})
                self.send_response(node.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def nodes(settings):
    started = [EdgeNode(), EdgeNode()]
    settings.NEWSROOM_EDGE_PURGE_URLS = [node.url for node in started]
    settings.NEWSROOM_EDGE_PURGE_TIMEOUT = 2
    yield started
    for node in started:
        node.close()


def surrogate_max_age(response):
    match = re.fullmatch(r"max-age=(\d+)", response.get("Surrogate-Control", ""))
    return int(match.group(1)) if match else None


# --- what a page says ------------------------------------------------------------------------


def test_a_reader_page_carries_its_tags_for_varnish_and_a_cdn(client):
    response = client.get("/tagged/a/")

    assert response["xkey"] == "site thing:a"
    assert response["Surrogate-Key"] == "site thing:a"
    # browsers and plain shared caches (nginx) are told what they were told before
    assert "s-maxage=1" in response["Cache-Control"]


def test_a_hit_carries_the_same_tags(client):
    client.get("/tagged/a/")

    hit = client.get("/tagged/a/")

    assert hit["X-Page-Cache"] == "HIT"
    assert hit["xkey"] == "site thing:a"


def test_without_edge_nodes_no_page_says_an_edge_may_keep_it_long(client, settings):
    settings.NEWSROOM_EDGE_PURGE_URLS = []

    assert "Surrogate-Control" not in client.get("/tagged/a/")
    assert "Surrogate-Control" not in client.get("/tagged/a/")


def test_with_edge_nodes_a_stored_page_and_its_hits_may_be_kept_long(client, nodes, settings):
    settings.NEWSROOM_EDGE_MAX_AGE = 86400

    miss = client.get("/tagged/a/")
    hit = client.get("/tagged/a/")

    assert miss["X-Page-Cache"] == "MISS" and hit["X-Page-Cache"] == "HIT"
    assert 86390 <= surrogate_max_age(miss) <= 86400
    assert 86390 <= surrogate_max_age(hit) <= 86400


def test_the_edge_keeps_a_page_no_later_than_the_next_change_by_the_clock(client, nodes):
    support.SCHEDULE.append(timezone.now() + datetime.timedelta(seconds=120))

    response = client.get("/tagged/a/")

    assert 100 <= surrogate_max_age(response) <= 120


def test_a_page_rendered_while_something_changed_is_not_kept_long_at_the_edge(client, nodes):
    """It may show what the purge (sent meanwhile) has just dropped: Cache-Control's second only."""
    urls.CHANGING["while_rendering"] = lambda: store.invalidate("thing:other")

    response = client.get("/changing/")

    assert response["xkey"] == "thing:a"
    assert "Surrogate-Control" not in response


def test_staff_and_per_reader_responses_carry_no_tags(client, nodes):
    staff = client.get("/tagged/a/", headers={"cookie": "sessionid=abc"})
    sets_cookie = client.get("/cookie/")
    untagged = client.get("/untagged/")

    for response in (staff, sets_cookie, untagged):
        assert "xkey" not in response
        assert "Surrogate-Key" not in response
        assert "Surrogate-Control" not in response


def test_a_page_with_more_tags_than_fit_is_not_kept_at_the_edge(nodes):
    response = pagecache.tag(HttpResponse(), *(f"article:{n}" for n in range(1000)))

    edge.set_tags(response, response.cache_tags)
    edge.set_keep(response, timezone.now().timestamp() + 3600)

    assert "xkey" not in response and "Surrogate-Control" not in response


def test_the_vcl_keeps_exactly_the_query_parameters_the_views_read():
    """deploy/varnish/newsroom.vcl's list is the union of the project's @uses_params."""
    declared = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                declared.update(declared_params(pattern.callback) or ())

    walk(get_resolver("newsroom.urls").url_patterns)
    listed = re.search(r"\(\?!\(\?:([a-z|]+)\)=\)", VCL.read_text())

    assert listed, "the VCL's query parameter list is not where this test looks"
    assert set(listed.group(1).split("|")) == declared


# --- purges ----------------------------------------------------------------------------------


def test_a_change_sends_one_tag_purge_to_each_node_after_commit(nodes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate_on_commit("article:1", "section:2")
        assert not any(node.purges for node in nodes)  # nothing before the commit

    for node in nodes:
        assert node.purges == [{"path": "/", "xkey": "article:1 section:2"}]
    assert not PendingEdgePurge.objects.exists()
    assert not PendingPurge.objects.exists()


def test_a_rolled_back_change_purges_nothing(nodes, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        pagecache.invalidate_on_commit("article:1")
        raise RuntimeError("rolled back")

    assert not any(node.purges for node in nodes)
    assert not PendingEdgePurge.objects.exists()


def test_the_edge_is_purged_only_after_the_page_cache(nodes, django_capture_on_commit_callbacks, settings):
    """Its purge lands first, or the edge could fetch the old page again from the page cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.rediscache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: the cache is away
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "RETRY_AFTER": 60},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate_on_commit("article:1")

    assert not any(node.purges for node in nodes)
    assert PendingPurge.objects.count() == 1


def test_a_failed_edge_purge_is_retried_and_never_breaks_the_change(
    nodes, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    nodes[1].status = 503
    retries = []
    monkeypatch.setattr(
        edge.tasks, "retry_later", lambda task, *args, **kwargs: retries.append((task, args, kwargs))
    )

    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate_on_commit("article:1")

    assert nodes[0].purges and nodes[1].purges
    pending = PendingEdgePurge.objects.get()
    assert pending.node == nodes[1].url and pending.attempts == 1
    assert "503" in pending.last_error
    [(task, args, kwargs)] = retries
    assert task is edge.purge_edge and args == (pending.pk,) and kwargs["attempt"] == 1


def test_a_purge_that_failed_every_attempt_fails_its_task_and_stays_for_the_safety_net(
    nodes, django_capture_on_commit_callbacks, settings
):
    settings.NEWSROOM_TASK_ATTEMPTS = 1
    nodes[0].status = 500

    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate_on_commit("article:1")  # the immediate backend records the failure

    assert PendingEdgePurge.objects.get().node == nodes[0].url

    nodes[0].status = 200
    assert edge.retry_pending() == (1, 0)
    assert nodes[0].purges[-1]["xkey"] == "article:1"
    assert not PendingEdgePurge.objects.exists()


def test_an_unreachable_node_is_a_failed_purge_not_an_error(settings, django_capture_on_commit_callbacks):
    closed = EdgeNode()
    closed.close()  # nothing listens on its port any more
    settings.NEWSROOM_EDGE_PURGE_URLS = [closed.url]
    settings.NEWSROOM_TASK_ATTEMPTS = 1

    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate_on_commit("article:1")

    pending = PendingEdgePurge.objects.get()
    assert "Connection refused" in pending.last_error and pending.attempts == 1


def test_the_safety_net_sends_each_node_its_pending_tags_in_one_purge(nodes):
    PendingEdgePurge.objects.create(node=nodes[0].url, tags=["article:1"])
    PendingEdgePurge.objects.create(node=nodes[0].url, tags=["article:2", "listing"])
    PendingEdgePurge.objects.create(node=nodes[1].url, tags=["picks"])

    assert edge.retry_pending() == (3, 0)

    assert nodes[0].purges == [{"path": "/", "xkey": "article:1 article:2 listing"}]
    assert nodes[1].purges == [{"path": "/", "xkey": "picks"}]


def test_pending_page_cache_purges_done_later_reach_the_edge_too(nodes, django_capture_on_commit_callbacks):
    PendingPurge.objects.create(tags=["article:7"])

    with django_capture_on_commit_callbacks(execute=True):
        assert purges.retry_pending() == 1

    assert [node.purges for node in nodes] == [[{"path": "/", "xkey": "article:7"}]] * 2


def test_publish_scheduled_sends_the_edge_purges_still_pending(nodes):
    from django.core.management import call_command

    PendingEdgePurge.objects.create(node=nodes[0].url, tags=["article:3"])

    call_command("publish_scheduled")

    assert nodes[0].purges == [{"path": "/", "xkey": "article:3"}]
