import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from articles import revisions, workflow
from articles.models import Article, EditorsPick, WorkflowEvent
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ChiefEditorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Article.Status


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article):
    return reverse("admin:articles_article_transition", args=[article.pk])


@pytest.fixture
def reporter():
    return ReporterFactory()


@pytest.fixture
def own_draft(reporter):
    return ArticleFactory(authors=[AuthorFactory(user=reporter)])


def buttons(response):
    return [t.label for t in response.context["button_transitions"]]


# --- the change form shows exactly the transitions the user may take -----------------------


def test_reporter_sees_only_submit_on_own_draft(client, reporter, own_draft):
    client.force_login(reporter)

    response = client.get(change_url(own_draft))

    assert response.status_code == 200
    assert buttons(response) == ["Submit for review"]
    assert b'value="submit"' in response.content
    assert b'value="publish"' not in response.content


def test_editor_sees_return_and_publish_on_story_in_review(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter)
    client.force_login(EditorFactory())

    response = client.get(change_url(own_draft))

    assert buttons(response) == ["Return to reporter", "Publish"]
    # Return needs a comment: its own box, required, posted with its own button only.
    html = response.content.decode()
    assert (
        'What needs changing <span class="workflow-action__optional">(needed to return to reporter)' in html
    )
    assert re.search(
        r'<textarea name="comment" id="workflow-comment-return" form="workflow-form-return"[^>]*required',
        html,
    )
    assert 'form="workflow-form-return" name="transition" value="return"' in html
    assert 'id="workflow-form-return"' in html
    assert 'form="workflow-form" name="transition" value="publish"' in html


def test_change_form_shows_history_read_only(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter, comment="Ready for the 6 pm bulletin.")
    client.force_login(EditorFactory())

    response = client.get(change_url(own_draft))

    assert b'id="workflow-history"' in response.content
    assert b"Ready for the 6 pm bulletin." in response.content


# --- transitions through the admin go through the workflow ---------------------------------


def test_editor_publishes_from_the_admin(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter)
    editor = EditorFactory()
    client.force_login(editor)

    response = client.post(transition_url(own_draft), {"transition": "publish"}, follow=True)

    own_draft.refresh_from_db()
    assert own_draft.status == Status.PUBLISHED
    assert own_draft.events.last().actor == editor
    assert "is now Published" in response.content.decode()


def test_reporter_posting_publish_is_refused_on_the_server(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter)
    client.force_login(reporter)

    response = client.post(transition_url(own_draft), {"transition": "publish"}, follow=True)

    own_draft.refresh_from_db()
    assert own_draft.status == Status.REVIEW
    assert "You do not have permission to publish this article." in response.content.decode()


def test_return_without_comment_is_refused_with_message(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter)
    client.force_login(EditorFactory())

    response = client.post(transition_url(own_draft), {"transition": "return", "comment": ""}, follow=True)

    own_draft.refresh_from_db()
    assert own_draft.status == Status.REVIEW
    assert "Return to reporter needs a comment" in response.content.decode()


def test_minor_correction_button_reaches_the_workflow(client):
    article = workflow.publish_update(article=PublishedArticleFactory(), user=EditorFactory())
    updated_at = article.updated_at
    client.force_login(EditorFactory())
    assert "Publish minor correction" in client.get(change_url(article)).content.decode()

    client.post(transition_url(article), {"transition": "publish_correction", "correction": "Name spelt."})

    article.refresh_from_db()
    assert article.updated_at == updated_at
    assert article.events.last().action == "publish_correction"
    assert article.live_revision.correction_note == "Name spelt."


def test_transition_view_refuses_get(client):
    client.force_login(EditorFactory())

    assert client.get(transition_url(ArticleFactory())).status_code == 405


# --- object-level editing rules -------------------------------------------------------------


