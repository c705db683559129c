"""
Issue 14, the cache side: Redis cut and stalled through a TCP proxy (tests/tcpproxy.py), and a
shared cache (Debian's nginx with bench/nginx.conf) in front of a real server.

* Redis unreachable or stalled: every page is served from the database (never a 500), each
  process waits for Redis once per interval and logs one warning per interval, and uses the
  cache again by itself once Redis is back.
* A take-down made while Redis is away is done for the editor (the workflow, the admin and the
  ``workflow`` command), and the story is not served from the entries Redis kept once it is
  back: the purge was recorded with the change and is done before those entries are read.
* A story taken down stops being served through nginx within 2 seconds.

The Redis tests need Redis (REDIS_URL, or a server on 127.0.0.1:6379) and the nginx test needs
Debian's nginx: without them they skip, saying so, except in CI (CI=true), where they fail.
"""

import contextlib
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from articles import workflow
from articles.models import Article, PendingNotification
from newsroom.settings import smtp_mailer
from pagecache.models import PendingPurge
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)
from tests.servers import child_environment, free_port, manage, start_gunicorn, stop, wait_for_port
from tests.tcpproxy import TcpProxy

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 0.25  # seconds a Redis call may take in these tests
RETRY_AFTER = 0.5  # seconds a process leaves Redis alone after a failure
NGINX = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin:/bin")
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def skip_or_fail(message):
    """Skip, or fail in CI (CI=true), where every tool and service these tests need is there."""
    if IN_CI:
        pytest.fail(f"{message} (CI is set, so this fails instead of skipping)")
    pytest.skip(message)


def redis_target():
    """``(host, port, db)`` of the Redis the tests use, or None when none answers."""
    url = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    host, port = url.hostname or "127.0.0.1", url.port or 6379
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return None
    except OSError:
        return None
    return host, port, int(url.path.strip("/") or 0)


@pytest.fixture
def redis_service():
    target = redis_target()
    if target is None:
        skip_or_fail("Redis is not running (set REDIS_URL, or start redis-server on 127.0.0.1:6379)")
    return target


def forget_keys(host, port, db, prefix):
    import redis

    client = redis.Redis(host=host, port=port, db=db)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def cache_settings(port, db, prefix):
    return {
        "default": {
            "BACKEND": "ops.rediscache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/{db}",
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": TIMEOUT,
                "SOCKET_TIMEOUT": TIMEOUT,
                "RETRY_AFTER": RETRY_AFTER,
            },
        }
    }


@pytest.fixture
def redis_proxy(settings, redis_service):
    """The page cache on, in Redis reached through a proxy the test cuts, stalls and restores."""
    host, port, db = redis_service
    prefix = f"faults-{uuid.uuid4().hex}"
    with TcpProxy((host, port)) as proxy:
        settings.CACHES = cache_settings(proxy.port, db, prefix)
        settings.NEWSROOM_PAGE_CACHE_TTL = 300
        try:
            yield proxy
        finally:
            proxy.restore()
            forget_keys(host, port, db, prefix)


@pytest.fixture
def story(db):
    politics = SectionFactory(name="Politics", slug="politics")
    return PublishedArticleFactory(section=politics, headline="Budget passes")


def warm(client, url):
    """Request ``url`` until the page cache serves it."""
    for _ in range(3):
        response = client.get(url)
        if response.headers.get("X-Page-Cache") == "HIT":
            return response
    pytest.fail(f"{url} was never served from the page cache")


def wait_for_retry():
    time.sleep(RETRY_AFTER + 0.05)


def with_retry_after(settings, seconds):
    default = settings.CACHES["default"]
    options = {**default["OPTIONS"], "RETRY_AFTER": seconds}
    settings.CACHES = {"default": {**default, "OPTIONS": options}}


def reader_urls(story):
    return ["/", story.section.get_absolute_url(), story.get_absolute_url()]


# --- Redis away: pages from the database, never a 500 ---------------------------------------


