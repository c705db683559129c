"""Presence ("also editing"): marked by the form and its heartbeat, ended by the leave beacon."""

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import presence
from articles.models import EditingPresence
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db


def leave_url(article):
    return reverse("admin:articles_article_presence_leave", args=[article.pk])


def test_leaving_ends_only_the_callers_presence_on_that_story(client):
    story, other_story = ArticleFactory(), ArticleFactory()
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    for user, article in [(ana, story), (ben, story), (ana, other_story)]:
        presence.mark_editing(article=article, user=user)
    client.force_login(ana)

    response = client.post(leave_url(story))

    assert response.status_code == 204
    assert set(EditingPresence.objects.values_list("user__username", "article")) == {
        ("ben", story.pk),
        ("ana", other_story.pk),
    }


def test_the_beacon_passes_the_csrf_check_with_the_token_as_form_data():
    # sendBeacon cannot set headers: the token travels as csrfmiddlewaretoken in the POST body.
    article = ArticleFactory()
    ana = EditorFactory(username="ana")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ana)
    token = browser.get(reverse("admin:articles_article_change", args=[article.pk])).context["csrf_token"]

    refused = browser.post(leave_url(article))
    accepted = browser.post(leave_url(article), {"csrfmiddlewaretoken": str(token)})

    assert refused.status_code == 403
    assert accepted.status_code == 204
    assert not EditingPresence.objects.filter(user=ana).exists()


@pytest.mark.parametrize("name", ["presence", "presence_leave"])
def test_presence_endpoints_refuse_get(client, name):
    article = ArticleFactory()
    client.force_login(EditorFactory())

    response = client.get(reverse(f"admin:articles_article_{name}", args=[article.pk]))

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_presence_nobody_renews_expires():
    # The backstop for a beacon that never arrived (a crash, a lost connection).
    article = ArticleFactory()
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    long_ago = timezone.now() - presence.PRESENCE_TIMEOUT - timedelta(seconds=1)
    presence.mark_editing(article=article, user=ana, now=long_ago)

    assert presence.others_editing(article=article, user=ben) == []


def test_the_change_form_wires_the_leave_beacon_and_shows_presence_as_information(client):
    article = ArticleFactory()
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.force_login(EditorFactory(username="ana"))
    client.get(url)
    client.force_login(EditorFactory(username="ben"))

    response = client.get(url)

    page = response.content.decode()
    assert f'data-leave-url="{leave_url(article)}"' in page
    assert 'src="/static/admin/articles/presence.js"' in page
    notice = page.split('id="presence"', 1)[1].split("</div>", 1)[0]
    assert "ana" in notice and re.search(r'class="[^"]*\bpresence-note\b[^"]*"\s+role="status"', page)
    assert "errornote" not in notice
    with open(finders.find("admin/articles/presence.js"), encoding="utf-8") as script:
        source = script.read()
    assert 'addEventListener("pagehide"' in source
    assert "navigator.sendBeacon(box.dataset.leaveUrl" in source
    assert 'data.append("csrfmiddlewaretoken"' in source