def change_post_data(article, **overrides):
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "section": article.section_id,
        "summary": article.summary,
        "anchor_lead": article.anchor_lead,
        "body": article.body,
        "lead_photo": "",
        "author_list": [a.pk for a in article.byline_authors] if article.pk else [],
        "related_list": [],
        "base_version": article.version,
    }
    data.update(overrides)
    return data


def test_reporter_edits_own_draft(client, reporter, own_draft):
    client.force_login(reporter)
    data = change_post_data(own_draft, headline="A sharper headline")

    response = client.post(change_url(own_draft), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    own_draft.refresh_from_db()
    assert own_draft.headline == "A sharper headline"
    assert own_draft.version == 2


@pytest.mark.parametrize("whose", ["someone_elses_draft", "someone_elses_live_story", "own_story_in_review"])
def test_reporter_cannot_change_what_is_not_their_draft(client, reporter, own_draft, whose):
    if whose == "someone_elses_draft":
        article = ArticleFactory()
    elif whose == "someone_elses_live_story":
        article = PublishedArticleFactory()
    else:
        article = workflow.submit_for_review(article=own_draft, user=reporter)
    client.force_login(reporter)

    response = client.post(change_url(article), change_post_data(article, headline="Changed"))

    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).headline == article.headline


def test_status_cannot_be_set_through_the_form(client):
    article = ArticleFactory()
    client.force_login(EditorFactory())

    client.post(change_url(article), change_post_data(article, status="published"))

    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    assert not WorkflowEvent.objects.filter(article=article).exists()


def test_slug_is_read_only_once_published(client):
    article = PublishedArticleFactory()
    client.force_login(EditorFactory())

    client.post(change_url(article), change_post_data(article, slug="a-new-address"))

    assert Article.objects.get(pk=article.pk).slug == article.slug


def test_new_article_from_reporter_gets_their_byline(client, reporter):
    author = AuthorFactory(user=reporter)
    client.force_login(reporter)
    section = SectionFactory()

    response = client.post(
        reverse("admin:articles_article_add"),
        change_post_data(ArticleFactory.build(section=section, slug="fresh-story"), section=section.pk),
    )

    assert response.status_code == 302
    article = Article.objects.get(slug="fresh-story")
    assert article.created_by == reporter
    assert list(article.authors.all()) == [author]
    assert article.status == Status.DRAFT


