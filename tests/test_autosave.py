"""Autosave (articles/admin/autosave.py): a per-user working copy, never a revision."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import revisions, workflow
from articles.admin import autosave
from articles.models import Article, ArticleRevision, WorkingCopy
from tests.factories import ArticleFactory, AuthorFactory, EditorFactory, PhotoFactory, ReporterFactory

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def autosave_url(article):
    return reverse("admin:articles_article_autosave", args=[article.pk])


def form_data(article, **overrides):
    """The change form's fields as the page posts them, opened now."""
    shown = revisions.content_of(Article.objects.get(pk=article.pk))
    data = {
        "headline": shown["headline"],
        "slug": shown["slug"],
        "section": shown["section"],
        "summary": shown["summary"],
        "anchor_lead": shown["anchor_lead"],
        "body": shown["body"],
        "lead_photo": shown["lead_photo"] or "",
        "author_list": shown["authors"],
        "related_list": shown["related"],
        "base_version": article.version,
    }
    return {**data, **overrides}


@pytest.fixture
def editor():
    return EditorFactory(username="ana")


@pytest.fixture
def story():
    return ArticleFactory(headline="Bridge opens in May", summary="The bridge opens in May.")


# --- the endpoint ----------------------------------------------------------------------------------


def test_autosave_keeps_a_working_copy_and_no_revision(client, editor, story):
    client.force_login(editor)

    response = client.post(autosave_url(story), form_data(story, headline="Bridge opens in June"))

    assert response.status_code == 200
    assert response.json()["saved_at"]
    copy = WorkingCopy.objects.get(article=story, user=editor)
    assert copy.data["headline"] == ["Bridge opens in June"]
    assert copy.base_version == story.version
    assert not ArticleRevision.objects.filter(article=story).exists()
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Bridge opens in May", 1)


def test_each_autosave_replaces_that_persons_copy_only(client, editor, story):
    other = EditorFactory(username="ben")
    client.force_login(other)
    client.post(autosave_url(story), form_data(story, headline="Ben's headline"))
    client.force_login(editor)

    client.post(autosave_url(story), form_data(story, headline="First try"))
    client.post(autosave_url(story), form_data(story, headline="Second try"))

    copies = {copy.user.username: copy.data["headline"] for copy in WorkingCopy.objects.filter(article=story)}
    assert copies == {"ana": ["Second try"], "ben": ["Ben's headline"]}


def test_only_the_story_fields_are_kept(client, editor, story):
    client.force_login(editor)

    client.post(
        autosave_url(story),
        {
            **form_data(story),
            "comment": "workflow comment",
            "merge-headline": "mine",
            "publish_at_0": "2030-01-02",
        },
    )

    data = WorkingCopy.objects.get().data
    assert "comment" not in data and "merge-headline" not in data and "base_version" not in data
    assert data["publish_at_0"] == ["2030-01-02"]


def test_a_reporter_cannot_autosave_into_a_story_they_cannot_edit(client, editor):
    reporter = ReporterFactory()
    someone_elses = ArticleFactory()
    own_in_review = workflow.submit_for_review(
        article=ArticleFactory(authors=[AuthorFactory(user=reporter)]), user=reporter
    )
    client.force_login(reporter)

    for article in (someone_elses, own_in_review):
        assert client.post(autosave_url(article), form_data(article)).status_code == 403
    assert not WorkingCopy.objects.exists()


def test_a_reporter_autosaves_their_own_draft(client):
    reporter = ReporterFactory()
    own = ArticleFactory(authors=[AuthorFactory(user=reporter)])
    client.force_login(reporter)

    assert client.post(autosave_url(own), form_data(own, summary="Mine")).status_code == 200
    assert WorkingCopy.objects.get().user == reporter


