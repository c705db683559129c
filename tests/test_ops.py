"""
What production needs besides the pages (ops/): the load balancer's probes, a request id on every
response and log record, JSON log lines, and static files that never take a page down.
"""

import io
import json
import logging
import re
import socket
import sys
import threading
import time
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse

from ops import jsonlog, requestid, views
from pagecache import keys, store
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_cache(settings):
    """The default cache is a Redis that refuses connections (as when Redis is down)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    return settings


@pytest.fixture
def dead_database():
    """Every cursor on the default database fails, in any thread (as when PostgreSQL refuses)."""
    wrapper = type(connections["default"])
    refused = OperationalError("connection refused")
    # Every way to a cursor: Django's, and the prepared statements' (ops/postgresql/base.py),
    # which connect through ensure_connection() as cursor() does.
    with (
        mock.patch.object(wrapper, "cursor", side_effect=refused),
        mock.patch.object(wrapper, "ensure_connection", side_effect=refused),
    ):
        yield


def directives(response):
    return {d.strip() for d in response["Cache-Control"].split(",")}


# --- /healthz and /readyz ---------------------------------------------------------------------


def test_probes_are_routed_before_the_sections_catch_all():
    assert reverse("healthz") == "/healthz" and reverse("readyz") == "/readyz"
    assert resolve("/healthz").func is views.healthz
    assert resolve("/readyz").func is views.readyz


def test_healthz_answers_without_database_or_cache(client, dead_cache, dead_database, page_cache):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in directives(response)
    assert "X-Page-Cache" not in response  # the page cache (which reads the cache) never saw it


def test_readyz_is_ok_when_the_database_and_the_cache_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failing": [],
        "checks": {"database": "ok", "cache": "ok"},
    }
    assert "no-store" in directives(response)


def test_readyz_names_the_database_when_it_fails(client, dead_database):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "failing": ["database"],
        "checks": {"database": "failed: OperationalError", "cache": "ok"},
    }
    assert "no-store" in directives(response)


def test_readyz_names_the_cache_when_it_fails(client, dead_cache):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("failed: ")
    # Only the exception's class is public: no address, user or password from its message.
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_answers_within_its_timeout_when_a_part_stalls(client, settings, monkeypatch):
    settings.NEWSROOM_READYZ_TIMEOUT = 1
    release = threading.Event()
    started = []

    def stalled():
        started.append(1)
        release.wait(30)

    monkeypatch.setitem(views.CHECKS, "cache", stalled)
    try:
        began = time.monotonic()
        first = client.get("/readyz")
        took = time.monotonic() - began
        second = client.get("/readyz")
    finally:
        release.set()

    assert 1 <= took < 2.5
    assert first.status_code == second.status_code == 503
    assert first.json()["failing"] == second.json()["failing"] == ["cache"]
    assert first.json()["checks"] == {"database": "ok", "cache": "failed: no answer within 1 s"}
    assert started == [1]  # a stalled check is not started again: one thread at most per part


def test_probes_skip_the_https_redirect_and_the_host_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["news.example.com"]

    probe = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # a load balancer, by address
    ready = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    page = client.get("/", HTTP_HOST="news.example.com")

    assert probe.status_code == 200 and ready.status_code == 200
    assert page.status_code == 301 and page["Location"].startswith("https://")


def test_probes_answer_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200


# --- Request ids --------------------------------------------------------------------------------


def test_every_response_gets_a_new_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "incoming",
    [
        "0b3c1f7e-9d1a-4b8e-8f5e-2c4d6e8fa0b1",  # a UUID
        "5f2b8c0d9e1a4b3c8d7e6f5a4b3c2d1e",  # nginx's $request_id
        "Root=1-67891233-abcdef0123",  # a load balancer's trace id
    ],
)
def test_a_sane_incoming_request_id_is_kept(client, incoming):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["", "two words", "x" * 129, '<script>"', "-leading-dash", "é"])
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    assert GENERATED_ID.fullmatch(client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"])


def test_a_cache_hit_gets_its_own_request_id_and_the_same_bytes(client, page_cache):
    url = PublishedArticleFactory().get_absolute_url()

    miss = client.get(url, HTTP_X_REQUEST_ID="reader-1")
    hit = client.get(url, HTTP_X_REQUEST_ID="reader-2")

    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("MISS", "HIT")
    assert (miss["X-Request-ID"], hit["X-Request-ID"]) == ("reader-1", "reader-2")
    assert miss.content == hit.content
    assert miss["ETag"] == hit["ETag"]
    assert "request" not in hit.get("Vary", "").lower()
    # What the page cache keeps has no request id: only the response on its way out gets one.
    kept = store.cache().get_many(list(keys.page_keys(RequestFactory().get(url)).values()))
    assert kept
    for entry in kept.values():
        assert "X-Request-ID" not in entry["headers"]


def test_an_error_page_gets_a_request_id(client):
    response = client.get("/no-such-section/no-such-story/")

    assert response.status_code == 404
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


# --- JSON logs ----------------------------------------------------------------------------------


@pytest.fixture
def json_log():
    """What the production handler writes (the request id filter, the JSON formatter), captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(jsonlog.RequestIdFilter())
    handler.setFormatter(jsonlog.JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_each_request_logs_one_access_line_with_its_id(client, settings, json_log):
    settings.NEWSROOM_ACCESS_LOG = True

    response = client.get("/no-such-section/", HTTP_X_REQUEST_ID="edge-7")

    records = json_log()
    access = [r for r in records if r["logger"] == "newsroom.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == response["X-Request-ID"] == "edge-7"
    assert access[0]["method"] == "GET"
    assert access[0]["path"] == "/no-such-section/"
    assert access[0]["status"] == 404
    assert access[0]["duration_ms"] >= 0
    assert access[0]["level"] == "INFO"
    # Django's own record of the 404, made after every middleware has run, has the id too.
    django_request = [r for r in records if r["logger"] == "django.request"]
    assert django_request and {r["request_id"] for r in django_request} == {"edge-7"}


def test_no_access_line_unless_asked(client, settings, json_log):
    settings.NEWSROOM_ACCESS_LOG = False

    client.get("/healthz")

    assert not [r for r in json_log() if r["logger"] == "newsroom.access"]


def test_a_record_outside_a_request_has_no_request_id(json_log):
    logging.getLogger("newsroom.test").warning("from a command")

    (record,) = json_log()
    assert record["request_id"] is None
    assert record["message"] == "from a command"


def test_the_json_formatter_writes_one_line_per_record_exceptions_included():
    formatter = jsonlog.JsonFormatter()
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord(
            "newsroom.test", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info()
        )
    record.request_id = "abc"
    record.count = 3
    record.when = object()  # not JSON: written as text

    line = formatter.format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "newsroom.test"
    assert entry["message"] == "failed: x"
    assert entry["request_id"] == "abc"
    assert entry["count"] == 3
    assert entry["when"].startswith("<object object")
    assert "ValueError: bad\nvalue" in entry["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_the_request_id_is_current_only_while_a_request_runs(client):
    seen = []

    def view(request):
        seen.append(requestid.current())
        return HttpResponse("ok")

    with mock.patch.dict("ops.middleware.PROBE_PATHS", {"/healthz": view}):  # a view inside the stack
        response = client.get("/healthz", HTTP_X_REQUEST_ID="inside-1")

    assert seen == ["inside-1"] == [response["X-Request-ID"]]
    assert requestid.current() is None  # request_finished cleared it


# --- Static files -------------------------------------------------------------------------------


@pytest.fixture
def production_static(settings, tmp_path):
    """Production's static files storage over an empty STATIC_ROOT: no collectstatic has run."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "ops.staticfiles.ForgivingManifestStaticFilesStorage"},
    }
    return settings.STATIC_ROOT


def test_without_collectstatic_reader_pages_still_render(client, production_static, caplog):
    story = PublishedArticleFactory()

    for url in ("/", story.get_absolute_url()):
        assert client.get(url).status_code == 200, url

    assert 'href="/static/css/site.css"' in client.get("/").content.decode()
    assert "'css/site.css' is not in the staticfiles manifest" in caplog.text


def test_a_file_missing_from_the_manifest_is_served_unhashed_and_warned_about_once(
    client, production_static, caplog
):
    production_static.mkdir()
    manifest = {
        "version": "1.1",
        "hash": "x",
        "paths": {"icons/favicon.svg": "icons/favicon.0123456789ab.svg"},
    }
    (production_static / "staticfiles.json").write_text(json.dumps(manifest))
    story = PublishedArticleFactory()

    with caplog.at_level(logging.WARNING, logger="ops.staticfiles"):
        pages = [client.get(story.get_absolute_url()) for _ in range(2)]

    assert [page.status_code for page in pages] == [200, 200]
    html = pages[0].content.decode()
    assert 'href="/static/icons/favicon.0123456789ab.svg"' in html  # in the manifest: hashed
    assert 'href="/static/css/site.css"' in html  # missing from it: unhashed, not a 500
    warnings = [r for r in caplog.records if "'css/site.css'" in r.getMessage()]
    assert len(warnings) == 1