def test_published_story_cannot_be_deleted(client):
    article = PublishedArticleFactory()
    client.force_login(EditorFactory())

    response = client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_audit_trail_is_read_only_in_admin(client):
    article = workflow.submit_for_review(article=ArticleFactory(), user=(editor := EditorFactory()))
    event = article.events.get()
    client.force_login(UserFactory(is_superuser=True))

    assert client.get(reverse("admin:articles_workflowevent_changelist")).status_code == 200
    assert client.get(reverse("admin:articles_workflowevent_add")).status_code == 403
    delete_url = reverse("admin:articles_workflowevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert event.actor == editor


# --- index, lists, picks ---------------------------------------------------------------------


def test_awaiting_review_is_one_click_from_the_index(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter)
    live_with_submitted_change = PublishedArticleFactory(authors=own_draft.byline_authors)
    revisions.save_edit(
        article=live_with_submitted_change,
        user=reporter,
        base_version=live_with_submitted_change.version,
        content={**revisions.snapshot(live_with_submitted_change), "headline": "Fixed"},
    )
    workflow.apply_transition(article=live_with_submitted_change, user=reporter, name="submit_update")
    client.force_login(EditorFactory())

    page = client.get(reverse("admin:index")).content.decode()

    link = reverse("admin:articles_article_changelist") + "?queue=review"
    assert f'<a href="{link}">Awaiting review</a>' in page
    listing = client.get(link)
    assert set(listing.context["cl"].result_list) == {own_draft, live_with_submitted_change}
    assert "<strong>2</strong>" in page.split('id="queue-review"')[1].split("</tr>")[0]


def test_recently_published_lists_stories_first_published_or_updated_in_the_last_day(client):
    client.force_login(EditorFactory())
    day_ago = timezone.now() - timedelta(days=1, minutes=1)
    new = PublishedArticleFactory(headline="New today")
    updated = PublishedArticleFactory(headline="Updated today")
    old = PublishedArticleFactory(headline="Old news")
    Article.objects.filter(pk=updated.pk).update(written_at=day_ago, updated_at=timezone.now())
    Article.objects.filter(pk=old.pk).update(written_at=day_ago - timedelta(days=2), updated_at=day_ago)

    response = client.get(reverse("admin:articles_article_changelist"), {"queue": "recent"})

    assert set(response.context["cl"].result_list) == {new, updated}


def test_dashboard_counts_match_the_lists_they_link_to(client, reporter, own_draft):
    from datetime import timedelta

    from django.utils import timezone

    editor = EditorFactory()
    PublishedArticleFactory()
    old = PublishedArticleFactory()
    Article.objects.filter(pk=old.pk).update(written_at=timezone.now() - timedelta(days=3))
    embargoed = ArticleFactory(publish_at=timezone.now() + timedelta(days=1))
    workflow.submit_for_review(article=embargoed, user=editor)
    workflow.publish(article=embargoed, user=editor)
    client.force_login(reporter)

    response = client.get(reverse("admin:index"))

    page = response.content.decode()
    counts = {}
    for key in ["scheduled", "recent", "mine"]:
        row = page.split(f'id="queue-{key}"')[1].split("</tr>")[0]
        counts[key] = int(row.split("<strong>")[1].split("</strong>")[0])
        listing = client.get(reverse("admin:articles_article_changelist"), {"queue": key})
        assert listing.context["cl"].result_count == counts[key], key
    assert counts == {"scheduled": 1, "recent": 1, "mine": 1}
    assert 'id="queue-review"' not in page  # reporters do not review


@pytest.mark.parametrize(
    "model", ["article", "section", "author", "photo", "photocredit", "editorspick", "workflowevent"]
)
def test_every_changelist_renders_and_searches(client, model):
    PublishedArticleFactory(lead_photo=PhotoFactory())
    client.force_login(UserFactory(is_superuser=True))

    url = reverse(f"admin:articles_{model}_changelist")

    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "headline"}).status_code == 200


def test_pick_autocomplete_offers_only_published_stories(client):
    published = PublishedArticleFactory(headline="Port deal signed")
    ArticleFactory(headline="Port deal draft")
    client.force_login(ChiefEditorFactory())

    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "Port", "app_label": "articles", "model_name": "editorspick", "field_name": "article"},
    )

    assert [r["id"] for r in response.json()["results"]] == [str(published.pk)]


def test_picking_a_draft_is_refused_with_a_message(client):
    draft = ArticleFactory()
    client.force_login(ChiefEditorFactory())

    response = client.post(reverse("admin:articles_editorspick_add"), {"article": draft.pk, "position": 0})

    assert response.status_code == 200
    assert "Only published stories can be picked." in response.content.decode()
    assert not EditorsPick.objects.exists()


def test_editor_may_not_curate_picks_but_chief_may(client):
    client.force_login(EditorFactory())
    assert client.get(reverse("admin:articles_editorspick_add")).status_code == 403
    client.force_login(ChiefEditorFactory())
    assert client.get(reverse("admin:articles_editorspick_add")).status_code == 200


@pytest.mark.parametrize("factory", [ReporterFactory, EditorFactory])
def test_add_and_change_pages_render(client, factory):
    user = factory()
    article = ArticleFactory(
        created_by=user, related_articles=[PublishedArticleFactory()], authors=[AuthorFactory()]
    )
    client.force_login(user)

    assert client.get(reverse("admin:articles_article_add")).status_code == 200
    assert client.get(change_url(article)).status_code == 200


# --- embargo and take-down go through the workflow ---------------------------------------------


def local_parts(moment):
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def with_times(data, **times):
    for name, moment in times.items():
        data[f"{name}_0"], data[f"{name}_1"] = local_parts(moment) if moment else ("", "")
    return data