@pytest.mark.parametrize("object_id", ["junk", "999999", "9" * 30, "-1"])
def test_a_story_that_does_not_exist_is_404(client, editor, object_id):
    client.force_login(editor)

    response = client.post(f"/admin/articles/article/{object_id}/autosave/", {"base_version": "1"})

    assert response.status_code == 404


@pytest.mark.parametrize("base_version", ["", "abc", "0", "2", "-1", "9" * 40])
def test_a_version_the_story_never_had_is_refused(client, editor, story, base_version):
    client.force_login(editor)

    response = client.post(autosave_url(story), form_data(story, base_version=base_version))

    assert response.status_code == 400
    assert "reload" in response.json()["error"]
    assert not WorkingCopy.objects.exists()


def test_an_oversized_post_is_refused(client, editor, story):
    client.force_login(editor)

    response = client.post(autosave_url(story), form_data(story, body="x" * (autosave.MAX_BYTES + 1)))

    assert response.status_code == 413
    assert not WorkingCopy.objects.exists()


def test_nul_characters_are_dropped_not_a_server_error(client, editor, story):
    client.force_login(editor)

    response = client.post(autosave_url(story), form_data(story, headline="Nul\x00 here"))

    assert response.status_code == 200
    assert WorkingCopy.objects.get().data["headline"] == ["Nul here"]


def test_autosave_is_post_only_and_needs_the_csrf_token(editor, story):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    assert browser.get(autosave_url(story)).status_code == 405
    assert browser.post(autosave_url(story), form_data(story)).status_code == 403
    assert not WorkingCopy.objects.exists()


def test_autosave_costs_a_fixed_number_of_queries(client, editor, story):
    client.force_login(editor)
    client.post(autosave_url(story), form_data(story, headline="Warm"))
    long_story = ArticleFactory(body="<p>word</p>" * 5000, authors=[AuthorFactory() for _ in range(5)])
    client.post(autosave_url(long_story), form_data(long_story, headline="Warm"))

    short_form, long_form = form_data(story, headline="Again"), form_data(long_story, headline="Again")

    with CaptureQueriesContext(connection) as short:
        client.post(autosave_url(story), short_form)
    with CaptureQueriesContext(connection) as long:
        client.post(autosave_url(long_story), long_form)

    assert len(short) == len(long) <= 10


# --- coming back: the offer, restore, discard --------------------------------------------------


def keep(client, user, article, **changes):
    client.force_login(user)
    response = client.post(autosave_url(article), form_data(article, **changes))
    assert response.status_code == 200


def test_the_change_form_offers_the_copy_with_a_diff_against_the_current_revision(client, editor, story):
    keep(client, editor, story, headline="Bridge opens in June")

    response = client.get(change_url(story))

    page = response.content.decode()
    assert 'id="autosave-offer"' in page
    assert [change.field for change in response.context["working_copy_changes"]] == ["headline"]
    assert "<ins>June</ins>" in page or "<ins>June" in page
    assert f'href="{change_url(story)}?restore=1"' in page
    # Only offered: the form still shows the saved story.
    assert response.context["adminform"].form.initial["headline"] == "Bridge opens in May"


def test_a_copy_with_nothing_unsaved_is_dropped_not_offered(client, editor, story):
    keep(client, editor, story)

    response = client.get(change_url(story))

    assert 'id="autosave-offer"' not in response.content.decode()
    assert not WorkingCopy.objects.exists()


def test_another_persons_copy_is_not_offered(client, editor, story):
    keep(client, EditorFactory(username="ben"), story, headline="Ben's")
    client.force_login(editor)

    response = client.get(change_url(story))

    assert "working_copy" not in response.context
    assert WorkingCopy.objects.count() == 1


