"""
PostgreSQL failing under a running site, for real: gunicorn (the production config, two sync
workers) talks to PostgreSQL through ``tests.tcpproxy.TcpProxy``, which the tests cut (connections
reset, new ones refused), stall (accepted, nothing forwarded: a hung server) and restore, with
short timeouts (DATABASE_CONNECT_TIMEOUT and DATABASE_QUERY_TIMEOUT of 2 s).

What must hold (issue 14, part 5):
* readers still get the pages the page cache keeps, at once; any other page is the 503 page with
  Retry-After, within about the timeouts, never the 500 page;
* /readyz says 503 naming the database within its own timeout;
* the desk gets a page saying the database is unreachable and the change was not saved;
* a save or a workflow action cut (or stalled) halfway through its transaction leaves nothing of
  itself in PostgreSQL, as read there directly afterwards;
* when the database is back, the site is too, without a restart.

The site gets a database of its own on the PostgreSQL server the suite uses (``DATABASE_URL``
when it names one, else ``NEWSROOM_FAULTS_POSTGRES_URL``, else the local server at
127.0.0.1:5432), made and migrated here and dropped afterwards. The cache is files in a temporary
folder, or Redis when ``REDIS_URL`` is set. Without a reachable PostgreSQL these tests skip, and
fail in CI (``CI`` or ``NEWSROOM_REQUIRE_POSTGRES`` set), where PostgreSQL always runs.
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.servers import child_environment, free_port, stop, wait_for_port
from tests.tcpproxy import TcpProxy

ROOT = Path(__file__).resolve().parents[1]
CONNECT_TIMEOUT = 2  # seconds (libpq's smallest)
QUERY_TIMEOUT = 2
READYZ_TIMEOUT = 1
# What a cached page may take with the database gone: half the shortest timeout, so a page that
# waited on the database at all fails, with room for a loaded CI machine (a hit takes milliseconds).
QUICK = 1.0
# How long an uncached page may take to be refused: a kept connection's health check runs out
# (QUERY_TIMEOUT), then a new one does (CONNECT_TIMEOUT), plus a loaded machine's slack.
REFUSED_WITHIN = QUERY_TIMEOUT + CONNECT_TIMEOUT + 1.5
CSRF_SECRET = "faultsfaultsfaultsfaultsfaultsXY"  # 32 characters: a CSRF cookie's secret

# Run once against the new database, directly (not through the proxy): its stories, a chief editor
# signed in (the session key) and what the tests post. The last line of output is JSON.
SETUP = """
import json
from django.test import Client
from articles import workflow
from tests.factories import (
    ArticleFactory, ChiefEditorFactory, PublishedArticleFactory, ReporterFactory, SectionFactory,
)
politics = SectionFactory(name="Politics", slug="politics")
chief = ChiefEditorFactory(username="chief")
reporter = ReporterFactory(username="reporter")
cached = PublishedArticleFactory(section=politics, headline="Budget passes")
uncached = PublishedArticleFactory(section=politics, headline="Rates held")
draft = ArticleFactory(section=politics, headline="Draft headline", created_by=reporter)
in_review = ArticleFactory(section=politics, headline="Minister resigns", created_by=reporter)
workflow.submit_for_review(article=in_review, user=reporter)
client = Client()
client.force_login(chief)
edit = {
    "headline": "Draft headline, changed", "slug": draft.slug, "section": politics.pk,
    "summary": draft.summary, "anchor_lead": draft.anchor_lead, "body": draft.body,
    "lead_photo": "", "author_list": [], "related_list": [], "base_version": draft.version,
}
print(json.dumps({
    "cached": cached.get_absolute_url(), "uncached": uncached.get_absolute_url(),
    "draft": draft.pk, "in_review": in_review.pk, "edit": edit,
    "session": client.cookies["sessionid"].value,
}))
"""


# --- PostgreSQL, and a database of the tests' own --------------------------------------------


def _server_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return os.environ.get("NEWSROOM_FAULTS_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _required():
    return any(
        os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
        for name in ("CI", "NEWSROOM_REQUIRE_POSTGRES")
    )


def _unavailable(message):
    """Skip, or fail where PostgreSQL must be there (CI), as the browser tests do."""
    if _required():
        pytest.fail(f"{message} (CI or NEWSROOM_REQUIRE_POSTGRES is set, so this fails instead of skipping)")
    pytest.skip(message)


def _connect(url, dbname=None):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password or "") or None,
        dbname=dbname or parts.path.lstrip("/") or "postgres",
        connect_timeout=3,
        autocommit=True,
    )


def _with_name(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name, query=""))


def _manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _environment(tmp, database_url):
    redis = {}
    if os.environ.get("REDIS_URL"):
        redis = {"REDIS_URL": os.environ["REDIS_URL"], "CACHE_KEY_PREFIX": f"db-faults-{uuid.uuid4().hex}"}
    return child_environment(
        tmp,
        DEBUG="0",
        SECRET_KEY="database-fault-tests-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP between the test and gunicorn: cookies without Secure.
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DATABASE_URL=database_url,
        LOG_FORMAT="json",
        **redis,
    )


@pytest.fixture(scope="module")
def database():
    """``(url, data)``: a migrated database with SETUP's data, dropped afterwards."""
    server_url = _server_url()
    try:
        admin = _connect(server_url, dbname="postgres")  # the URL's own database may not exist (tests)
    except Exception as error:  # noqa: BLE001 - whatever psycopg says, there is no server to use
        _unavailable(f"No PostgreSQL at {urllib.parse.urlsplit(server_url).netloc}: {error}")
    base = urllib.parse.urlsplit(server_url).path.lstrip("/") or "newsroom"
    name = f"{base}_faults_{os.getpid()}"[:63]
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-db-faults-"))
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_name(server_url, name)
        env = _environment(tmp, url)
        _manage(env, "migrate", "--no-input", "-v", "0")
        data = json.loads(_manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        yield url, data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _rows(url, sql, *params):
    with _connect(url) as connection:
        return connection.execute(sql, params).fetchall()


# --- the site, behind the proxy -----------------------------------------------------------------


class Site:
    """gunicorn with ``deploy/gunicorn.conf.py`` (two workers), its database behind ``proxy``."""

    def __init__(self, env, proxy, tmp):
        self.proxy = proxy
        self.port = free_port()
        self.pause_dir = tmp / "pause"
        self.pause_dir.mkdir()
        self.log_path = tmp / "server.log"
        parts = urllib.parse.urlsplit(env["DATABASE_URL"])
        credentials = parts.netloc.rpartition("@")[0]
        env = {
            **env,
            "DATABASE_URL": urllib.parse.urlunsplit(
                parts._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}")
            ),
            "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "DATABASE_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
            "NEWSROOM_READYZ_TIMEOUT": str(READYZ_TIMEOUT),
            "NEWSROOM_DATABASE_RETRY_AFTER": "30",
            "NEWSROOM_FAULTS_PAUSE_DIR": str(self.pause_dir),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "tests.faultserver:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(
            self.port,
            self.process,
            name="gunicorn",
            within=30,
            output=lambda: self.log_path.read_text()[-3000:],
        )

    def request(self, method, path, *, staff=None, form=None, timeout=20):
        """``(status, headers, body, seconds)``; ``staff``: a session key to send."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        body = None
        if staff:
            headers["Cookie"] = f"sessionid={staff}; csrftoken={CSRF_SECRET}"
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": CSRF_SECRET}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode()
            return response.status, response.headers, content, time.monotonic() - started
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def warm(self, path):
        """Request ``path`` until the page cache answers it."""
        for _ in range(5):
            status, headers, _, _ = self.get(path)
            if status == 200 and headers.get("X-Page-Cache") == "HIT":
                return
        pytest.fail(f"{path} was never served from the page cache")

    def until(self, path, check, within=15, **kwargs):
        """The first answer to ``path`` for which ``check(status, body)`` holds, within ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            status, headers, body, _ = self.get(path, **kwargs)
            if check(status, body):
                return status, headers, body
            if time.monotonic() > deadline:
                pytest.fail(f"{path} still answers {status} after {within} s")
            time.sleep(0.2)

    def records(self, logger):
        """The JSON log records ``logger`` wrote so far."""
        self.log.flush()
        found = []
        for line in self.log_path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("logger") == logger:
                found.append(record)
        return found

    def hold_next_write(self):
        for name in ("paused", "go"):
            (self.pause_dir / name).unlink(missing_ok=True)
        (self.pause_dir / "armed").write_text("")

    def wait_until_held(self, within=20):
        deadline = time.monotonic() + within
        while not (self.pause_dir / "paused").exists():
            if time.monotonic() > deadline:
                pytest.fail("the save never reached its first write")
            time.sleep(0.02)

    def release(self):
        (self.pause_dir / "go").write_text("")

    def stop(self):
        stop(self.process, within=15)
        self.log.close()