def test_editor_cannot_embargo_a_live_story_from_the_form(client):
    article = PublishedArticleFactory()
    client.force_login(EditorFactory())
    data = with_times(change_post_data(article), publish_at=timezone.now() + timedelta(days=1))

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.publish_at is None
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert not article.events.filter(action="reschedule").exists()


def test_reporter_cannot_take_down_own_live_story_from_the_form(client, reporter):
    article = PublishedArticleFactory(authors=[AuthorFactory(user=reporter)])
    client.force_login(reporter)
    data = with_times(change_post_data(article), expire_at=timezone.now() - timedelta(hours=1))

    client.post(change_url(article), data)

    article.refresh_from_db()
    assert article.expire_at is None
    assert Article.objects.published().filter(pk=article.pk).exists()


def scheduled_article(editor):
    article = ArticleFactory(publish_at=timezone.now() + timedelta(days=1))
    workflow.submit_for_review(article=article, user=editor)
    return workflow.publish(article=article, user=editor)


def test_clearing_a_scheduled_storys_embargo_in_the_form_is_no_error_page(client):
    editor = EditorFactory()
    article = scheduled_article(editor)
    client.force_login(editor)
    data = with_times(change_post_data(article), publish_at=None)

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.publish_at is not None) == (Status.SCHEDULED, True)


def reschedule_url(article):
    return reverse("admin:articles_article_reschedule", args=[article.pk])


def test_reschedule_page_refuses_clearing_an_embargo_with_a_field_error(client):
    editor = EditorFactory()
    article = scheduled_article(editor)
    client.force_login(editor)

    response = client.post(reschedule_url(article), with_times({"comment": "Now."}, publish_at=None))

    assert response.status_code == 200
    assert "A scheduled story needs an embargo time" in str(response.context["form"].errors["publish_at"])
    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED


def test_reschedule_page_sets_a_take_down_time_on_a_live_story(client):
    editor = EditorFactory()
    article = PublishedArticleFactory()
    client.force_login(editor)
    down_at = (timezone.now() + timedelta(hours=4)).replace(microsecond=0)

    response = client.post(reschedule_url(article), with_times({"comment": "Rights end."}, expire_at=down_at))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.expire_at == down_at
    assert article.events.last().action == "reschedule"
    page = client.get(change_url(article)).content.decode()
    assert "Live until" in page


def test_reschedule_page_needs_a_reason(client):
    article = PublishedArticleFactory()
    client.force_login(EditorFactory())

    response = client.post(
        reschedule_url(article), with_times({"comment": ""}, expire_at=timezone.now() + timedelta(1))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["comment"]
    assert Article.objects.get(pk=article.pk).expire_at is None


def test_reporter_has_no_reschedule_page(client, reporter):
    article = PublishedArticleFactory(authors=[AuthorFactory(user=reporter)])
    client.force_login(reporter)

    response = client.post(
        reschedule_url(article), with_times({"comment": "x"}, expire_at=timezone.now() + timedelta(1))
    )

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).expire_at is None


