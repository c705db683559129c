"""
The 503 page for a database that cannot answer (ops/database.py), with the database's failure
simulated by cursors that raise; tests/test_faults_database.py does it for real, through a proxy.
"""

import logging
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from ops import database
from tests.factories import ChiefEditorFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_database():
    """Every cursor on the default database fails (as when PostgreSQL refuses connections)."""
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


def assert_unavailable(response, settings):
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.NEWSROOM_DATABASE_RETRY_AFTER)
    assert {"no-store", "no-cache", "private"} <= directives(response)
    assert "Something went wrong" not in response.content.decode()


def test_a_reader_gets_the_503_page_when_the_database_fails(client, settings, dead_database):
    response = client.get("/")

    assert_unavailable(response, settings)
    assert "This page is temporarily unavailable" in response.content.decode()
    assert response.templates[0].name == "503.html"


def test_a_kept_page_is_served_without_the_database(client, page_cache, django_assert_num_queries):
    story = PublishedArticleFactory()
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "MISS"

    wrapper = type(connections["default"])
    refused = mock.patch.object(wrapper, "cursor", side_effect=OperationalError("connection refused"))
    with refused, django_assert_num_queries(0):
        response = client.get(story.get_absolute_url())

    assert (response.status_code, response["X-Page-Cache"]) == (200, "HIT")


def test_the_503_page_is_never_kept_and_the_page_comes_back_with_the_database(client, page_cache, settings):
    story = PublishedArticleFactory()
    wrapper = type(connections["default"])
    with mock.patch.object(wrapper, "cursor", side_effect=OperationalError("connection refused")):
        assert client.get(story.get_absolute_url()).status_code == 503

    response = client.get(story.get_absolute_url())

    assert (response.status_code, response["X-Page-Cache"]) == (200, "MISS")


def test_the_503_page_renders_without_the_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = database.render_unavailable(rf.get("/politics/"))

    assert "/static/css/site" in html


def test_the_desk_gets_a_page_saying_the_database_is_unreachable(client, settings):
    client.raise_request_exception = False  # the test client re-raises what Django turned into a 500
    client.force_login(ChiefEditorFactory())
    wrapper = type(connections["default"])
    # The session is loaded by a middleware (the idle sign-out), before any view: Django turns
    # that error into a 500 at once, which the middleware swaps for the 503 page.
    with mock.patch.object(wrapper, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get(reverse("admin:index"))

    assert_unavailable(response, settings)
    body = response.content.decode()
    assert "The database is unreachable" in body
    assert "not saved" not in body


def test_a_change_sent_to_the_desk_is_said_not_saved(client, settings):
    story = PublishedArticleFactory()
    client.raise_request_exception = False
    client.force_login(ChiefEditorFactory())
    wrapper = type(connections["default"])
    with mock.patch.object(wrapper, "cursor", side_effect=OperationalError("connection refused")):
        response = client.post(
            reverse("admin:articles_article_transition", args=[story.pk]), {"transition": "unpublish"}
        )

    assert_unavailable(response, settings)
    assert "Your change was not saved" in response.content.decode()


def test_one_record_names_the_failure_and_django_adds_none(client, dead_database, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/politics/?page=2")

    (record,) = [r for r in caplog.records if r.name in {"newsroom.database", "django.request"}]
    assert record.name == "newsroom.database"
    assert (record.method, record.path, record.status) == ("GET", "/politics/", 503)
    assert (record.error, record.detail) == ("OperationalError", "connection refused")


@pytest.mark.parametrize("error", [OperationalError("gone"), InterfaceError("connection already closed")])
def test_the_middleware_answers_database_errors(rf, error):
    middleware = database.DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    response = middleware.process_exception(rf.get("/"), error)

    assert response.status_code == 503


def test_the_middleware_leaves_other_errors_and_debug_to_django(rf, settings):
    middleware = database.DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None
    settings.DEBUG = True
    assert middleware.process_exception(rf.get("/"), OperationalError("gone")) is None


def test_a_500_for_another_reason_is_left_alone():
    request = RequestFactory().get("/")
    middleware = database.DatabaseUnavailableMiddleware(lambda request: HttpResponse(status=500))

    assert middleware(request).status_code == 500