@pytest.mark.django_db
def test_every_page_is_served_from_the_database_while_redis_is_cut(client, redis_proxy, story):
    for url in reader_urls(story):
        warm(client, url)

    redis_proxy.cut()
    answers = [client.get(url) for _ in range(5) for url in reader_urls(story)]

    assert [response.status_code for response in answers] == [200] * len(answers)
    assert {response.headers.get("X-Page-Cache") for response in answers} == {"MISS"}
    assert all(b"Budget passes" in response.content for response in answers)


@pytest.mark.django_db
def test_a_stalled_redis_costs_one_timeout_per_interval_not_one_per_request(
    client, settings, redis_proxy, story, caplog
):
    url = story.get_absolute_url()
    warm(client, url)
    with_retry_after(settings, 60)  # longer than the test: every request after the first is inside it
    warm(client, url)

    redis_proxy.stall()
    with caplog.at_level(logging.WARNING, logger="ops.rediscache"):
        started = time.monotonic()
        first = client.get(url)
        first_took = time.monotonic() - started
        started = time.monotonic()
        others = [client.get(url) for _ in range(10)]
        others_took = time.monotonic() - started

    assert first.status_code == 200 and TIMEOUT <= first_took < 4 * TIMEOUT
    assert [response.status_code for response in others] == [200] * 10
    # The ten others did not wait for Redis at all: waiting would cost each at least TIMEOUT.
    assert others_took < 10 * TIMEOUT
    assert len([record for record in caplog.records if record.name == "ops.rediscache"]) == 1


@pytest.mark.django_db
def test_an_outage_logs_one_warning_per_interval_not_one_per_request(
    client, settings, redis_proxy, story, caplog
):
    url = story.get_absolute_url()
    warm(client, url)
    with_retry_after(settings, 60)  # longer than the test: how slow the requests are cannot matter

    redis_proxy.cut()
    with caplog.at_level(logging.WARNING, logger="ops.rediscache"):
        statuses = [client.get(url).status_code for _ in range(20)]

    warnings = [record.getMessage() for record in caplog.records if record.name == "ops.rediscache"]
    assert set(statuses) == {200}
    assert len(warnings) == 1, warnings  # the next, if it lasts, after the interval (test_ops_rediscache)
    assert "served from the database" in warnings[0]


@pytest.mark.django_db
def test_the_cache_is_used_again_once_redis_is_back(client, redis_proxy, story):
    url = story.get_absolute_url()
    warm(client, url)
    redis_proxy.cut()
    assert client.get(url).headers["X-Page-Cache"] == "MISS"

    redis_proxy.restore()
    wait_for_retry()

    assert warm(client, url).status_code == 200


# --- a take-down while Redis is away ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_a_take_down_while_redis_is_away_is_done_and_not_undone_when_redis_returns(
    client, redis_proxy, story, fault, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    warm(client, url)
    editor = EditorFactory()

    pending_before = PendingPurge.objects.count()  # the factory's own publication's, never run
    getattr(redis_proxy, fault)()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=story, user=editor, comment="Legal hold.")
    took = time.monotonic() - started

    assert Article.objects.get(pk=story.pk).status == Article.Status.DRAFT
    assert took < 4 * TIMEOUT + 1
    assert PendingPurge.objects.count() == pending_before + 1  # the purge did not land: on record
    assert client.get(url).status_code == 410  # while Redis is away, from the database

    redis_proxy.restore()
    wait_for_retry()

    # Redis kept the 200 it had; the purge is done before any entry is read again, so no reader
    # ever gets the 200 back. (On a loaded machine a late retry may have stopped using Redis a
    # little later than the restore: until then pages come from the database, and are 410 too.)
    deadline = time.monotonic() + 5
    while True:
        assert client.get(url).status_code == 410
        if not PendingPurge.objects.exists() or time.monotonic() > deadline:
            break
        time.sleep(RETRY_AFTER / 5)
    assert not PendingPurge.objects.exists()