def test_draft_with_take_down_before_embargo_gets_a_field_error(client, reporter, own_draft):
    client.force_login(reporter)
    embargo = timezone.now() + timedelta(days=2)
    data = with_times(change_post_data(own_draft), publish_at=embargo, expire_at=embargo - timedelta(hours=1))

    response = client.post(change_url(own_draft), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["expire_at"]


def test_change_form_and_list_say_what_readers_see(client):
    editor = EditorFactory()
    live = PublishedArticleFactory(headline="Still up")
    gone = PublishedArticleFactory(headline="Past its take-down")
    # The take-down time passes before any cron run: readers no longer get it.
    Article.objects.filter(pk=gone.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    waiting = scheduled_article(editor)
    client.force_login(editor)

    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    page = client.get(change_url(gone)).content.decode()

    assert "Published: Live" in listing
    assert "Published: Taken down at" in listing
    assert "Scheduled: Scheduled for" in listing
    assert "Taken down at" in page
    assert live.reader_state().label == "Live"
    assert waiting.reader_state().label.startswith("Scheduled for ")


# --- deleting ---------------------------------------------------------------------------------


def delete_url(article):
    return reverse("admin:articles_article_delete", args=[article.pk])


def test_editor_deletes_a_story_in_review_and_its_trail_stays(client, reporter, own_draft):
    article = workflow.submit_for_review(article=own_draft, user=reporter)
    editor = EditorFactory()
    client.force_login(editor)
    assert 'class="deletelink"' in client.get(change_url(article)).content.decode()

    response = client.post(delete_url(article), {"post": "yes"})

    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    actions = list(WorkflowEvent.objects.filter(article_id=article.pk).values_list("action", "actor"))
    assert actions == [("submit", reporter.pk), ("delete", editor.pk)]
    trail = client.get(reverse("admin:articles_workflowevent_changelist") + "?story=deleted")
    assert f"Deleted story #{article.pk}: {article.headline}" in trail.content.decode()


@pytest.mark.parametrize("story", ["live", "once_live", "reporters_draft"])
def test_no_delete_where_it_would_not_succeed(client, reporter, own_draft, story):
    editor = EditorFactory()
    user = editor
    if story == "live":
        article = PublishedArticleFactory()
    elif story == "once_live":
        article = workflow.unpublish(article=PublishedArticleFactory(), user=editor, comment="Withdrawn.")
    else:
        article, user = own_draft, reporter
    client.force_login(user)

    assert 'class="deletelink"' not in client.get(change_url(article)).content.decode()
    assert client.post(delete_url(article), {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_article_list_offers_no_bulk_delete(client):
    client.force_login(EditorFactory())

    response = client.get(reverse("admin:articles_article_changelist"))

    assert "delete_selected" not in response.content.decode()


# --- bad values are field errors, never a 500 (found by tests/test_fuzz_admin.py) ------------


@pytest.mark.parametrize("value", ["1.5", "9" * 30])
@pytest.mark.parametrize("field", ["section", "lead_photo", "author_list", "related_list"])
def test_a_choice_that_cannot_exist_is_a_field_error(client, field, value):
    """The autocomplete widgets and the ordered choices looked such values up and raised."""
    article = ArticleFactory()
    client.force_login(EditorFactory())
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "section": article.section.pk,
        "summary": "",
        "anchor_lead": "",
        "body": "<p>x</p>",
        "base_version": article.version,
        field: value,
    }

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Article.objects.get(pk=article.pk).version == article.version


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=" + "9" * 30,
        "created_at__year=2147483648",
        "created_at__year=0001",
        "created_at__year=9999&created_at__month=12&created_at__day=31",
        "created_at__year=2025&created_at__month=99999999999",
        "created_at__year=2025&created_at__month=4&created_at__day=-5",
    ],
)
@pytest.mark.parametrize("model_name", ["article", "photo", "workflowevent", "curationevent"])
def test_a_filter_out_of_range_is_refused_not_a_500(client, model_name, query):
    client.force_login(ChiefEditorFactory())
    url = reverse(f"admin:articles_{model_name}_changelist")

    response = client.get(f"{url}?{query}")

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


def filter_link(response, title, label):
    """The address of a list filter's choice, as the editor clicks it in the side panel."""
    page = lxml_html.fromstring(response.content)
    (href,) = page.xpath(f"//details[@data-filter-title='{title}']//a[normalize-space()='{label}']/@href")
    return href


@pytest.mark.parametrize("label", ["This year", "This month", "Past 7 days"])
def test_the_story_list_date_filter_keeps_the_stories_of_that_time(client, label):
    client.force_login(EditorFactory())
    recent = ArticleFactory(headline="Written now")
    old = ArticleFactory(headline="Written long ago")
    Article.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    url = reverse("admin:articles_article_changelist")

    response = client.get(url + filter_link(client.get(url), "created at", label))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [recent]


def test_the_workflow_events_date_filter_keeps_the_events_of_that_time(client):
    client.force_login(editor := EditorFactory())
    workflow.submit_for_review(article=ArticleFactory(), user=editor)
    workflow.submit_for_review(article=ArticleFactory(), user=editor)
    old, recent = WorkflowEvent.objects.order_by("pk")
    WorkflowEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    url = reverse("admin:articles_workflowevent_changelist")

    response = client.get(url + filter_link(client.get(url), "created at", "This year"))

    assert list(response.context["cl"].result_list) == [recent]


def test_a_date_part_in_range_from_an_old_address_still_filters(client):
    client.force_login(EditorFactory())
    recent = ArticleFactory()
    old = ArticleFactory()
    Article.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    year = timezone.localtime(recent.created_at).year

    response = client.get(f"{reverse('admin:articles_article_changelist')}?created_at__year={year}")

    assert list(response.context["cl"].result_list) == [recent]


@pytest.mark.parametrize("model_name", ["article", "photo"])
def test_a_key_filter_beyond_any_key_lists_nothing_not_a_500(client, model_name):
    """SQLite cannot bind a 30-digit number (an OverflowError when the list was read): ?e=1 there."""
    client.force_login(EditorFactory())
    PhotoFactory(), ArticleFactory()
    url = reverse(f"admin:articles_{model_name}_changelist")

    response = client.get(f"{url}?id__in={'9' * 30}", follow=True)

    assert response.status_code == 200
    refused = response.redirect_chain == [(f"{url}?e=1", 302)]
    assert refused or list(response.context["cl"].result_list) == []


# --- the change form as a newsroom tool (issue 16, part 1) ------------------------------------


def page_tree(response):
    return lxml_html.fromstring(response.content.decode())


def test_workflow_panel_sits_beside_save_with_state_buttons_and_recent_history(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter, comment="Ready for the 6 pm bulletin.")
    client.force_login(EditorFactory())

    page = page_tree(client.get(change_url(own_draft)))

    (actions,) = page.cssselect("#article_form .desk-actions")
    assert actions.cssselect(".submit-row input[name=_save]")
    (panel,) = actions.cssselect("#workflow")
    assert panel.cssselect("h2")[0].text_content() == "Workflow: In review"
    assert "Readers: Not on the site (in review)." in panel.cssselect("#reader-state")[0].text_content()
    assert [b.text_content() for b in panel.cssselect("button[name=transition]")] == [
        "Publish",
        "Return to reporter",
    ]
    # Each button posts one of the forms after the article form, to the transition view.
    for button in panel.cssselect("button[name=transition]"):
        (form,) = page.cssselect(f"form#{button.get('form')}")
        assert form.get("action") == transition_url(own_draft)
        assert form.cssselect("input[name=csrfmiddlewaretoken]")
    history = panel.cssselect("#workflow-history li")
    assert "Draft → In review" in history[0].text_content()
    assert "Ready for the 6 pm bulletin." in history[0].text_content()


def test_the_comment_typed_in_a_returns_own_box_reaches_the_history(client, reporter, own_draft):
    workflow.submit_for_review(article=own_draft, user=reporter)
    client.force_login(EditorFactory())

    client.post(transition_url(own_draft), {"transition": "return", "comment": "Say who repaired them."})

    event = own_draft.events.order_by("pk").last()
    assert (event.action, event.comment) == ("return", "Say who repaired them.")


def test_recent_history_shows_the_latest_events_newest_first(client, reporter, own_draft):
    editor = EditorFactory()
    for round_ in range(4):
        workflow.submit_for_review(article=own_draft, user=reporter, comment=f"Try {round_}")
        workflow.return_to_reporter(article=own_draft, user=editor, comment=f"Again {round_}")
    client.force_login(editor)

    items = page_tree(client.get(change_url(own_draft))).cssselect("#workflow-history li")

    assert len(items) == 5
    assert "Again 3" in items[0].text_content() and "Try 3" in items[1].text_content()


def test_no_empty_workflow_band_in_the_form(client, reporter, own_draft):
    client.force_login(reporter)

    for url in (change_url(own_draft), reverse("admin:articles_article_add")):
        page = page_tree(client.get(url))
        headings = [h.text_content().strip() for h in page.cssselect("#article_form fieldset h2")]
        assert "Workflow" not in headings
        assert not page.cssselect("#article_form fieldset.collapse")


def test_reporters_read_only_view_shows_the_story_as_readers_see_it(client, reporter):
    colleague = AuthorFactory(name="Ana Reyes")
    other = PublishedArticleFactory(headline="Port strike ends")
    live = PublishedArticleFactory(
        body="<p>First paragraph.</p><p>Second <strong>bold</strong> one.</p>",
        authors=[colleague],
        related_articles=[other],
    )
    client.force_login(reporter)

    response = client.get(change_url(live))

    html = response.content.decode()
    page = page_tree(response)
    assert response.status_code == 200 and "None" not in page.cssselect("#article_form")[0].text_content()
    assert page.cssselect(".field-bylines .readonly")[0].text_content() == "Ana Reyes"
    (link,) = page.cssselect(".field-related_news .readonly a")
    assert (link.text_content(), link.get("href")) == ("Port strike ends", change_url(other))
    assert (
        '<div class="story-body"><p>First paragraph.</p><p>Second <strong>bold</strong> one.</p></div>'
        in html
    )
    assert "&lt;p&gt;" not in html
    assert "This save" not in html


def test_read_only_view_says_when_nothing_is_chosen(client, reporter):
    live = PublishedArticleFactory()
    client.force_login(reporter)

    page = page_tree(client.get(change_url(live)))

    assert page.cssselect(".field-bylines .readonly")[0].text_content() == "No byline"
    assert "filled in from the section" in page.cssselect(".field-related_news .readonly")[0].text_content()


def test_word_count_reading_time_and_headline_length_are_on_the_page(client, reporter):
    words = " ".join(["word"] * 460)
    draft = ArticleFactory(headline="H" * 72, body=f"<p>{words}</p><p>Two &amp; more.</p>", authors=[])
    draft.authors.add(AuthorFactory(user=reporter))
    client.force_login(reporter)

    page = page_tree(client.get(change_url(draft)))

    body_meter = page.cssselect("#id_body_helptext [data-meter=body]")[0]
    assert " ".join(body_meter.text_content().split()) == "463 words, about 3 min to read"
    headline_meter = page.cssselect("#id_headline_helptext [data-meter=headline]")[0]
    assert headline_meter.cssselect("[data-meter-length]")[0].text_content() == "72"
    assert "Search results show about 60" in headline_meter.text_content()
    assert headline_meter.cssselect("[data-meter-over]")[0].get("hidden") is None


def test_a_short_headline_has_no_warning(client, reporter, own_draft):
    client.force_login(reporter)

    page = page_tree(client.get(change_url(own_draft)))

    assert page.cssselect("[data-meter=headline] [data-meter-over]")[0].get("hidden") is not None


def test_slug_follows_the_headline_until_first_publication(client, reporter, own_draft):
    client.force_login(EditorFactory())
    live = PublishedArticleFactory()

    draft_page = page_tree(client.get(change_url(own_draft)))
    live_page = page_tree(client.get(change_url(live)))

    (constants,) = draft_page.cssselect("#django-admin-prepopulated-fields-constants")
    assert '"#id_slug"' in constants.get("data-prepopulated-fields")
    assert draft_page.cssselect("script[src$='admin/articles/desk_form.js']")
    assert (
        live_page.cssselect("#django-admin-prepopulated-fields-constants")[0].get("data-prepopulated-fields")
        == "[]"
    )
    assert not live_page.cssselect("input#id_slug")


# --- the desk's search and filters at scale (issue 16, part 7) ----------------------------------


def listed(client, **params):
    response = client.get(reverse("admin:articles_article_changelist"), params)
    assert response.status_code == 200
    return {article.pk for article in response.context["cl"].result_list}


def test_story_search_finds_words_anywhere_in_the_story_drafts_included(client):
    in_body = ArticleFactory(body="<p>The trawlers landed their fishing quotas early.</p>")
    in_headline = PublishedArticleFactory(headline="Fishing quotas cut again")
    by_author = ArticleFactory(authors=[AuthorFactory(name="Marta Quotaville")])
    ArticleFactory(headline="Harbour fees rise")
    client.force_login(EditorFactory())

    assert listed(client, q="fishing quotas") == {in_body.pk, in_headline.pk}
    assert listed(client, q="quotaville") == {by_author.pk}
    assert listed(client, q='"quotas cut"') == {in_headline.pk}  # the reader search's syntax


def test_story_search_finds_a_story_by_its_slug_or_id(client):
    story = ArticleFactory(slug="budget-2027-live", headline="Budget day")
    ArticleFactory(headline=f"Story about room {story.pk}")  # the number as a word matches too
    client.force_login(EditorFactory())

    assert story.pk in listed(client, q="budget-2027-live")
    assert listed(client, q="budget-2027-live") == {story.pk}
    assert story.pk in listed(client, q=str(story.pk))


def test_story_search_with_nothing_to_search_for_lists_everything(client):
    stories = {ArticleFactory().pk, ArticleFactory().pk}
    client.force_login(EditorFactory())

    assert listed(client, q=" !! ") == stories


def test_related_story_autocomplete_finds_by_words(client):
    wanted = ArticleFactory(headline="Ferry strike ends")
    ArticleFactory(headline="Bus strike")
    client.force_login(EditorFactory())

    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "ferry strike", "app_label": "articles", "model_name": "article", "field_name": "related"},
    )

    assert [r["id"] for r in response.json()["results"]] == [str(wanted.pk)]


