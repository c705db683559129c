"""
Live stories (live/): posting, approval, edits and deletions with their audit and revisions,
the reader page and its update endpoint (published() of the story, cache headers and
invalidation), the feed, the JSON-LD and the LIVE label on cards.
"""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import WorkflowEvent
from live import actions
from live.models import LiveCoverage, LivePost, LivePostRevision
from tests.checkers import html_errors
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    UserFactory,
)
from tests.live_support import live_story

pytestmark = pytest.mark.django_db


def updates_url(coverage):
    return reverse("live:updates", args=[coverage.article_id])


def updates(client, coverage):
    return json.loads(client.get(updates_url(coverage)).content)


def stream_ids(html):
    """The ids of the posts in the page's stream, in page order."""
    return [int(pk) for pk in re.findall(r'data-post="(\d+)"', html)]


# --- posting and approval ---------------------------------------------------------------------


def test_an_editors_post_goes_out_at_once_with_the_editors_byline(client):
    editor = EditorFactory()
    byline = AuthorFactory(user=editor, name="Eileen Cahill")
    coverage, _, _ = live_story(editor=editor)

    post = actions.add_post(user=editor, coverage=coverage, title="Polls open", body="<p>Queues form.</p>")

    assert post.is_approved
    assert list(post.authors.all()) == [byline]
    assert [p["id"] for p in updates(client, coverage)["posts"]] == [post.pk]


def test_a_reporters_post_waits_for_an_editors_one_click_approval(client):
    coverage, _, editor = live_story()
    reporter = ReporterFactory()

    post = actions.add_post(user=reporter, coverage=coverage, body="<p>From the scene.</p>")

    assert not post.is_approved
    assert updates(client, coverage)["posts"] == []
    assert "From the scene." not in client.get(coverage.article.get_absolute_url()).content.decode()
    with pytest.raises(actions.LiveError, match="permission to approve"):
        actions.approve_post(user=reporter, post=post)

    approved = actions.approve_post(user=editor, post=post)

    assert approved.approved_by == editor and approved.posted_at == approved.approved_at
    assert [p["id"] for p in updates(client, coverage)["posts"]] == [post.pk]
    assert (
        WorkflowEvent.objects.filter(article_id=coverage.article_id, action="live_post_approved").count() == 1
    )


def test_a_story_can_let_reporters_posts_go_out_at_once():
    coverage, _, editor = live_story()
    actions.set_approval(user=editor, coverage=coverage, required=False)

    post = actions.add_post(user=ReporterFactory(), coverage=coverage, body="<p>Out now.</p>")

    assert post.is_approved
    with pytest.raises(actions.LiveError, match="permission"):
        actions.set_approval(user=ReporterFactory(), coverage=coverage, required=True)


def test_a_post_needs_text_and_its_html_is_cleaned_like_the_body():
    coverage, _, editor = live_story()

    with pytest.raises(actions.LiveError, match="needs some text"):
        actions.add_post(user=editor, coverage=coverage, body="<p> </p><script>x</script>")
    post = actions.add_post(
        user=editor, coverage=coverage, body='<p onclick="x()">Hi<script>alert(1)</script></p>'
    )

    assert LivePost.objects.get(pk=post.pk).body == "<p>Hi</p>"
    assert LivePost.objects.count() == 1


def test_no_post_is_added_by_someone_without_the_permission_or_to_ended_coverage():
    coverage, _, editor = live_story()

    with pytest.raises(actions.LiveError, match="permission to post"):
        actions.add_post(user=UserFactory(), coverage=coverage, body="<p>Hello.</p>")
    actions.close_coverage(user=editor, coverage=coverage)
    with pytest.raises(actions.LiveError, match="has ended"):
        actions.add_post(user=editor, coverage=coverage, body="<p>Late.</p>")

    assert LivePost.objects.count() == 0


# --- edits, corrections, deletion: audited and revisioned -------------------------------------


