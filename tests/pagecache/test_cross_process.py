"""
A change made in one process is seen by a server in another within a second: two real
processes, on the embedded default (SQLite, the file cache) and, when REDIS_URL is set, on Redis.

The server is gunicorn with two workers, on its own SQLite file and cache; the change is made by
``manage.py workflow``, the duty editor's command, as it would be from a terminal.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.servers import child_environment, free_port, stop, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
WITHIN = 1.0  # seconds

# Run once, in a subprocess: the database, then a section, a duty editor, a live story and a story
# waiting in review. Each backend's server gets a copy.
SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from articles import workflow
from tests.factories import ArticleFactory, EditorFactory, PublishedArticleFactory, SectionFactory
politics = SectionFactory(name="Politics", slug="politics")
editor = EditorFactory(username="duty")
live = PublishedArticleFactory(section=politics, headline="Budget passes")
waiting = ArticleFactory(section=politics, headline="Minister resigns")
workflow.submit_for_review(article=waiting, user=editor)
print(json.dumps({"live": [live.pk, live.get_absolute_url()], "waiting": waiting.pk,
                  "section": politics.get_absolute_url()}))
"""


def backends():
    yield "files"
    if os.environ.get("REDIS_URL"):
        yield "redis"


def _environment(tmp, backend, **settings):
    if backend == "redis":
        return child_environment(
            tmp,
            SECRET_KEY="cross-process-test",
            REDIS_URL=os.environ["REDIS_URL"],
            CACHE_KEY_PREFIX=f"cross-process-{uuid.uuid4().hex}",
            **settings,
        )
    return child_environment(tmp, SECRET_KEY="cross-process-test", **settings)


def _manage(env, *args, timeout=60):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class Server:
    def __init__(self, env):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for_port(self.port, self.process, name="gunicorn", within=15)

    def get(self, path):
        """``(status, X-Page-Cache, body)`` for an anonymous GET."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, response.headers.get("X-Page-Cache"), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("X-Page-Cache"), error.read().decode()

    def warm(self, path):
        """Request ``path`` until a worker answers it from the cache."""
        for _ in range(4):
            status, served, body = self.get(path)
            if served == "HIT":
                return status, body
        pytest.fail(f"{path} was never served from the cache")

    def poll(self, path, until):
        """Seconds until ``until(status, body)`` holds for ``path`` (None after ``WITHIN``)."""
        start = time.monotonic()
        while time.monotonic() - start <= WITHIN:
            if until(*self.get(path)[::2]):
                return time.monotonic() - start
            time.sleep(0.05)
        return None

    def stop(self):
        stop(self.process)


@pytest.fixture(scope="module")
def database():
    """A SQLite file with the stories (made once), and what the tests need to know of them."""
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-cross-process-"))
    try:
        output = _manage(_environment(tmp, "files"), "shell", "-c", SETUP)
        yield tmp / "newsroom.sqlite3", json.loads(output.strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module", params=list(backends()))
def site(request, database):
    yield from _serve(database, request.param)


@pytest.fixture(scope="module", params=list(backends()))
def site_without_page_cache(request, database):
    """The same, with nothing kept (``NEWSROOM_PAGE_CACHE_TTL=0``) but what each process keeps itself."""
    yield from _serve(database, request.param, NEWSROOM_PAGE_CACHE_TTL="0")


def _serve(database, backend, **settings):
    """A server on its own copy of ``database``, and what the tests need to know."""
    source, data = database
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-cross-process-"))
    try:
        shutil.copyfile(source, tmp / "newsroom.sqlite3")
        env = _environment(tmp, backend, **settings)
        server = Server(env)
        try:
            yield {"env": env, "server": server, **data}
        finally:
            server.stop()
            _forget_redis_keys(env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _forget_redis_keys(env):
    if "REDIS_URL" in env:
        import redis

        client = redis.Redis.from_url(env["REDIS_URL"])
        for key in client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*"):
            client.delete(key)


def test_a_story_unpublished_from_a_terminal_is_gone_from_the_server_within_a_second(site):
    (pk, url), server = site["live"], site["server"]
    assert server.warm(url)[0] == 200

    _manage(site["env"], "workflow", str(pk), "unpublish", "--user", "duty", "--comment", "Legal hold.")

    assert server.poll(url, lambda status, body: status == 410) is not None


def test_a_story_published_from_a_terminal_is_on_its_section_page_within_a_second(site):
    server = site["server"]
    assert "Minister resigns" not in server.warm(site["section"])[1]

    _manage(site["env"], "workflow", str(site["waiting"]), "publish", "--user", "duty")

    assert server.poll(site["section"], lambda status, body: "Minister resigns" in body) is not None


# A section renamed as the admin renames it: the change and its purge of the "site" tag, committed.
RENAME_SECTION = """
from django.db import transaction
from articles import cachetags
from articles.models import Section
with transaction.atomic():
    Section.objects.filter(slug="politics").update(name="Home Affairs")
    cachetags.site_changed()
"""


def test_a_section_renamed_in_another_process_is_in_the_next_menu_with_nothing_kept(site_without_page_cache):
    # Each worker keeps the section menu in memory (pagecache.memo), the page cache off or on.
    site, url = site_without_page_cache, site_without_page_cache["live"][1]
    server = site["server"]
    for _ in range(4):  # both workers, most likely, have it kept
        assert ">Politics</a>" in server.get(url)[2]

    _manage(site["env"], "shell", "-c", RENAME_SECTION)

    for _ in range(4):  # the very next request of each worker reads it again
        status, served, body = server.get(url)
        assert (status, served) == (200, "MISS")
        assert ">Home Affairs</a>" in body
        assert ">Politics</a>" not in body