def test_related_story_autocomplete_counts_no_further_than_its_bound(client, monkeypatch):
    from accounts.sites import BoundedCountPaginator

    monkeypatch.setattr(BoundedCountPaginator, "bound", 25)
    for number in range(30):
        ArticleFactory(headline=f"Ferry timetable {number}")
    client.force_login(EditorFactory())
    params = {"term": "ferry", "app_label": "articles", "model_name": "article", "field_name": "related"}

    first = client.get(reverse("admin:autocomplete"), params).json()
    second = client.get(reverse("admin:autocomplete"), {**params, "page": 2}).json()

    assert len(first["results"]) == 20 and first["pagination"]["more"]
    # The second page shows what is left within the bound, and offers no more.
    assert len(second["results"]) == 5 and not second["pagination"]["more"]


def test_my_drafts_are_the_drafts_i_wrote_or_have_a_byline_on_each_once(client, reporter):
    me = AuthorFactory(user=reporter)
    bylined = ArticleFactory(authors=[me, AuthorFactory()])
    created = ArticleFactory(created_by=reporter)
    both = ArticleFactory(created_by=reporter, authors=[me])
    ArticleFactory(authors=[AuthorFactory()])  # someone else's
    PublishedArticleFactory(authors=[me])  # not a draft any more
    client.force_login(reporter)

    response = client.get(reverse("admin:articles_article_changelist"), {"queue": "mine"})

    rows = [article.pk for article in response.context["cl"].result_list]
    assert sorted(rows) == sorted([bylined.pk, created.pk, both.pk])


def test_workflow_events_filter_by_action_offers_every_transition(client):
    story = PublishedArticleFactory()
    client.force_login(EditorFactory())
    url = reverse("admin:articles_workflowevent_changelist")

    response = client.get(url, {"action": "publish"})

    assert [event.action for event in response.context["cl"].result_list] == ["publish"]
    assert story.events.count() == 2  # submit and publish
    choices = {
        choice["display"]
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
    }
    assert {"Submit for review", "Publish update"} <= choices