def test_editing_a_post_is_audited_revisioned_and_a_correction_is_shown_as_such(client):
    coverage, [post], editor = live_story(posts=1)

    actions.edit_post(
        user=editor,
        post=post,
        title="Update 1",
        body="<p>Twelve votes to three.</p>",
        correction_note="We said 13.",
    )

    html = client.get(coverage.article.get_absolute_url()).content.decode()
    assert "Twelve votes to three." in html
    assert re.search(r'class="live-post__correction">Correction, <time[^>]*>[^<]+</time>: We said 13.', html)
    bodies = [r.content["body"] for r in LivePostRevision.objects.filter(post=post).order_by("pk")]
    assert bodies == ["<p>Text 1.</p>", "<p>Twelve votes to three.</p>"]
    event = WorkflowEvent.objects.get(article_id=coverage.article_id, action="live_post_edited")
    assert event.actor == editor and "We said 13." in event.comment


def test_a_reporter_edits_only_their_own_waiting_post():
    coverage, [published], _ = live_story(posts=1)
    reporter = ReporterFactory()
    waiting = actions.add_post(user=reporter, coverage=coverage, body="<p>Draft.</p>")

    actions.edit_post(user=reporter, post=waiting, body="<p>Better.</p>")
    with pytest.raises(actions.LiveError, match="permission to edit"):
        actions.edit_post(user=reporter, post=published, body="<p>Mine now.</p>")
    with pytest.raises(actions.LiveError, match="permission to delete"):
        actions.delete_post(user=reporter, post=published)

    assert LivePost.objects.get(pk=waiting.pk).body == "<p>Better.</p>"
    assert LivePost.objects.get(pk=published.pk).body == "<p>Text 1.</p>"


def test_deleting_a_post_is_audited_and_its_revisions_stay(client):
    coverage, [post], editor = live_story(posts=1)

    actions.delete_post(user=editor, post=post)

    assert not LivePost.objects.filter(pk=post.pk).exists()
    assert LivePostRevision.objects.filter(post_id=post.pk).count() == 1
    event = WorkflowEvent.objects.get(article_id=coverage.article_id, action="live_post_deleted")
    assert "Update 1" in event.comment
    assert updates(client, coverage)["posts"] == []


def test_pinning_a_post_unpins_the_one_before():
    coverage, [first, second], editor = live_story(posts=2)
    actions.edit_post(user=editor, post=first, title="Update 1", body="<p>Text 1.</p>", pinned=True)
    actions.edit_post(user=editor, post=second, title="Update 2", body="<p>Text 2.</p>", pinned=True)

    assert list(LivePost.objects.filter(pinned=True)) == [LivePost.objects.get(pk=second.pk)]


# --- only a published story's posts are ever served -------------------------------------------


def test_posts_of_an_embargoed_story_are_never_served(client):
    editor = EditorFactory()
    story = ArticleFactory(publish_at=timezone.now() + datetime.timedelta(hours=2))
    coverage = actions.start_coverage(user=editor, article=story)
    post = actions.add_post(user=editor, coverage=coverage, body="<p>Before the embargo.</p>")
    workflow.submit_for_review(article=story, user=editor)
    workflow.publish(article=story, user=editor)  # scheduled: readers wait for the embargo

    assert not LivePost.objects.published().exists()
    assert client.get(updates_url(coverage)).status_code == 404
    assert client.get(reverse("live:feed", args=[story.pk])).status_code == 404
    assert client.get(reverse("live:post", args=[post.pk])).status_code == 404


def test_posts_of_an_unpublished_story_are_never_served(client):
    coverage, [post], editor = live_story(posts=1)
    workflow.unpublish(article=coverage.article, user=editor, comment="Legal asked.")

    assert not LivePost.objects.published().exists()
    assert client.get(updates_url(coverage)).status_code == 404
    assert client.get(reverse("live:post", args=[post.pk])).status_code == 404
    assert client.get(coverage.article.get_absolute_url()).status_code == 410


# --- the reader page ---------------------------------------------------------------------------


def test_the_live_page_shows_live_the_newest_post_first_key_events_and_the_pinned_post(client):
    coverage, [first, second, third], editor = live_story(posts=3)
    actions.edit_post(user=editor, post=first, title="Polls close", body="<p>Text 1.</p>", key_event=True)
    actions.edit_post(user=editor, post=second, title="Update 2", body="<p>Text 2.</p>", pinned=True)

    html = client.get(coverage.article.get_absolute_url()).content.decode()

    assert '<span class="live-label" data-live-label>Live</span>' in html
    assert "Last updated:" in html
    assert stream_ids(html) == [third.pk, second.pk, first.pk]
    key_events = re.search(r'class="live__key-events".*?</nav>', html, re.S).group()
    assert f'href="#post-{first.pk}"' in key_events and "Polls close" in key_events
    assert f'id="pinned-post-{second.pk}"' in html[: html.index("data-live-stream")]
    assert 'data-live-running="true"' in html and 'data-live-poll="15.0"' in html
    assert "hidden>This live coverage has ended." in html