@pytest.fixture
def site(database):
    url, data = database
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-db-faults-site-"))
    env = _environment(tmp, url)
    with TcpProxy(("127.0.0.1", urllib.parse.urlsplit(url).port or 5432)) as proxy:
        server = Site(env, proxy, tmp)
        try:
            yield server, url, data
        finally:
            proxy.restore()
            server.release()
            server.stop()
            _forget_redis_keys(env)
            shutil.rmtree(tmp, ignore_errors=True)


def _forget_redis_keys(env):
    if "REDIS_URL" in env:
        import redis

        client = redis.Redis.from_url(env["REDIS_URL"])
        for key in client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*"):
            client.delete(key)


def _article(url, pk):
    (row,) = _rows(
        url,
        "SELECT a.headline, a.status, a.version,"
        " (SELECT count(*) FROM articles_articlerevision r WHERE r.article_id = a.id),"
        " (SELECT count(*) FROM articles_workflowevent e WHERE e.article_id = a.id)"
        " FROM articles_article a WHERE a.id = %s",
        pk,
    )
    return dict(zip(("headline", "status", "version", "revisions", "events"), row, strict=True))


def _assert_refused_page(status, headers, body):
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "no-store" in headers["Cache-Control"]
    assert "Something went wrong" not in body


def _in_thread(function, *args, **kwargs):
    """Run ``function`` in a thread; the returned callable joins it and gives its result."""
    result = {}

    def run():
        result["value"] = function(*args, **kwargs)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join(timeout=30):
        thread.join(timeout)
        assert not thread.is_alive(), "the request never came back"
        return result["value"]

    return join