@pytest.mark.django_db
def test_the_admin_says_done_when_the_purge_after_commit_fails(client, redis_proxy, story):
    editor = EditorFactory()
    client.force_login(editor)
    redis_proxy.cut()

    response = client.post(
        reverse("admin:articles_article_transition", args=[story.pk]),
        {"transition": "unpublish", "comment": "Legal hold."},
        follow=True,
    )

    assert response.status_code == 200
    assert Article.objects.get(pk=story.pk).status == Article.Status.DRAFT
    messages = [str(message) for message in response.context["messages"]]
    assert messages and not any("error" in message.lower() for message in messages), messages


@pytest.mark.django_db
def test_an_email_that_cannot_be_sent_after_commit_does_not_undo_the_submission_and_is_sent_later(
    settings, caplog, django_capture_on_commit_callbacks
):
    """
    The mail server refuses connections: the story is submitted all the same, the failure is
    logged, and the email waits; once the server takes mail, cron's command sends it, once.
    """
    closed_port = free_port()  # nothing listens on it
    settings.MAILERS = {"default": smtp_mailer(f"smtp://127.0.0.1:{closed_port}?timeout=1")}
    EditorFactory(email="desk@example.com")
    reporter = ReporterFactory(email="reporter@example.com")
    draft = ArticleFactory(authors=[AuthorFactory(user=reporter)])

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
        workflow.submit_for_review(article=draft, user=reporter)

    assert Article.objects.get(pk=draft.pk).status == Article.Status.REVIEW
    assert any("they are retried" in record.getMessage() for record in caplog.records)
    pending = PendingNotification.objects.get()
    assert pending.attempts == 1 and "ConnectionRefusedError" in pending.last_error

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("publish_scheduled", stdout=io.StringIO())
    call_command("publish_scheduled", stdout=io.StringIO())

    assert [message.to for message in mail.outbox] == [["desk@example.com"]]
    assert not PendingNotification.objects.exists()


# --- other processes: a gunicorn server, the duty editor's command, nginx in front -----------

# Run once per server, in a subprocess: the database, a duty editor and a live story.
SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tests.factories import EditorFactory, PublishedArticleFactory, SectionFactory
EditorFactory(username="duty")
story = PublishedArticleFactory(section=SectionFactory(name="Politics", slug="politics"))
print(json.dumps([story.pk, story.get_absolute_url()]))
"""


class Site:
    """A SQLite file with a live story, gunicorn serving it, and ``manage.py`` on the same data."""

    def __init__(self, tmp, **environment):
        self.env = child_environment(tmp, SECRET_KEY="cache-faults-test", **environment)
        self.story_pk, self.story_url = json.loads(self.manage("shell", "-c", SETUP).strip().splitlines()[-1])
        self.server, self.port = start_gunicorn(self.env)

    def manage(self, *args):
        return manage(self.env, *args, timeout=60)

    def take_down(self):
        """The duty editor's command: what it prints."""
        return self.manage(
            "workflow", str(self.story_pk), "unpublish", "--user", "duty", "--comment", "Legal hold."
        )

    def stop(self):
        stop(self.server)


def get(port, path):
    """``(status, headers)`` of an anonymous GET on 127.0.0.1:``port``."""
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