def test_long_days_are_paged_and_a_posts_address_finds_its_page(client, settings):
    settings.NEWSROOM_LIVE_POSTS_PER_PAGE = 2
    coverage, posts, _ = live_story(posts=5)
    url = coverage.article.get_absolute_url()

    second_page = client.get(url + "?page=2").content.decode()

    assert stream_ids(second_page) == [posts[2].pk, posts[1].pk]
    assert 'data-live-running="false"' in second_page  # only the first page takes new posts
    response = client.get(reverse("live:post", args=[posts[1].pk]))
    assert response.status_code == 302 and response["Location"] == f"{url}?page=2#post-{posts[1].pk}"
    assert client.get(reverse("live:post", args=[posts[4].pk]))["Location"] == f"{url}#post-{posts[4].pk}"
    assert client.get(url + "?page=4").status_code == 404


def test_a_story_that_is_not_live_has_no_pages(client):
    story = PublishedArticleFactory()

    assert client.get(story.get_absolute_url() + "?page=1").status_code == 200
    assert client.get(story.get_absolute_url() + "?page=2").status_code == 404
    assert "Live updates" not in client.get(story.get_absolute_url()).content.decode()


def test_closing_the_coverage_ends_updates_and_says_so(client):
    coverage, _, editor = live_story(posts=1)

    actions.close_coverage(user=editor, coverage=coverage)

    html = client.get(coverage.article.get_absolute_url()).content.decode()
    assert '<p class="live__ended" data-live-ended>This live coverage has ended.</p>' in html
    assert 'data-live-running="false"' in html
    assert "Live coverage ended" in html
    assert updates(client, coverage)["running"] is False
    assert WorkflowEvent.objects.filter(article_id=coverage.article_id, action="live_closed").exists()
    with pytest.raises(actions.LiveError, match="already ended"):
        actions.close_coverage(user=editor, coverage=coverage)


def test_cards_show_live_while_the_coverage_runs(client):
    coverage, _, editor = live_story(posts=1)
    PublishedArticleFactory(section=coverage.article.section)
    section_url = coverage.article.section.get_absolute_url()

    for url in ("/", section_url):
        assert client.get(url).content.decode().count('<p class="live-label">Live</p>') == 1, url

    actions.close_coverage(user=editor, coverage=coverage)

    for url in ("/", section_url):
        assert 'class="live-label"' not in client.get(url).content.decode(), url


def test_the_live_page_is_valid_html(client, settings):
    settings.NEWSROOM_LIVE_POSTS_PER_PAGE = 2
    coverage, [first, second, third], editor = live_story(posts=3)
    actions.edit_post(user=editor, post=first, title="Polls close", body="<p>Text 1.</p>", key_event=True)
    actions.edit_post(
        user=editor, post=third, title="", body="<p>Text 3.</p>", pinned=True, correction_note="Fixed."
    )
    url = coverage.article.get_absolute_url()
    pages = {
        "live page": client.get(url).content.decode(),
        "second page": client.get(url + "?page=2").content.decode(),
    }
    actions.close_coverage(user=editor, coverage=coverage)
    pages["ended"] = client.get(url).content.decode()
    assert "Polls close" in pages["live page"] and "This live coverage has ended." in pages["ended"]
    # A page with a known error, checked in the same run: a checker that reports nothing fails.
    control = (
        '<!doctype html><html lang="en"><head><title>x</title></head><body>'
        '<p><time datetime="2025-04-09T06:17:10.123456+00:00">x</time></p></body></html>'
    )

    errors = html_errors({"control": control, **pages})

    assert errors.pop("control")
    assert {name: found for name, found in errors.items() if found} == {}


# --- the update endpoint: cached like any page, refreshed by the story's tag ---------------------


