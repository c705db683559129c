"""
The article form through the real admin: a save from a stale form is merged field by field with
what others saved meanwhile; a field both changed waits for a choice; nothing is dropped.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from articles import revisions
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, EditorFactory

pytestmark = pytest.mark.django_db


def fresh(article):
    return Article.objects.get(pk=article.pk)


def content(article):
    return revisions.content_of(fresh(article))


def form_data(article, **overrides):
    """The change form as a browser would post it, opened now."""
    shown = revisions.content_of(article)
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


def resubmission(response, **overrides):
    """The re-shown form posted again as is (hidden merge fields included), with ``overrides``."""
    form = response.context["adminform"].form
    data = {key: form.data.getlist(key) for key in form.data}
    for row in form.conflict["rows"]:
        for hidden in row["hidden"]:
            value = hidden.value()
            data[hidden.html_name] = [str(v) for v in value] if isinstance(value, list) else value
    return {**data, **overrides}


@pytest.fixture
def desk(client):
    """A story, its change URL, and a way to save it as someone through the admin."""
    article = ArticleFactory(summary="The bridge opens in May.", body="<p>Work began in 2024.</p>")
    url = reverse("admin:articles_article_change", args=[article.pk])

    def save_as(user, data):
        client.force_login(user)
        return client.post(url, data)

    return article, save_as


def test_stale_save_keeps_their_summary_and_my_headline(desk):
    # The measured case: A changed the summary; B, on a stale form, changed the headline.
    article, save_as = desk
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    opened_by_ben = form_data(article)
    assert save_as(ana, form_data(article, summary="The bridge opens in June.")).status_code == 302
    their_revision = fresh(article).latest_revision

    response = save_as(ben, {**opened_by_ben, "headline": "Bridge date set"})

    assert response.status_code == 302
    saved = content(article)
    assert (saved["headline"], saved["summary"]) == ("Bridge date set", "The bridge opens in June.")
    assert fresh(article).latest_revision.created_by == ben
    assert (
        f"Merged with revision {their_revision.number} by ana, saved while you were editing: "
        "their changes to Summary are kept with yours."
    ) in [str(m) for m in get_messages(response.wsgi_request)]


def test_merge_keeps_their_reordered_authors_and_my_body(desk):
    article, save_as = desk
    first, second = AuthorFactory(), AuthorFactory()
    ana, ben = EditorFactory(), EditorFactory()
    save_as(ana, form_data(article, author_list=[first.pk, second.pk]))
    opened_by_ben = form_data(fresh(article))
    save_as(ana, form_data(fresh(article), author_list=[second.pk, first.pk]))

    response = save_as(ben, {**opened_by_ben, "body": "<p>Work began in 2023.</p>"})

    assert response.status_code == 302
    assert content(article)["authors"] == [second.pk, first.pk]
    assert content(article)["body"] == "<p>Work began in 2023.</p>"


@pytest.fixture
def conflict(desk):
    """Ana changed the summary; Ben, on a stale form, changed the summary and the headline."""
    article, save_as = desk
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    opened_by_ben = form_data(article)
    save_as(ana, form_data(article, summary="The bridge opens in June."))
    revisions_before = fresh(article).revisions.count()
    response = save_as(
        ben, {**opened_by_ben, "summary": "The bridge opens in July.", "headline": "Bridge date set"}
    )
    return article, save_as, ana, ben, response, revisions_before


def test_a_real_conflict_shows_both_diffs_and_saves_nothing(conflict):
    article, _, _, _, response, revisions_before = conflict

    assert response.status_code == 200
    page = response.content.decode()
    assert "you both changed Summary" in page
    theirs, yours = page.split('id="conflict-summary"', 1)[1].split("Yours", 1)
    assert "<del>May.</del> <ins>June.</ins>" in theirs
    assert "<del>May.</del> <ins>July.</ins>" in yours
    assert 'name="merge-summary" value="edit"' in page
    assert fresh(article).revisions.count() == revisions_before
    assert content(article)["headline"] != "Bridge date set"
    # The headline merged cleanly and stays Ben's in the re-shown form; the summary keeps his text.
    form = response.context["adminform"].form
    assert form.data["headline"] == "Bridge date set"
    assert form.data["summary"] == "The bridge opens in July."
    assert form.data["base_version"] == fresh(article).version


def test_resubmitting_without_a_choice_saves_nothing(conflict):
    article, save_as, _, ben, response, revisions_before = conflict

    again = save_as(ben, resubmission(response))

    assert again.status_code == 200
    assert "Choose theirs, yours or your edit." in again.content.decode()
    assert "<del>May.</del> <ins>June.</ins>" in again.content.decode()
    assert fresh(article).revisions.count() == revisions_before


@pytest.mark.parametrize(
    ("choice", "field_text", "saved_summary"),
    [
        ("theirs", "The bridge opens in July.", "The bridge opens in June."),
        ("mine", "Half-typed combination", "The bridge opens in July."),
        ("edit", "The bridge opens in June or July.", "The bridge opens in June or July."),
    ],
)
def test_each_resolution_saves_what_was_chosen(conflict, choice, field_text, saved_summary):
    article, save_as, _, ben, response, _ = conflict

    again = save_as(ben, resubmission(response, **{"merge-summary": choice, "summary": field_text}))

    assert again.status_code == 302
    saved = content(article)
    assert (saved["summary"], saved["headline"]) == (saved_summary, "Bridge date set")
    assert fresh(article).latest_revision.created_by == ben


def test_a_third_save_before_the_resolution_is_merged_not_lost(conflict):
    article, save_as, _, ben, response, _ = conflict
    cho = EditorFactory(username="cho")
    save_as(cho, form_data(fresh(article), body="<p>Work began in 2023.</p>"))

    again = save_as(ben, resubmission(response, **{"merge-summary": "mine"}))

    assert again.status_code == 302
    saved = content(article)
    assert saved["body"] == "<p>Work began in 2023.</p>"
    assert (saved["summary"], saved["headline"]) == ("The bridge opens in July.", "Bridge date set")


def test_a_third_change_to_the_resolved_field_is_a_new_conflict(conflict):
    article, save_as, _, ben, response, _ = conflict
    cho = EditorFactory(username="cho")
    save_as(cho, form_data(fresh(article), summary="The bridge opens in August."))
    revisions_before = fresh(article).revisions.count()

    again = save_as(ben, resubmission(response, **{"merge-summary": "mine"}))

    assert again.status_code == 200
    assert "<del>June.</del> <ins>August.</ins>" in again.content.decode()
    assert fresh(article).revisions.count() == revisions_before
    # Keeping theirs now keeps Cho's summary, with Ben's headline.
    last = save_as(ben, resubmission(again, **{"merge-summary": "theirs"}))
    assert last.status_code == 302
    saved = content(article)
    assert (saved["summary"], saved["headline"]) == ("The bridge opens in August.", "Bridge date set")


def test_merged_times_that_cannot_stand_together_are_refused_not_a_server_error(desk):
    # A sets an embargo; B, on a stale form, sets a take-down time before it. Each was valid.
    article, save_as = desk
    ana, ben = EditorFactory(username="ana"), EditorFactory(username="ben")
    opened_by_ben = form_data(article)
    embargo = timezone.localtime(timezone.now() + timedelta(days=2)).replace(microsecond=0)
    take_down = embargo - timedelta(hours=1)

    def times(name, moment):
        return {f"{name}_0": moment.strftime("%Y-%m-%d"), f"{name}_1": moment.strftime("%H:%M:%S")}

    assert save_as(ana, form_data(article, **times("publish_at", embargo))).status_code == 302

    response = save_as(ben, {**opened_by_ben, **times("expire_at", take_down)})

    assert response.status_code == 200
    assert "take-down time must be after the embargo time" in response.content.decode()
    assert (fresh(article).publish_at, fresh(article).expire_at) == (embargo, None)


@pytest.mark.parametrize("base_version", ["0", "-1", "9" * 30, "99"])
def test_a_version_the_story_never_had_is_refused_and_saves_nothing(desk, base_version):
    """A tampered form would otherwise merge against nothing (it saved, with a 30-digit version)."""
    article, save_as = desk

    response = save_as(EditorFactory(), form_data(article, headline="Mine", base_version=base_version))

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == ["The form lost track of the story's version: reload the page."]
    assert fresh(article).headline == article.headline


@pytest.mark.parametrize("base_version", ["0", "-1", "9" * 30])
def test_a_new_story_sent_with_a_version_no_story_could_have_is_refused(client, base_version):
    """The add form has no version to keep, but a tampered one is refused, not ignored."""
    original = ArticleFactory(slug="original")
    data = {**form_data(original, slug="a-new-story", base_version=base_version)}
    client.force_login(EditorFactory())

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The form lost track of the story's version: reload the page."
    ]
    assert not Article.objects.filter(slug="a-new-story").exists()