@contextlib.contextmanager
def site(**environment):
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-cache-faults-"))
    running = None
    try:
        running = Site(tmp, **environment)
        yield running
    finally:
        if running is not None:
            running.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize(
    "readers_during_outage", [True, False], ids=["readers-meanwhile", "no-reader-meanwhile"]
)
def test_the_duty_editors_take_down_while_redis_is_cut_holds_once_redis_is_back(
    redis_service, readers_during_outage
):
    """
    The command says done; gunicorn's workers serve the 410 from the database meanwhile, and once
    Redis is back they do not serve the 200 it kept, whether or not they saw it go.
    """
    host, port, db = redis_service
    prefix = f"faults-{uuid.uuid4().hex}"
    with (
        TcpProxy((host, port)) as proxy,
        site(
            REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{db}",
            CACHE_KEY_PREFIX=prefix,
            REDIS_TIMEOUT=str(TIMEOUT),
            REDIS_RETRY_SECONDS=str(RETRY_AFTER),
            NEWSROOM_PURGE_CHECK_SECONDS="1",
        ) as running,
    ):
        try:
            for _ in range(6):  # both workers keep it
                status, headers = get(running.port, running.story_url)
            assert (status, headers["X-Page-Cache"]) == (200, "HIT")

            proxy.cut()
            said = running.take_down()
            assert "is now Draft" in said, said
            if readers_during_outage:
                assert {get(running.port, running.story_url)[0] for _ in range(6)} == {410}
                assert {get(running.port, "/")[0] for _ in range(6)} == {200}

            proxy.restore()
            time.sleep(1.1)  # the longest a worker waits before it trusts Redis again

            assert [get(running.port, running.story_url)[0] for _ in range(6)] == [410] * 6
        finally:
            proxy.restore()
            forget_keys(host, port, db, prefix)


def nginx_configuration(prefix, *, upstream_port, cache_port, static_port):
    """bench/nginx.conf with its ports moved: the configuration under test is the reference one."""
    text = (ROOT / "bench" / "nginx.conf").read_text()
    for old, new in [
        ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{cache_port};"),
        ("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{static_port};"),
        ("server 127.0.0.1:8001;", f"server 127.0.0.1:{upstream_port};"),
    ]:
        assert text.count(old) == 1, f"bench/nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


@contextlib.contextmanager
def nginx_in_front_of(upstream_port):
    if NGINX is None:
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    prefix = Path(tempfile.mkdtemp(prefix="newsroom-nginx-"))
    prefix.chmod(0o755)  # nginx's workers run as another user when started by root
    for folder in ("tmp", "html", "cache"):
        (prefix / folder).mkdir()
    cache_port, static_port = free_port(), free_port()
    conf = nginx_configuration(
        prefix, upstream_port=upstream_port, cache_port=cache_port, static_port=static_port
    )
    args = [NGINX, "-c", str(conf), "-p", f"{prefix}/", "-e", str(prefix / "error.log")]
    process = subprocess.Popen(
        [*args, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_port(cache_port, process, name="nginx")
        yield cache_port
    finally:
        stop(process)
        shutil.rmtree(prefix, ignore_errors=True)


def test_a_story_taken_down_stops_being_served_through_nginx_within_2_seconds():
    """bench/nginx.conf in front of gunicorn: the 410 replaces nginx's copy of the page."""
    with site() as running, nginx_in_front_of(running.port) as nginx_port:
        for _ in range(5):
            status, headers = get(nginx_port, running.story_url)
        assert (status, headers["X-Cache-Status"]) == (200, "HIT")

        running.take_down()
        taken_down = time.monotonic()
        seen = []
        while time.monotonic() - taken_down < 3:
            seen.append((time.monotonic() - taken_down, get(nginx_port, running.story_url)[0]))
            time.sleep(0.05)

        first_410 = next((at for at, status in seen if status == 410), None)
        assert first_410 is not None and first_410 <= 2, seen
        # and once gone, it stays gone: no stale 200 comes back from nginx's cache
        assert {status for at, status in seen if at > first_410} == {410}, seen


# --- other cache users ----------------------------------------------------------------------


@pytest.mark.django_db
def test_renditions_are_made_at_once_while_the_cache_is_unavailable(settings, caplog):
    """Their lock lives in the cache: an outage must not make an upload wait out the lock's 300 s."""
    from articles import renditions
    from tests.factories import PhotoFactory, image_file

    closed_port = free_port()  # nothing listens on it
    settings.CACHES = cache_settings(closed_port, 0, "faults")
    photo = PhotoFactory(image=image_file(size=(800, 450)))

    started = time.monotonic()
    written = renditions.make_renditions(photo)

    assert written and time.monotonic() - started < 10
    assert any("unlocked" in record.getMessage() for record in caplog.records)