def test_the_update_endpoint_is_cached_like_a_page_and_refreshed_by_a_new_post(
    client, page_cache, django_capture_on_commit_callbacks
):
    coverage, [post], editor = live_story(posts=1)
    url = updates_url(coverage)

    first = client.get(url)
    again = client.get(url)

    assert first["X-Page-Cache"] == "MISS" and again["X-Page-Cache"] == "HIT"
    assert "public" in again["Cache-Control"] and "s-maxage=1" in again["Cache-Control"]
    assert f"article:{coverage.article_id}" in again["xkey"].split()
    assert again["Content-Type"] == "application/json"
    assert client.get(url + "?since=12")["X-Page-Cache"] == "HIT"  # one address per story

    with django_capture_on_commit_callbacks(execute=True):
        new = actions.add_post(user=editor, coverage=coverage, body="<p>Breaking.</p>")

    response = client.get(url)
    assert response["X-Page-Cache"] == "MISS"
    assert [p["id"] for p in json.loads(response.content)["posts"]] == [new.pk, post.pk]


def test_a_waiting_post_leaves_the_cached_endpoint_alone_until_approved(
    client, page_cache, django_capture_on_commit_callbacks
):
    coverage, _, editor = live_story(posts=1)
    url = updates_url(coverage)
    client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        waiting = actions.add_post(user=ReporterFactory(), coverage=coverage, body="<p>Wait.</p>")
    assert client.get(url)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_post(user=editor, post=waiting)
    assert waiting.pk in [p["id"] for p in json.loads(client.get(url).content)["posts"]]


def test_the_live_page_is_refreshed_by_a_new_post(client, page_cache, django_capture_on_commit_callbacks):
    coverage, _, editor = live_story(posts=1)
    url = coverage.article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_post(user=editor, coverage=coverage, body="<p>Fresh news.</p>")

    response = client.get(url)
    assert response["X-Page-Cache"] == "MISS" and "Fresh news." in response.content.decode()


def test_the_update_endpoint_costs_a_handful_of_queries(client, django_assert_max_num_queries):
    coverage, _, _ = live_story(posts=12)

    with django_assert_max_num_queries(6):
        data = updates(client, coverage)

    assert len(data["posts"]) == 10


# --- findable: JSON-LD and the feed -------------------------------------------------------------


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_a_live_story_is_a_live_blog_posting_with_its_newest_posts(client):
    coverage, posts, editor = live_story(posts=2)
    url = coverage.article.get_absolute_url()

    [live] = [
        data for data in json_ld(client.get(url).content.decode()) if data["@type"] == "LiveBlogPosting"
    ]

    assert live["coverageStartTime"] and "coverageEndTime" not in live
    assert [update["headline"] for update in live["liveBlogUpdate"]] == ["Update 2", "Update 1"]
    assert live["liveBlogUpdate"][0]["url"].endswith(f"{url}#post-{posts[1].pk}")

    actions.close_coverage(user=editor, coverage=coverage)
    [ended] = [
        data for data in json_ld(client.get(url).content.decode()) if data["@type"] == "LiveBlogPosting"
    ]
    assert ended["coverageEndTime"]


def test_an_ordinary_story_stays_a_news_article(client):
    story = PublishedArticleFactory()

    types = [data["@type"] for data in json_ld(client.get(story.get_absolute_url()).content.decode())]

    assert "NewsArticle" in types and "LiveBlogPosting" not in types


def test_the_storys_feed_lists_its_posts(client):
    coverage, posts, _ = live_story(posts=2)
    actions.add_post(user=ReporterFactory(), coverage=coverage, body="<p>Not yet approved.</p>")

    page = client.get(coverage.article.get_absolute_url()).content.decode()
    feed = client.get(reverse("live:feed", args=[coverage.article_id])).content.decode()

    assert f'href="{reverse("live:feed", args=[coverage.article_id])}"' in page
    assert re.findall(r"<item><title>(.*?)</title>", feed) == ["Update 2", "Update 1"]
    assert f"/live-updates/posts/{posts[1].pk}/" in feed
    assert "Not yet approved" not in feed


# --- the coverage itself ----------------------------------------------------------------------


def test_only_editors_start_live_coverage_once_per_story():
    story = PublishedArticleFactory()
    editor = EditorFactory()

    with pytest.raises(actions.LiveError, match="permission"):
        actions.start_coverage(user=ReporterFactory(), article=story)
    actions.start_coverage(user=editor, article=story)
    with pytest.raises(actions.LiveError, match="already is a live story"):
        actions.start_coverage(user=editor, article=story)

    assert LiveCoverage.objects.count() == 1
    assert WorkflowEvent.objects.filter(article_id=story.pk, action="live_started").count() == 1
