"""Revisions: every save stored, live stories unchanged until published, compare, restore, no lost edits."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import revisions, workflow
from articles.models import Article, ArticleRevision
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

Status = Article.Status


def edit(article, user, base_version=None, **changes):
    content = {**revisions.content_of(article), **changes}
    return revisions.save_edit(
        article=article,
        content=content,
        user=user,
        base_version=article.version if base_version is None else base_version,
    )


def fresh(article):
    return Article.objects.get(pk=article.pk)


# --- every save is a revision ----------------------------------------------------------------


def test_each_save_stores_an_immutable_numbered_revision():
    editor = EditorFactory()
    article = ArticleFactory()

    first = edit(article, editor, headline="First")
    second = edit(fresh(article), editor, headline="Second")

    # Revision 1 keeps the story as it was before the desk first touched it.
    assert [r.number for r in article.revisions.order_by("number")] == [1, 2, 3]
    assert article.revisions.get(number=1).message == "Original version"
    assert (first.content["headline"], second.content["headline"]) == ("First", "Second")
    assert fresh(article).latest_revision == second
    first.message = "rewritten"
    with pytest.raises(ValidationError, match="immutable"):
        first.save()
    with pytest.raises(ValidationError, match="never deleted"):
        first.delete()


def test_snapshot_holds_authors_and_related_in_order():
    authors = [AuthorFactory(), AuthorFactory()]
    others = [PublishedArticleFactory(), PublishedArticleFactory()]
    article = ArticleFactory(authors=authors[::-1], related_articles=others[::-1])

    content = revisions.snapshot(article)

    assert content["authors"] == [authors[1].pk, authors[0].pk]
    assert content["related"] == [others[1].pk, others[0].pk]


def test_draft_edit_changes_the_row():
    article = ArticleFactory()

    edit(article, EditorFactory(), headline="Changed in draft")

    assert fresh(article).headline == "Changed in draft"
    assert not fresh(article).has_unpublished_changes


# --- drafts of live stories ------------------------------------------------------------------


def test_edit_of_live_story_leaves_readers_version_until_published(client):
    editor = EditorFactory()
    article = PublishedArticleFactory(headline="What readers see")

    edit(article, editor, headline="What the desk is working on", body="<p>New text.</p>")

    row = fresh(article)
    assert row.headline == "What readers see"
    assert row.has_unpublished_changes
    assert row.status == Status.PUBLISHED
    page = client.get(row.get_absolute_url())
    assert "What readers see" in page.content.decode()
    assert "What the desk is working on" not in page.content.decode()

    published = workflow.publish_update(article=row, user=editor)

    assert published.headline == "What the desk is working on"
    assert published.status == Status.UPDATED
    assert published.updated_at is not None
    assert published.live_revision == published.latest_revision
    assert "What the desk is working on" in client.get(published.get_absolute_url()).content.decode()


def test_reporter_change_to_live_story_goes_through_review():
    reporter = ReporterFactory()
    editor = EditorFactory()
    article = PublishedArticleFactory(authors=[AuthorFactory(user=reporter)])

    edit(article, reporter, headline="Reporter's fix")
    names = [t.name for t in workflow.available_transitions(article=fresh(article), user=reporter)]
    assert names == ["submit_update"]
    with pytest.raises(workflow.TransitionError, match="permission"):
        workflow.publish_update(article=article, user=reporter)

    article = workflow.apply_transition(article=article, user=reporter, name="submit_update")
    assert article.submitted_revision == article.latest_revision
    assert article.status == Status.PUBLISHED  # still live while the change is reviewed
    assert fresh(article).headline != "Reporter's fix"

    article = workflow.publish_update(article=article, user=editor, revision=article.latest_revision.number)
    assert article.headline == "Reporter's fix"


def test_returning_a_live_change_keeps_the_story_live():
    reporter = ReporterFactory()
    article = PublishedArticleFactory(authors=[AuthorFactory(user=reporter)])
    edit(article, reporter, headline="Too early")
    article = workflow.apply_transition(article=article, user=reporter, name="submit_update")

    article = workflow.apply_transition(
        article=article, user=EditorFactory(), name="return_update", comment="Wait for confirmation."
    )

    assert article.status == Status.PUBLISHED
    assert article.submitted_revision is None
    assert article.has_unpublished_changes


def test_approval_applies_only_to_the_reviewed_revision():
    reporter = ReporterFactory()
    editor = EditorFactory()
    article = ArticleFactory(authors=[AuthorFactory(user=reporter)])
    edit(article, reporter, headline="Reviewed version")
    article = workflow.submit_for_review(article=fresh(article), user=reporter)
    reviewed = article.latest_revision.number
    # Another change lands after the editor opened the story for review.
    edit(fresh(article), editor, headline="Later, unreviewed version")

    with pytest.raises(workflow.TransitionError) as refused:
        workflow.publish(article=article, user=editor, revision=reviewed)

    assert str(refused.value) == (
        f"This story changed after you reviewed it: you reviewed revision {reviewed}, but revision "
        f"{reviewed + 1} by {editor} is the latest. Review the latest revision before publishing it."
    )
    assert fresh(article).status == Status.REVIEW
    published = workflow.publish(article=article, user=editor, revision=reviewed + 1)
    assert published.headline == "Later, unreviewed version"


# --- corrections -----------------------------------------------------------------------------


def test_correction_note_is_kept_with_the_published_revision():
    editor = EditorFactory()
    article = PublishedArticleFactory()
    edit(article, editor, body="<p>The vote was 12 to 3.</p>")

    article = workflow.publish_update(
        article=fresh(article), user=editor, correction="An earlier version gave the vote as 13 to 2."
    )

    assert article.live_revision.correction_note == "An earlier version gave the vote as 13 to 2."
    assert article.live_revision.published_at == article.updated_at


def test_minor_correction_is_marked_on_the_revision():
    editor = EditorFactory()
    article = PublishedArticleFactory()
    edit(article, editor, headline="Typo fixed")

    article = workflow.publish_update(article=fresh(article), user=editor, minor=True)

    assert article.updated_at is None
    assert article.live_revision.minor


# --- compare and restore ---------------------------------------------------------------------


def test_compare_gives_a_readable_word_level_diff():
    old_section, new_section = SectionFactory(name="Politics"), SectionFactory(name="Economy")
    photo = PhotoFactory(caption="Harbour at dawn")
    old = {
        **revisions.snapshot(ArticleFactory(section=old_section)),
        "body": "<p>The council met on Monday.</p>",
    }
    new = {
        **old,
        "body": "<p>The council met on Tuesday.</p>",
        "section": new_section.pk,
        "lead_photo": photo.pk,
    }

    changes = {c.field: str(c.html) for c in revisions.compare(old, new)}

    assert (
        changes["body"]
        == '<p class="diff-changed">The council met on <del>Monday.</del> <ins>Tuesday.</ins></p>'
    )
    assert changes["section"] == "<del>Politics</del> <ins>Economy</ins>"
    assert changes["lead_photo"] == "<del>—</del> <ins>Harbour at dawn</ins>"
    assert "headline" not in changes


def test_compare_keeps_paragraphs_and_diffs_words_within_each():
    old = {"body": "<p>The minister exits.</p><p>The review was long.</p><p>It ends today.</p>"}
    new = {"body": "<p>The minister exits early.</p><p>A statement followed.</p><p>The review was short.</p>"}

    (change,) = revisions.compare(old, new)

    assert str(change.html) == (
        '<p class="diff-changed">The minister <del>exits.</del> <ins>exits early.</ins></p>'
        '<p class="diff-added"><ins>A statement followed.</ins></p>'
        '<p class="diff-changed">The review was <del>long.</del> <ins>short.</ins></p>'
        '<p class="diff-removed"><del>It ends today.</del></p>'
    )
    assert "exits.The review" not in str(change.html)


def test_compare_shows_unchanged_paragraphs_and_plain_text_lines():
    old = {"anchor_lead": "First line.\nSecond line.", "body": "<p>Fish &amp; chips.</p><p>Same.</p>"}
    new = {"anchor_lead": "First line.\nSecond line, longer.", "body": "<p>Fish &amp; rice.</p><p>Same.</p>"}

    changes = {c.field: str(c.html) for c in revisions.compare(old, new)}

    assert changes["anchor_lead"] == (
        '<p class="diff-same">First line.</p>'
        '<p class="diff-changed">Second <del>line.</del> <ins>line, longer.</ins></p>'
    )
    # An entity in the body is one character to compare, escaped once on the way out.
    assert changes["body"] == (
        '<p class="diff-changed">Fish &amp; <del>chips.</del> <ins>rice.</ins></p>'
        '<p class="diff-same">Same.</p>'
    )


def test_compare_escapes_content():
    changes = revisions.compare({"headline": "a"}, {"headline": "<b>x</b> & y"})

    assert "<b>" not in str(changes[0].html)


def test_restore_saves_old_content_as_a_new_revision():
    editor = EditorFactory()
    article = ArticleFactory()
    edit(article, editor, headline="One")
    edit(fresh(article), editor, headline="Two")
    one = article.revisions.get(number=2)

    restored = revisions.restore(
        article=fresh(article), revision=one, user=editor, base_version=fresh(article).version
    )

    assert restored.number == 4
    assert restored.content["headline"] == "One"
    assert fresh(article).headline == "One"
    assert ArticleRevision.objects.filter(article=article).count() == 4


def test_restore_of_live_story_is_a_draft_revision():
    editor = EditorFactory()
    article = PublishedArticleFactory(headline="Live")
    edit(article, editor, headline="Second")
    article = workflow.publish_update(article=fresh(article), user=editor)
    first = article.revisions.get(number=1)  # the original, "Live"

    revisions.restore(article=article, revision=first, user=editor, base_version=article.version)

    assert fresh(article).headline == "Second"
    assert fresh(article).has_unpublished_changes


# --- no lost edits ---------------------------------------------------------------------------


def test_stale_save_is_refused_by_the_service():
    article = ArticleFactory()
    opened_at = article.version
    edit(article, EditorFactory(), headline="First save wins")

    with pytest.raises(revisions.EditConflict, match=f"you started from version {opened_at}"):
        edit(fresh(article), EditorFactory(), base_version=opened_at, headline="Second save")

    assert fresh(article).headline == "First save wins"


# A stale save through the admin is merged, not refused: tests/test_article_form.py.


def test_change_form_shows_who_else_is_editing(client):
    article = ArticleFactory()
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.force_login(EditorFactory(username="ana"))
    client.get(url)

    client.force_login(EditorFactory(username="ben"))
    page = client.get(url).content.decode()

    assert "Also editing this story now" in page
    assert "ana" in page
    heartbeat = client.post(reverse("admin:articles_article_presence", args=[article.pk]))
    assert heartbeat.json() == {"others": ["ana"]}


def test_history_compare_and_restore_views(client):
    editor = EditorFactory()
    article = ArticleFactory()
    edit(article, editor, headline="Alpha")
    edit(fresh(article), editor, headline="Beta")
    client.force_login(editor)

    history = client.get(reverse("admin:articles_article_revisions", args=[article.pk]))
    compare = client.get(reverse("admin:articles_article_compare", args=[article.pk]), {"a": 2, "b": 3})
    restore = client.post(reverse("admin:articles_article_restore", args=[article.pk, 2]))

    assert history.status_code == 200 and b"Restore as new revision" in history.content
    assert "<del>Alpha</del> <ins>Beta</ins>" in compare.content.decode()
    assert restore.status_code == 302
    assert fresh(article).headline == "Alpha"
    assert fresh(article).latest_revision.number == 4


def test_logging_out_ends_presence(client):
    article = ArticleFactory()
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.force_login(EditorFactory(username="ana"))
    client.get(url)
    client.post(reverse("admin:logout"))

    client.force_login(EditorFactory(username="ben"))

    assert client.get(url).context["others_editing"] == []