def test_restore_fills_the_form_with_the_copy_and_saves_nothing(client, editor, story):
    keep(client, editor, story, headline="Bridge opens in June", summary="Delayed a month.")

    response = client.get(change_url(story) + "?restore=1")

    form = response.context["adminform"].form
    assert (form.initial["headline"], form.initial["summary"]) == ("Bridge opens in June", "Delayed a month.")
    assert form.initial["base_version"] == story.version
    page = response.content.decode()
    assert 'id="autosave-restored"' in page
    assert 'value="Bridge opens in June"' in page and "Delayed a month." in page
    assert not ArticleRevision.objects.filter(article=story).exists()


def test_a_choice_no_longer_valid_is_named_and_left_as_saved(client, editor, story):
    photo = PhotoFactory()
    keep(client, editor, story, headline="New", lead_photo=photo.pk)
    photo.delete()

    response = client.get(change_url(story) + "?restore=1")

    assert response.context["working_copy_not_restored"] == ["Lead photo"]
    form = response.context["adminform"].form
    assert form.initial["headline"] == "New"
    assert form.initial["lead_photo"] is None


def test_an_explicit_save_makes_the_revision_and_clears_the_copy(client, editor, story):
    other = EditorFactory(username="ben")
    keep(client, other, story, headline="Ben's")
    keep(client, editor, story, headline="Bridge opens in June")

    response = client.post(change_url(story), form_data(story, headline="Bridge opens in June"))

    assert response.status_code == 302
    assert revisions.content_of(Article.objects.get(pk=story.pk))["headline"] == "Bridge opens in June"
    assert list(WorkingCopy.objects.values_list("user__username", flat=True)) == ["ben"]


def test_a_save_that_fails_keeps_the_copy(client, editor, story):
    keep(client, editor, story, headline="Bridge opens in June")

    response = client.post(change_url(story), form_data(story, headline=""))

    assert response.status_code == 200  # the form again, with its error
    assert WorkingCopy.objects.filter(user=editor).exists()


def test_restored_work_is_merged_with_what_others_saved_since(client, editor, story):
    keep(client, editor, story, headline="Bridge opens in June")
    ben = EditorFactory(username="ben")
    client.force_login(ben)
    assert client.post(change_url(story), form_data(story, summary="Ben's summary.")).status_code == 302
    client.force_login(editor)

    restored = client.get(change_url(story) + "?restore=1")
    assert restored.context["working_copy_saved_since"].created_by == ben
    initial = restored.context["adminform"].form.initial
    response = client.post(
        change_url(story),
        form_data(story, headline=initial["headline"], summary="The bridge opens in May.", base_version=1),
    )

    assert response.status_code == 302
    saved = revisions.content_of(Article.objects.get(pk=story.pk))
    assert (saved["headline"], saved["summary"]) == ("Bridge opens in June", "Ben's summary.")
    assert any("Merged with revision" in str(m) for m in get_messages(response.wsgi_request))
    assert not WorkingCopy.objects.filter(user=editor).exists()


def test_discard_asks_then_deletes_the_copy(client, editor, story):
    keep(client, editor, story, headline="Bridge opens in June")
    url = reverse("admin:articles_article_autosave_discard", args=[story.pk])

    assert client.get(url).status_code == 200
    assert WorkingCopy.objects.exists()
    response = client.post(url)

    assert response.status_code == 302 and response.url == change_url(story)
    assert not WorkingCopy.objects.exists()
    assert Article.objects.get(pk=story.pk).headline == "Bridge opens in May"


def test_the_change_form_carries_the_autosave_script_only_where_it_may_save(client, editor, story):
    client.force_login(editor)
    page = client.get(change_url(story)).content.decode()
    assert f'data-url="{autosave_url(story)}"' in page
    assert "admin/articles/autosave.js" in page

    reporter = ReporterFactory()
    client.force_login(reporter)
    read_only = client.get(change_url(story)).content.decode()
    assert "admin/articles/autosave.js" not in read_only


def test_a_deleted_story_takes_its_working_copies_with_it(client, editor, story):
    keep(client, editor, story, headline="Gone soon")

    workflow.delete(article=story, user=editor)

    assert not WorkingCopy.objects.exists()
