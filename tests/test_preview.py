"""Previews: staff see any state as readers would; share links are signed, expire and are never cached."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles import preview, revisions, workflow
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def edit(article, user, **changes):
    content = {**revisions.content_of(article), **changes}
    return revisions.save_edit(article=article, content=content, user=user, base_version=article.version)


def assert_private_and_unindexed(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Set-Cookie" not in response or "sessionid" not in response.cookies


def test_staff_preview_renders_a_draft_like_the_public_page(client):
    author = AuthorFactory(name="Mira Okafor")
    photo = PhotoFactory(credit__name="Harbour Press Agency")
    article = ArticleFactory(headline="Draft headline", lead_photo=photo, authors=[author])
    client.force_login(EditorFactory())

    response = client.get(reverse("articles:preview", args=[article.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Draft headline" in page
    assert "Photo : Harbour Press Agency" in page
    assert "Anchor:" in page and "Report:" in page
    assert "Mira Okafor, Newsroom World Radio News." in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert_private_and_unindexed(response)


def test_staff_preview_of_live_story_shows_the_pending_revision(client):
    editor = EditorFactory()
    article = PublishedArticleFactory(headline="Live headline")
    edit(article, editor, headline="Pending headline")
    client.force_login(editor)

    preview_page = client.get(reverse("articles:preview", args=[article.pk])).content.decode()
    public_page = client.get(article.get_absolute_url()).content.decode()

    assert "Pending headline" in preview_page
    assert "Live headline" in public_page and "Pending headline" not in public_page


def test_preview_needs_a_staff_login(client):
    article = ArticleFactory()
    url = reverse("articles:preview", args=[article.pk])

    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code == 302


def test_share_link_works_logged_out_for_the_shared_revision(client):
    reporter = ReporterFactory()
    article = ArticleFactory(headline="Shared version", authors=[AuthorFactory(user=reporter)])
    edit(article, reporter, headline="Shared version")
    article.refresh_from_db()
    token = preview.make_share_token(article=article, revision=article.latest_revision)
    edit(article, reporter, headline="A later version")

    response = client.get(reverse("articles:shared_preview", args=[token]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Shared version" in page and "A later version" not in page
    assert_private_and_unindexed(response)


def test_share_link_expires(client, settings):
    settings.NEWSROOM_PREVIEW_MAX_AGE = 48 * 3600
    article = ArticleFactory()
    edit(article, EditorFactory())
    article.refresh_from_db()
    token = preview.make_share_token(article=article, revision=article.latest_revision)
    url = reverse("articles:shared_preview", args=[token])

    later = timezone.now() + timedelta(hours=47, minutes=59)
    with mock.patch("time.time", return_value=later.timestamp()):
        assert client.get(url).status_code == 200
    too_late = timezone.now() + timedelta(hours=48, seconds=5)
    with mock.patch("time.time", return_value=too_late.timestamp()):
        response = client.get(url)

    assert response.status_code == 403
    assert "This preview link has expired" in response.content.decode()
    assert_private_and_unindexed(response)


@pytest.mark.parametrize("tamper", ["flip_character", "other_article", "unsigned"])
def test_tampered_share_link_is_refused(client, tamper):
    article = ArticleFactory(headline="Secret draft")
    other = ArticleFactory(headline="Other draft")
    for story in (article, other):
        edit(story, EditorFactory())
        story.refresh_from_db()
    token = preview.make_share_token(article=article, revision=article.latest_revision)
    if tamper == "flip_character":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif tamper == "other_article":
        payload, rest = token.split(":", 1)
        forged = signing.b64_encode(f'{{"article":{other.pk},"revision":1}}'.encode()).decode()
        token = f"{forged}:{rest}"
    else:
        token = "not-a-token"

    response = client.get(reverse("articles:shared_preview", args=[token]))

    assert response.status_code == 403
    assert "This preview link is not valid." in response.content.decode()
    assert "Secret draft" not in response.content.decode()
    assert "Other draft" not in response.content.decode()


def test_change_form_offers_preview_and_share_link(client):
    article = ArticleFactory()
    edit(article, EditorFactory())
    client.force_login(EditorFactory())

    page = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert f'href="{reverse("articles:preview", args=[article.pk])}"' in page
    assert "/preview/shared/" in page
    assert "works without an account for 48 hours" in page


def test_corrections_are_shown_below_the_story_with_their_time(client):
    editor = EditorFactory()
    article = PublishedArticleFactory()
    edit(article, editor, body="<p>The vote was 12 to 3.</p>")
    article.refresh_from_db()
    at = timezone.now()
    workflow.publish_update(
        article=article, user=editor, correction="An earlier version gave the vote as 13 to 2.", now=at
    )

    page = client.get(article.get_absolute_url()).content.decode()

    stamp = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert "Correction, <time datetime=" in page
    assert f">{stamp}</time>: An earlier version gave the vote as 13 to 2." in page
