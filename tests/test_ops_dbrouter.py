"""
The read replica (ops/dbrouter.py, ops/replication.py): which requests read where, read-your-writes,
and the page cache never keeping a lagging replica's render.

The two-alias tests need ``DATABASE_REPLICA_URL``: the settings then make ``replica`` a test mirror
of ``default`` (a second connection to the same test database), and install the router. CI runs this
module so on PostgreSQL (``.ci/run``); without it they skip, as the rest of the suite runs with one
database. They are transactional: a mirror's connection sees only what ``default`` committed.
A lagging replica is the mirror's connection held in a REPEATABLE READ transaction: it keeps
showing the database as it was when the transaction began, as a replica that stopped replaying.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import preview, revisions, workflow
from articles.models import Article
from ops import dbrouter
from tests.factories import EditorFactory, PublishedArticleFactory, SectionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
HAS_REPLICA = dbrouter.REPLICA in settings.DATABASES
needs_replica = pytest.mark.skipif(
    not HAS_REPLICA,
    reason="no replica alias: set DATABASE_REPLICA_URL (CI sets it to DATABASE_URL for this module)",
)
two_aliases = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


# --- Which requests may read the replica (no database needed) ---------------------------------


@pytest.mark.parametrize(
    ("method", "path", "cookies", "expected"),
    [
        ("get", "/", {}, True),
        ("head", "/politics/", {}, True),
        ("get", "/politics/", {"newsroom_consent": "1"}, True),  # the consent cookie is anyone's
        ("post", "/consent/", {}, False),
        ("get", "/", {settings.SESSION_COOKIE_NAME: "abc"}, False),  # a signed-in user
        ("get", "/" + settings.NEWSROOM_ADMIN_URL, {}, False),
        ("get", "/" + settings.NEWSROOM_ADMIN_URL + "login/", {}, False),
    ],
)
def test_only_anonymous_reader_reads_may_use_the_replica(method, path, cookies, expected):
    request = getattr(RequestFactory(), method)(path)
    request.COOKIES.update(cookies)

    assert dbrouter.may_read_replica(request) is expected


def test_a_valid_read_your_writes_cookie_keeps_reads_on_the_primary():
    signer_response = _response_with_write_cookie()
    request = RequestFactory().get("/")
    request.COOKIES[settings.DATABASE_READ_YOUR_WRITES_COOKIE] = signer_response.cookies[
        settings.DATABASE_READ_YOUR_WRITES_COOKIE
    ].value
    forged = RequestFactory().get("/")
    forged.COOKIES[settings.DATABASE_READ_YOUR_WRITES_COOKIE] = "1"

    assert dbrouter.may_read_replica(request) is False
    assert dbrouter.may_read_replica(forged) is True, "an unsigned cookie moves nobody to the primary"


def test_the_read_your_writes_cookie_lasts_the_configured_window(settings):
    settings.DATABASE_READ_YOUR_WRITES_SECONDS = 7
    cookie = _response_with_write_cookie().cookies[settings.DATABASE_READ_YOUR_WRITES_COOKIE]

    assert cookie["max-age"] == 7
    assert cookie["httponly"]


def test_previews_read_the_primary():
    from articles import views

    assert getattr(views.shared_preview, dbrouter.READS_PRIMARY_ATTRIBUTE, False)
    assert getattr(views.article_preview, dbrouter.READS_PRIMARY_ATTRIBUTE, False)


def test_the_router_writes_and_migrates_on_the_primary_only():
    router = dbrouter.ReplicaRouter()
    from_replica = Article(pk=1)
    from_replica._state.db = dbrouter.REPLICA
    from_primary = Article(pk=2)
    from_primary._state.db = "default"

    assert router.db_for_write(Article, instance=from_replica) == "default"
    assert router.db_for_read(Article, instance=from_replica) == "default", "outside a reader request"
    assert router.allow_migrate("default", "articles") is True
    assert router.allow_migrate(dbrouter.REPLICA, "articles") is False
    assert router.allow_relation(from_replica, from_primary) is True


def _response_with_write_cookie():
    from django.http import HttpResponse

    response = HttpResponse()
    dbrouter.ReadReplicaMiddleware(lambda request: response)._remember_write(response)
    return response


# --- Settings --------------------------------------------------------------------------------


def _settings_with(**environ):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    env.update(environ, DJANGO_SETTINGS_MODULE="newsroom.settings", DEBUG="1")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "r = settings.DATABASES.get('replica'); d = settings.DATABASES['default']; "
            "print(r and (r['NAME'], r['ENGINE'] == d['ENGINE'], r['OPTIONS'] == d['OPTIONS'], "
            "r['TEST']['MIRROR'])); "
            "print(settings.DATABASE_ROUTERS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_without_a_replica_url_have_one_database_and_no_router():
    result = _settings_with(DATABASE_URL="postgres://u@db.example:5432/news")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["None", "[]"]


def test_settings_give_the_replica_the_primarys_backend_and_a_test_mirror():
    result = _settings_with(
        DATABASE_URL="postgres://u@db.example:5432/news",
        DATABASE_REPLICA_URL="postgres://u@replica.example/news",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "('news', True, True, 'default')",
        "['ops.dbrouter.ReplicaRouter']",
    ]


def test_settings_refuse_a_replica_without_its_primary():
    result = _settings_with(DATABASE_REPLICA_URL="postgres://u@replica.example/news")

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL is set without DATABASE_URL" in result.stderr


# --- Two aliases: where each request's queries go ------------------------------------------------


class Queries:
    """The queries each alias ran while in the block."""

    def __enter__(self):
        self.captured = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
        for each in self.captured.values():
            each.__enter__()
        return self

    def __exit__(self, *exc):
        for each in self.captured.values():
            each.__exit__(*exc)
        # Read now: the next request empties the connections' query logs.
        self.sql = {
            alias: [query["sql"] for query in each.captured_queries] for alias, each in self.captured.items()
        }

    def on(self, alias):
        return self.sql[alias]


@pytest.fixture
def story(page_cache):
    """A published story, committed (its invalidation recorded the replication mark)."""
    return PublishedArticleFactory(
        section=SectionFactory(name="Politics", slug="politics"), headline="Budget passes"
    )


@needs_replica
@two_aliases
def test_a_reader_request_never_queries_the_primary(client, story):
    with Queries() as miss:
        response = client.get(story.get_absolute_url())
    with Queries() as page_hit:
        again = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert response["X-Page-Cache"] == "MISS"
    assert "Budget passes" in response.content.decode()
    assert miss.on("default") == []
    assert miss.on("replica"), "the page was read from the replica"
    assert again["X-Page-Cache"] == "HIT"
    assert page_hit.on("default") == page_hit.on("replica") == []


@needs_replica
@two_aliases
def test_with_the_page_cache_off_reader_reads_use_the_replica_too(client, story, settings):
    settings.NEWSROOM_PAGE_CACHE_TTL = 0
    with Queries() as queries:
        response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert queries.on("default") == []
    assert queries.on("replica")


def _signed_in(client):
    client.force_login(EditorFactory())
    return client


def _shared_preview(client, story):
    token = preview.make_share_token(article=story, revision=story.latest_revision)
    return client.get(reverse("articles:shared_preview", args=[token]))


@needs_replica
@two_aliases
@pytest.mark.parametrize(
    "request_of",
    [
        pytest.param(lambda client, story: _signed_in(client).get(story.get_absolute_url()), id="signed-in"),
        pytest.param(lambda client, story: _signed_in(client).get(reverse("admin:index")), id="desk"),
        pytest.param(
            lambda client, story: _signed_in(client).get(f"/preview/{story.pk}/"), id="staff-preview"
        ),
        pytest.param(_shared_preview, id="shared-preview"),
        pytest.param(
            lambda client, story: client.post(reverse("admin:login"), {"username": "x", "password": "y"}),
            id="post",
        ),
    ],
)
def test_everything_but_anonymous_reading_uses_the_primary(client, story, request_of):
    with Queries() as queries:
        response = request_of(client, story)

    assert response.status_code in (200, 302)
    assert queries.on("replica") == []
    assert queries.on("default")


@needs_replica
@two_aliases
def test_after_a_write_the_writers_reads_stay_on_the_primary(client, story):
    # A failed login writes (django-axes records it): a POST that wrote.
    sent = client.post(reverse("admin:login"), {"username": "nobody", "password": "wrong"})
    with Queries() as own_read:
        after_write = client.get(story.get_absolute_url())
    with Queries() as others_read:
        other = client.__class__().get(story.get_absolute_url())

    assert settings.DATABASE_READ_YOUR_WRITES_COOKIE in sent.cookies
    assert own_read.on("replica") == []
    assert own_read.on("default")
    # Still anyone's page: stored, without a cookie, and served to the next reader.
    assert after_write["X-Page-Cache"] == "MISS"
    assert not after_write.cookies
    assert other["X-Page-Cache"] == "HIT"
    assert others_read.on("default") == others_read.on("replica") == []


@needs_replica
@two_aliases
def test_a_post_that_wrote_nothing_sets_no_read_your_writes_cookie(client):
    response = client.post(reverse("consent"), {"choice": "accept"})

    assert settings.DATABASE_READ_YOUR_WRITES_COOKIE not in response.cookies


# --- Two aliases: a lagging replica and the page cache ---------------------------------------------


@pytest.fixture
def lagging_replica():
    """
    Stop the replica replaying: its connection keeps the snapshot of one REPEATABLE READ transaction
    (what a replica that stopped replaying shows). ``catch_up()`` lets it see everything again.
    """
    replica = connections[dbrouter.REPLICA]
    if replica.vendor != "postgresql":
        pytest.skip("the snapshot stands for a lagging replica on PostgreSQL")

    def freeze():
        replica.set_autocommit(False)
        with replica.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT count(*) FROM articles_article")  # the snapshot is taken here

    def catch_up():
        if not replica.get_autocommit():
            replica.rollback()
            replica.set_autocommit(True)

    yield type("Replica", (), {"freeze": staticmethod(freeze), "catch_up": staticmethod(catch_up)})
    catch_up()


@needs_replica
@two_aliases
def test_a_lagging_replicas_render_is_never_stored_under_the_new_versions(client, story, lagging_replica):
    editor = EditorFactory()
    client.get(story.get_absolute_url())  # kept, from the replica
    lagging_replica.freeze()

    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "headline": "Budget passes after all-night session"},
    )
    workflow.publish_update(article=Article.objects.get(pk=story.pk), user=editor)
    stale = Article.objects.using(dbrouter.REPLICA).get(pk=story.pk).headline
    with Queries() as miss:
        rendered = client.get(story.get_absolute_url())
    kept = client.get(story.get_absolute_url())

    assert stale == "Budget passes", "the replica lags: it still shows the old headline"
    assert rendered["X-Page-Cache"] == "MISS"
    assert "all-night session" in rendered.content.decode()
    assert miss.on("default"), "rendered from the primary"
    assert len(miss.on("replica")) == 1, "the replica was asked only how far it had replayed"
    assert kept["X-Page-Cache"] == "HIT"
    assert "all-night session" in kept.content.decode()


@needs_replica
@two_aliases
def test_a_replica_that_caught_up_serves_the_next_miss(client, story, lagging_replica):
    editor = EditorFactory()
    section_url = story.section.get_absolute_url()
    lagging_replica.freeze()
    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "headline": "Budget passes at dawn"},
    )
    workflow.publish_update(article=Article.objects.get(pk=story.pk), user=editor)

    lagging_replica.catch_up()
    with Queries() as miss:
        response = client.get(section_url)

    assert "Budget passes at dawn" in response.content.decode()
    assert miss.on("default") == []
    assert miss.on("replica")


@needs_replica
@two_aliases
def test_without_a_recorded_mark_misses_read_the_primary(client, story):
    from django.core.cache import cache

    from ops import replication

    cache.delete(replication.MARK_KEY)  # the cache lost it: nothing says how far a replica must be
    with Queries() as miss:
        response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert miss.on("default")


@needs_replica
@two_aliases
def test_users_read_on_the_replica_are_written_on_the_primary(story):
    reader = UserFactory()
    token = dbrouter._current.set(dbrouter.RequestDatabases(reads_replica=True))
    try:
        loaded = type(reader).objects.get(pk=reader.pk)
    finally:
        dbrouter._current.reset(token)
    loaded.first_name = "Changed"
    loaded.save()

    assert loaded._state.db == "default"
    assert type(reader).objects.using("default").get(pk=reader.pk).first_name == "Changed"
