"""The banners in the admin: editors set them, reporters cannot, refusals are form errors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from banners import services
from banners.models import Banner, BannerEvent
from tests.factories import (
    ArticleFactory,
    BannerFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

ADD = "admin:banners_banner_add"


def form_data(article, *, section=None, text="Polls close", hours=1):
    starts = timezone.localtime(timezone.now() - timedelta(minutes=1))
    expires = starts + timedelta(hours=hours)
    return {
        "text": text,
        "article": article.pk,
        "section": section.pk if section else "",
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
    }


def test_an_editor_sets_a_banner_from_the_admin(client):
    editor = EditorFactory()
    story = PublishedArticleFactory()
    client.force_login(editor)

    response = client.post(reverse(ADD), form_data(story))

    assert response.status_code == 302
    banner = Banner.objects.get()
    assert (banner.text, banner.article, banner.section) == ("Polls close", story, None)
    assert BannerEvent.objects.get().actor == editor


def test_an_editor_ends_a_banner_from_the_admin_and_it_is_recorded(client):
    banner = BannerFactory()
    client.force_login(EditorFactory())

    response = client.post(reverse("admin:banners_banner_delete", args=[banner.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Banner.objects.exists()
    assert BannerEvent.objects.get().action == "ended"


def test_a_reporter_cannot_see_or_set_banners_in_the_admin(client):
    client.force_login(ReporterFactory())
    story = PublishedArticleFactory()

    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), form_data(story)).status_code == 403
    assert client.get(reverse("admin:banners_banner_changelist")).status_code == 403
    assert not Banner.objects.exists()


def test_a_second_banner_for_a_scope_is_a_form_error(client):
    politics = SectionFactory()
    BannerFactory(section=politics, text="First")
    client.force_login(EditorFactory())

    response = client.post(reverse(ADD), form_data(PublishedArticleFactory(), section=politics))

    assert response.status_code == 200
    assert "already a banner for this scope" in response.content.decode()
    assert list(Banner.objects.values_list("text", flat=True)) == ["First"]


def test_a_banner_for_an_unpublished_story_is_a_form_error(client):
    client.force_login(EditorFactory())

    response = client.post(reverse(ADD), form_data(ArticleFactory(headline="Still a draft")))

    assert response.status_code == 200
    assert "“Still a draft” is not published" in response.content.decode()
    assert not Banner.objects.exists()


def test_the_story_autocomplete_offers_only_published_stories(client):
    client.force_login(EditorFactory())
    PublishedArticleFactory(headline="Flood warning issued")
    ArticleFactory(headline="Flood warning draft")

    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "flood", "app_label": "banners", "model_name": "banner", "field_name": "article"},
    )

    assert [result["text"] for result in response.json()["results"]] == ["Flood warning issued"]


def test_the_admin_never_shows_the_banner_region(client):
    BannerFactory(text="Polls close")
    client.force_login(EditorFactory())

    for url in [reverse("admin:index"), reverse("admin:banners_banner_changelist")]:
        assert 'class="breaking-news"' not in client.get(url).content.decode()


def test_a_banner_refused_after_its_form_passed_comes_back_with_what_was_typed(client, monkeypatch):
    # Another editor set this scope's banner between the form's checks and the locked save: the
    # service refuses, and the form is shown again with what was typed and why, nothing saved.
    story = PublishedArticleFactory()
    client.force_login(EditorFactory())

    def refused(*, user, banner):
        raise services.BannerError("another banner already shows there")

    monkeypatch.setattr(services, "banner_save", refused)

    response = client.post(reverse(ADD), form_data(story, text="Polls close early"))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The banner was not saved: another banner already shows there"
    ]
    assert 'value="Polls close early"' in response.content.decode()
    assert not Banner.objects.exists()
