"""The live desk in the admin (live/admin.py): quick posts, one-click approval, edits, closing."""

import pytest
from django.urls import reverse

from articles.models import WorkflowEvent
from live.models import LiveCoverage, LivePost
from tests.factories import EditorFactory, PublishedArticleFactory, ReporterFactory
from tests.live_support import live_story

pytestmark = pytest.mark.django_db


def desk_url(coverage):
    return reverse("admin:live_livecoverage_change", args=[coverage.pk])


def quick_post(client, coverage, **fields):
    data = {"do": "post", "post-title": "", "post-body": "<p>Text.</p>", **fields}
    return client.post(desk_url(coverage), data, follow=True)


def test_an_editor_makes_a_story_live_from_the_admin(client):
    editor = EditorFactory()
    story = PublishedArticleFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:live_livecoverage_add"), {"article": story.pk, "reporter_posts_need_approval": "on"}
    )

    coverage = LiveCoverage.objects.get(article=story)
    assert response.status_code == 302 and response["Location"] == desk_url(coverage)
    assert WorkflowEvent.objects.filter(article_id=story.pk, action="live_started", actor=editor).exists()


def test_a_quick_post_from_the_desk_goes_out_for_an_editor(client):
    coverage, _, editor = live_story()
    client.force_login(editor)

    response = quick_post(client, coverage, **{"post-title": "Polls open", "post-key_event": "on"})

    assert "Your post is out." in response.content.decode()
    post = LivePost.objects.get()
    assert post.is_approved and post.key_event and post.title == "Polls open"


def test_a_reporters_quick_post_waits_and_an_editor_approves_it_with_one_click(client):
    coverage, _, editor = live_story()
    reporter = ReporterFactory()
    client.force_login(reporter)

    response = quick_post(client, coverage, **{"post-body": "<p>From the count.</p>"})

    assert "Your post waits for an editor&#x27;s approval." in response.content.decode()
    post = LivePost.objects.get()
    assert 'value="approve"' not in response.content.decode()
    client.post(desk_url(coverage), {"do": "approve", "post": post.pk})
    assert not LivePost.objects.get().is_approved

    client.force_login(editor)
    desk = client.get(desk_url(coverage)).content.decode()
    assert 'id="waiting-posts"' in desk and 'value="approve"' in desk
    client.post(desk_url(coverage), {"do": "approve", "post": post.pk})

    assert LivePost.objects.get().is_approved


def test_a_bad_quick_post_keeps_what_was_typed_and_says_why(client):
    coverage, _, editor = live_story()
    client.force_login(editor)

    response = quick_post(client, coverage, **{"post-title": "Kept", "post-body": "<p> </p>"})

    html = response.content.decode()
    assert "A post needs some text" in html and 'value="Kept"' in html
    assert LivePost.objects.count() == 0


def test_an_editor_corrects_a_post_from_its_edit_page(client):
    coverage, [post], editor = live_story(posts=1)
    client.force_login(editor)
    url = reverse("admin:live_livecoverage_post", args=[coverage.pk, post.pk])

    response = client.post(
        url, {"title": "Update 1", "body": "<p>Twelve.</p>", "correction_note": "We said thirteen."}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "<p>Twelve.</p>" and post.correction_note == "We said thirteen."


def test_closing_and_the_approval_setting_are_editors_buttons(client):
    coverage, _, editor = live_story()
    client.force_login(ReporterFactory())
    assert 'value="close"' not in client.get(desk_url(coverage)).content.decode()
    client.post(desk_url(coverage), {"do": "close"})
    assert LiveCoverage.objects.get().is_running

    client.force_login(editor)
    client.post(desk_url(coverage), {"do": "approval", "required": "0"})
    client.post(desk_url(coverage), {"do": "close"})

    coverage.refresh_from_db()
    assert not coverage.reporter_posts_need_approval and not coverage.is_running