# --- readers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_readers_get_cached_pages_at_once_and_the_503_page_otherwise(site, fault):
    server, _, data = site
    server.warm(data["cached"])
    for _ in range(2):  # the workers keep connections open, which the fault then breaks
        assert server.get("/admin/", staff=data["session"])[0] == 200

    getattr(server.proxy, fault)()

    for _ in range(4):  # both workers, whichever takes each request
        status, headers, body, seconds = server.get(data["cached"])
        assert (status, headers["X-Page-Cache"]) == (200, "HIT")
        assert seconds < QUICK
    refused = _in_thread(server.get, data["uncached"])
    time.sleep(0.2)
    # While one worker waits on the database, the other serves cached pages at once.
    for _ in range(3):
        assert server.get(data["cached"])[3] < QUICK
    status, headers, body, seconds = refused()
    _assert_refused_page(status, headers, body)
    assert "This page is temporarily unavailable" in body
    assert 'href="/static/css/site' in body  # in the site's look
    assert seconds < REFUSED_WITHIN
    # One record per refused request, naming the error.
    (record, *_) = server.records("newsroom.database")
    assert record["path"] == data["uncached"]
    assert record["status"] == 503
    assert record["error"] in {"OperationalError", "InterfaceError"}


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_readyz_names_the_database_within_its_timeout(site, fault):
    server, _, _ = site
    assert server.get("/readyz")[0] == 200

    getattr(server.proxy, fault)()

    status, _, body, seconds = server.get("/readyz")
    assert status == 503
    assert json.loads(body)["failing"] == ["database"]
    assert seconds < READYZ_TIMEOUT + 1


