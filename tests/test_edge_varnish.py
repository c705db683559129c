"""
The reference edge (deploy/varnish/newsroom.vcl, Debian's varnish with varnish-modules' xkey) in
front of a real gunicorn: reader pages are kept, staff pass, the edge's headers stay at the edge,
and a change purges exactly the pages showing it, at once (no TTL to wait out).

Needs varnishd and the xkey module (apt-get install varnish varnish-modules): without them the
test skips, saying so, except in CI (CI=true), where it fails.
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from http.client import HTTPConnection
from pathlib import Path

import pytest

from tests.servers import child_environment, free_port, manage, start_gunicorn, stop, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"
VARNISHD = shutil.which("varnishd", path="/usr/sbin:/usr/bin:/sbin:/bin")
XKEY = next(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"), None)
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
INTERNAL_HEADERS = ("xkey", "Surrogate-Key", "Surrogate-Control")

# Run once, in a subprocess: the database and the stories. A and B in Politics (B's Related News
# lists A), C alone in Sport (nothing on its page shows A).
SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tests.factories import EditorFactory, PublishedArticleFactory, SectionFactory
EditorFactory(username="duty")
politics = SectionFactory(name="Politics", slug="politics")
sport = SectionFactory(name="Sport", slug="sport")
a = PublishedArticleFactory(section=politics, headline="Budget passes")
b = PublishedArticleFactory(section=politics, headline="Opposition reacts")
c = PublishedArticleFactory(section=sport, headline="Final tonight")
print(json.dumps({
    "a": a.pk, "c": c.pk, "story": a.get_absolute_url(), "related": b.get_absolute_url(),
    "section": politics.get_absolute_url(), "elsewhere": c.get_absolute_url(),
}))
"""

# "Publish update" of story A with a new headline, through the workflow, as the desk does it.
CHANGE = """
from django.contrib.auth import get_user_model
from django.db import transaction
from articles import revisions, workflow
from articles.models import Article
editor = get_user_model().objects.get(username="duty")
pk = {pk}
with transaction.atomic():
    article = Article.objects.get(pk=pk)
    content = revisions.content_of(article)
    content["headline"] = "Budget passes after all-night session"
    revisions.save_edit(article=article, content=content, user=editor, base_version=article.version)
    workflow.publish_update(article=Article.objects.get(pk=pk), user=editor, minor=True)
"""

# Story {pk} taken down, or put back (submitted and published again), through the workflow.
TAKE_DOWN = """
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article
editor = get_user_model().objects.get(username="duty")
workflow.unpublish(article=Article.objects.get(pk={pk}), user=editor, comment="Legal check")
"""
PUT_BACK = """
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article
editor = get_user_model().objects.get(username="duty")
workflow.submit_for_review(article=Article.objects.get(pk={pk}), user=editor)
workflow.publish(article=Article.objects.get(pk={pk}), user=editor)
"""


def skip_or_fail(message):
    if IN_CI:
        pytest.fail(f"{message} (CI is set, so this fails instead of skipping)")
    pytest.skip(message)


def vcl_for(prefix, *, backend_port):
    """The reference VCL with its backend moved to the test's gunicorn."""
    text = VCL.read_text()
    old = '.port = "8000";'
    assert text.count(old) == 1, f"deploy/varnish/newsroom.vcl no longer has {old!r}: update this test"
    path = prefix / "newsroom.vcl"
    path.write_text(text.replace(old, f'.port = "{backend_port}";'))
    return path


@contextlib.contextmanager
def varnish_in_front_of(backend_port, port):
    if VARNISHD is None or XKEY is None:
        skip_or_fail("varnishd or its xkey module is missing (apt-get install varnish varnish-modules)")
    prefix = Path(tempfile.mkdtemp(prefix="newsroom-varnish-"))
    prefix.chmod(0o755)  # started by root, varnishd's workers run as its own users
    vcl = vcl_for(prefix, backend_port=backend_port)
    args = [VARNISHD, "-F", "-n", str(prefix / "work"), "-a", f"127.0.0.1:{port}", "-f", str(vcl)]
    # As the VCL's header says: Django compresses, and Varnish passes its codings on untouched.
    args += ["-s", "malloc,64m", "-T", "none", "-p", "http_gzip_support=off"]
    if os.geteuid() != 0:
        args += ["-j", "none"]  # no users to switch to: run as this one
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(
            port, process, name="varnishd", within=30, output=lambda: process.stdout.read().decode()
        )
        yield port
    finally:
        stop(process)
        shutil.rmtree(prefix, ignore_errors=True)