# --- the desk ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_the_desk_gets_a_page_saying_the_database_is_unreachable(site, fault):
    server, _, data = site
    assert server.get("/admin/", staff=data["session"])[0] == 200

    getattr(server.proxy, fault)()

    status, headers, body, _ = server.get("/admin/", staff=data["session"])
    _assert_refused_page(status, headers, body)
    assert "The database is unreachable" in body


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_a_save_cut_halfway_leaves_nothing_and_says_so(site, fault):
    server, url, data = site
    change_url = f"/admin/articles/article/{data['draft']}/change/"
    before = _article(url, data["draft"])

    server.hold_next_write()
    reply = _in_thread(server.request, "POST", change_url, staff=data["session"], form=data["edit"])
    server.wait_until_held()
    getattr(server.proxy, fault)()
    server.release()
    status, headers, body, _ = reply()

    _assert_refused_page(status, headers, body)
    assert "Your change was not saved" in body
    server.proxy.restore()
    time.sleep(0.5)  # a stalled transaction's last bytes reach the server, which rolls it back
    assert _article(url, data["draft"]) == before


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_a_workflow_action_cut_halfway_leaves_nothing_and_says_so(site, fault):
    server, url, data = site
    before = _article(url, data["in_review"])
    assert before["status"] == "review"

    server.hold_next_write()
    reply = _in_thread(
        server.request,
        "POST",
        f"/admin/articles/article/{data['in_review']}/transition/",
        staff=data["session"],
        form={"transition": "publish"},
    )
    server.wait_until_held()
    getattr(server.proxy, fault)()
    server.release()
    status, headers, body, _ = reply()

    _assert_refused_page(status, headers, body)
    assert "Your change was not saved" in body
    server.proxy.restore()
    time.sleep(0.5)
    assert _article(url, data["in_review"]) == before


def test_a_save_sent_while_the_database_is_away_is_refused(site):
    server, url, data = site
    before = _article(url, data["draft"])

    server.proxy.cut()
    status, headers, body, _ = server.request(
        "POST", f"/admin/articles/article/{data['draft']}/change/", staff=data["session"], form=data["edit"]
    )

    _assert_refused_page(status, headers, body)
    assert "Your change was not saved" in body
    server.proxy.restore()
    assert _article(url, data["draft"]) == before


# --- coming back ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["cut", "stall"])
def test_the_site_comes_back_by_itself_with_the_database(site, fault):
    server, url, data = site
    for _ in range(2):
        assert server.get("/admin/", staff=data["session"])[0] == 200
    getattr(server.proxy, fault)()
    for _ in range(2):  # each worker meets the fault
        assert server.get("/admin/", staff=data["session"])[0] == 503

    server.proxy.restore()

    # Every worker answers again (the desk's pages are never cached): the first may still be
    # refused while a stalled connection's health check runs out, then all are served.
    server.until("/admin/", lambda status, body: status == 200, staff=data["session"])
    for _ in range(4):
        assert server.get("/admin/", staff=data["session"])[0] == 200
    assert server.get(data["uncached"])[0] == 200
    headline = f"Saved after the {fault}"
    edit = {**data["edit"], "headline": headline, "base_version": _article(url, data["draft"])["version"]}
    status, _, _, _ = server.request(
        "POST", f"/admin/articles/article/{data['draft']}/change/", staff=data["session"], form=edit
    )
    assert status == 302
    assert _article(url, data["draft"])["headline"] == headline


# --- the bound on waiting (ops/postgresql/) ------------------------------------------------------


def test_a_web_process_stops_waiting_for_a_stalled_server_and_drops_the_connection(database):
    import psycopg

    from ops import postgresql
    from ops.postgresql import base

    url, _ = database
    parts = urllib.parse.urlsplit(url)
    with TcpProxy((parts.hostname, parts.port or 5432)) as proxy:
        connection = base.BoundedConnection.connect(
            host="127.0.0.1",
            port=proxy.port,
            user=parts.username,
            dbname=parts.path.lstrip("/"),
            autocommit=True,
        )
        postgresql.limit_waits(QUERY_TIMEOUT)
        try:
            assert connection.execute("SELECT 1").fetchone() == (1,)
            proxy.stall()
            started = time.monotonic()
            with pytest.raises(psycopg.OperationalError, match="did not answer within 2 s"):
                connection.execute("SELECT 1")
            assert QUERY_TIMEOUT <= time.monotonic() - started < QUERY_TIMEOUT + 1
            assert connection.closed
        finally:
            postgresql.limit_waits(None)
            connection.close()