class Site:
    """gunicorn on a SQLite file, its edge purges sent to ``edge_port``, and ``manage.py``."""

    def __init__(self, tmp, edge_port):
        self.env = child_environment(
            tmp,
            NEWSROOM_EDGE_PURGE_URLS=f"http://127.0.0.1:{edge_port}/",
            TASKS_BACKEND="immediate",  # the purge is sent after the command's commit, in it
        )
        self.pages = json.loads(self.manage("shell", "-c", SETUP).strip().splitlines()[-1])
        self.server, self.port = start_gunicorn(self.env)

    def manage(self, *args):
        return manage(self.env, *args, timeout=120)

    def publish_update(self):
        self.manage("shell", "-c", CHANGE.replace("{pk}", str(int(self.pages["a"]))))


def get(port, path, **headers):
    """``(status, headers, body)`` of a GET on 127.0.0.1:``port`` (the body as sent)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def edge():
    """``(site, varnish port)``: gunicorn with the reference Varnish in front."""
    if VARNISHD is None or XKEY is None:
        skip_or_fail("varnishd or its xkey module is missing (apt-get install varnish varnish-modules)")
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-edge-"))
    edge_port = free_port()
    site = None
    try:
        site = Site(tmp, edge_port)
        with varnish_in_front_of(site.port, edge_port):
            yield site, edge_port
    finally:
        if site is not None:
            stop(site.server)
        shutil.rmtree(tmp, ignore_errors=True)


def warm(port, path, **headers):
    get(port, path, **headers)
    return get(port, path, **headers)


def test_a_reader_page_is_kept_at_the_edge_and_its_tags_stay_there(edge):
    site, port = edge

    status, headers, _ = warm(port, site.pages["story"])

    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert not [name for name in INTERNAL_HEADERS if name in headers]
    assert "s-maxage=1" in headers["Cache-Control"]  # what browsers are told is unchanged


def test_each_content_coding_is_kept_apart_and_unread_parameters_are_not_the_key(edge):
    site, port = edge
    section = site.pages["section"]
    for accept, coding in (("gzip", "gzip"), ("gzip, deflate, br", "br"), (None, None)):
        asked = {"Accept-Encoding": accept} if accept else {}
        warm(port, section, **asked)

        # the same object, whatever tracking parameters a link carries
        status, headers, _ = get(port, f"{section}?utm_source=social&fbclid=x", **asked)

        assert (status, headers["X-Cache"]) == (200, "HIT"), accept
        assert headers.get("Content-Encoding") == coding, accept
        assert headers["Vary"] == "Accept-Encoding"


def test_staff_pass_the_edge(edge):
    site, port = edge
    warm(port, site.pages["story"])

    status, headers, _ = get(port, site.pages["story"], Cookie="sessionid=not-a-session")

    assert headers["X-Cache"] == "PASS"
    assert "X-Page-Cache" not in headers  # Django's page cache stepped aside too


def test_only_the_allowed_addresses_may_purge_and_a_purge_names_tags(edge):
    site, port = edge
    connection = HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("PURGE", "/")  # from 127.0.0.1, which the ACL allows, but no tags
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 400


def test_publishing_a_change_purges_exactly_the_pages_showing_it(edge):
    site, port = edge
    showing = [site.pages[name] for name in ("story", "section", "related")] + ["/"]
    for path in [*showing, site.pages["elsewhere"]]:
        assert warm(port, path)[1]["X-Cache"] == "HIT", path

    site.publish_update()  # back once committed, its purges sent

    for path in showing:
        status, headers, body = get(port, path)
        assert (status, headers["X-Cache"]) == (200, "MISS"), path
        assert "Budget passes after all-night session" in body, path
    # Still fresh, seconds after its one-second s-maxage: kept by Surrogate-Control until purged.
    assert get(port, site.pages["elsewhere"])[1]["X-Cache"] == "HIT"


def test_a_story_put_back_replaces_the_410_the_edge_kept_at_once(edge):
    site, port = edge
    story, pk = site.pages["elsewhere"], int(site.pages["c"])
    site.manage("shell", "-c", TAKE_DOWN.replace("{pk}", str(pk)))
    status, headers, _ = warm(port, story)
    assert (status, headers["X-Cache"]) == (410, "HIT")

    site.manage("shell", "-c", PUT_BACK.replace("{pk}", str(pk)))  # back once committed, purged

    status, headers, body = get(port, story)
    assert (status, headers["X-Cache"]) == (200, "MISS")  # not the kept 410, nor a stale one
    assert "Final tonight" in body
