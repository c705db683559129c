"""Editor's Pick curation: the service (``articles.curation``) and its admin screen."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import curation, workflow
from articles.curation import CurationError
from articles.models import CurationEvent, EditorsPick
from tests.factories import (
    ArticleFactory,
    ChiefEditorFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

Action = CurationEvent.Action
SCREEN = "admin:articles_editorspick_changelist"


def local(*args):
    """A moment in the site time zone, as a curator types it."""
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def chief():
    return ChiefEditorFactory()


@pytest.fixture
def editor():
    return EditorFactory()


@pytest.fixture
def section():
    return SectionFactory(name="Politics")


def picked(chief, count, section=None):
    """``count`` published stories added in turn; returns the picks in list order (top first)."""
    for _ in range(count):
        curation.add_pick(user=chief, article=PublishedArticleFactory(), section=section)
    return list_of(section)


def list_of(section=None):
    lookup = {"section": section} if section else {"section__isnull": True}
    return list(EditorsPick.objects.filter(**lookup).select_related("article"))


def headlines(section=None):
    return [pick.article.headline for pick in list_of(section)]


def assert_contiguous(section=None):
    assert [pick.position for pick in list_of(section)] == list(range(len(list_of(section))))


def screen_url(section=None):
    return reverse(SCREEN) + f"?section={section.pk if section else 'site'}"


# --- the service: changes ---------------------------------------------------------------------


def test_add_pick_puts_the_story_at_the_top_and_records_it(chief):
    first, second = PublishedArticleFactory(), PublishedArticleFactory()

    curation.add_pick(user=chief, article=first)
    pick = curation.add_pick(user=chief, article=second)

    assert pick.position == 0
    assert headlines() == [second.headline, first.headline]
    assert_contiguous()
    event = CurationEvent.objects.first()
    assert (event.action, event.article, event.section, event.actor) == (Action.ADDED, second, None, chief)
    assert event.detail == "at position 1, shows with no time limit"


def test_add_pick_to_a_section_with_times(chief, section):
    article = PublishedArticleFactory()

    pick = curation.add_pick(
        user=chief,
        article=article,
        section=section,
        starts_at=local(2026, 3, 1, 9),
        ends_at=local(2026, 3, 2, 9),
    )

    assert (pick.section, pick.starts_at, pick.ends_at) == (
        section,
        local(2026, 3, 1, 9),
        local(2026, 3, 2, 9),
    )
    assert list_of() == []
    event = CurationEvent.objects.get()
    assert event.section == section
    assert event.detail == "at position 1, shows 2026-03-01 09:00 – 2026-03-02 09:00"


def test_the_same_story_may_be_in_the_site_wide_and_a_section_list(chief, section):
    article = PublishedArticleFactory()

    curation.add_pick(user=chief, article=article)
    curation.add_pick(user=chief, article=article, section=section)

    assert EditorsPick.objects.filter(article=article).count() == 2


def test_remove_pick_closes_the_gap(chief):
    top, middle, bottom = picked(chief, 3)

    curation.remove_pick(user=chief, pick=middle)

    assert list_of() == [top, bottom]
    assert_contiguous()
    event = CurationEvent.objects.first()
    assert (event.action, event.article, event.actor) == (Action.REMOVED, middle.article, chief)
    assert event.detail == "was at position 2"


def test_move_pick_swaps_with_its_neighbour(chief, section):
    top, middle, bottom = picked(chief, 3, section)

    curation.move_pick(user=chief, pick=bottom, direction="up")

    assert list_of(section) == [top, bottom, middle]
    assert_contiguous(section)
    event = CurationEvent.objects.first()
    assert (event.action, event.article, event.section, event.actor) == (
        Action.MOVED,
        bottom.article,
        section,
        chief,
    )
    assert event.detail == "position 3 → 2"

    curation.move_pick(user=chief, pick=top, direction="down")

    assert list_of(section) == [bottom, top, middle]
    assert CurationEvent.objects.first().detail == "position 1 → 2"


@pytest.mark.parametrize(("place", "direction"), [(0, "up"), (-1, "down")])
def test_moving_past_the_edge_changes_and_records_nothing(chief, place, direction):
    picks = picked(chief, 3)
    events = CurationEvent.objects.count()

    curation.move_pick(user=chief, pick=picks[place], direction=direction)

    assert list_of() == picks
    assert CurationEvent.objects.count() == events


def test_reorder_records_only_the_story_that_was_dragged(chief):
    a, b, c, d = picked(chief, 4)
    events = CurationEvent.objects.count()

    result = curation.reorder(user=chief, section=None, pick_ids=[d.pk, a.pk, b.pk, c.pk])

    assert result == [d, a, b, c]
    assert list_of() == [d, a, b, c]
    assert_contiguous()
    assert CurationEvent.objects.count() == events + 1
    event = CurationEvent.objects.first()
    assert (event.action, event.article, event.actor) == (Action.MOVED, d.article, chief)
    assert event.detail == "position 4 → 1"


def test_reorder_to_the_same_order_records_nothing(chief):
    picks = picked(chief, 3)
    events = CurationEvent.objects.count()

    curation.reorder(user=chief, section=None, pick_ids=[str(p.pk) for p in picks])

    assert CurationEvent.objects.count() == events


def test_set_window_records_the_new_and_old_times(chief):
    (pick,) = picked(chief, 1)

    curation.set_window(user=chief, pick=pick, starts_at=local(2026, 3, 1, 9), ends_at=local(2026, 3, 2, 9))

    pick.refresh_from_db()
    assert (pick.starts_at, pick.ends_at) == (local(2026, 3, 1, 9), local(2026, 3, 2, 9))
    event = CurationEvent.objects.first()
    assert (event.action, event.article, event.actor) == (Action.RESCHEDULED, pick.article, chief)
    assert event.detail == "shows 2026-03-01 09:00 – 2026-03-02 09:00 (was: shows with no time limit)"

    curation.set_window(user=chief, pick=pick, starts_at=None, ends_at=local(2026, 3, 2, 9))

    assert CurationEvent.objects.first().detail == (
        "shows until 2026-03-02 09:00 (was: shows 2026-03-01 09:00 – 2026-03-02 09:00)"
    )


def test_set_window_to_the_same_times_records_nothing(chief):
    (pick,) = picked(chief, 1)
    events = CurationEvent.objects.count()

    curation.set_window(user=chief, pick=pick, starts_at=None, ends_at=None)

    assert CurationEvent.objects.count() == events


# --- the service: refusals leave everything as it was -------------------------------------------


@pytest.fixture
def unchanged(chief, section):
    """Two lists of three picks; asserts after the test that nothing changed or was recorded."""
    site, politics = picked(chief, 3), picked(chief, 3, section)
    before = (
        [(p.pk, p.position, p.starts_at, p.ends_at) for p in EditorsPick.objects.order_by("pk")],
        CurationEvent.objects.count(),
    )
    yield site, politics
    after = (
        [(p.pk, p.position, p.starts_at, p.ends_at) for p in EditorsPick.objects.order_by("pk")],
        CurationEvent.objects.count(),
    )
    assert after == before


def test_an_editor_may_not_curate(editor, unchanged):
    site, _ = unchanged
    attempts = [
        lambda: curation.add_pick(user=editor, article=PublishedArticleFactory()),
        lambda: curation.remove_pick(user=editor, pick=site[0]),
        lambda: curation.move_pick(user=editor, pick=site[1], direction="up"),
        lambda: curation.reorder(user=editor, section=None, pick_ids=[p.pk for p in reversed(site)]),
        lambda: curation.set_window(user=editor, pick=site[0], starts_at=None, ends_at=local(2030, 1, 1)),
    ]
    for attempt in attempts:
        with pytest.raises(CurationError, match="only chief editors curate them"):
            attempt()


def test_an_unpublished_story_cannot_be_picked(chief, unchanged):
    draft = ArticleFactory(headline="Budget vote draft")

    with pytest.raises(CurationError) as refusal:
        curation.add_pick(user=chief, article=draft)

    assert str(refusal.value) == "Only published stories can be picked. “Budget vote draft” is draft."


def test_an_unpublished_story_cannot_be_picked_after_it_was_taken_down(chief, editor, unchanged):
    article = PublishedArticleFactory(headline="Withdrawn report")
    workflow.unpublish(article=article, user=editor, comment="Legal")

    with pytest.raises(CurationError, match="“Withdrawn report” is draft"):
        curation.add_pick(user=chief, article=article)


def test_a_story_is_in_a_list_only_once(chief, section, unchanged):
    site, politics = unchanged

    with pytest.raises(CurationError, match="is already in the site-wide list"):
        curation.add_pick(user=chief, article=site[1].article)
    with pytest.raises(CurationError, match="is already in the Politics list"):
        curation.add_pick(user=chief, article=politics[2].article, section=section)


def test_a_pick_must_end_after_it_starts(chief, unchanged):
    site, _ = unchanged

    with pytest.raises(CurationError, match="must end after it starts"):
        curation.add_pick(
            user=chief,
            article=PublishedArticleFactory(),
            starts_at=local(2026, 3, 2),
            ends_at=local(2026, 3, 1),
        )
    with pytest.raises(CurationError, match="must end after it starts"):
        curation.set_window(user=chief, pick=site[0], starts_at=local(2026, 3, 1), ends_at=local(2026, 3, 1))


def test_reorder_refuses_picks_from_another_list(chief, section, unchanged):
    site, politics = unchanged

    with pytest.raises(CurationError, match="not in the site-wide list"):
        curation.reorder(user=chief, section=None, pick_ids=[politics[0].pk, site[0].pk, site[1].pk])


def test_reorder_refuses_an_incomplete_order(chief, unchanged):
    site, _ = unchanged

    with pytest.raises(CurationError, match="changed while you were reordering"):
        curation.reorder(user=chief, section=None, pick_ids=[site[2].pk, site[1].pk])
    with pytest.raises(CurationError, match="more than once"):
        curation.reorder(user=chief, section=None, pick_ids=[site[2].pk, site[2].pk, site[1].pk])


def test_a_removed_pick_cannot_be_moved(chief):
    top, bottom = picked(chief, 2)
    stale = EditorsPick.objects.get(pk=bottom.pk)
    curation.remove_pick(user=chief, pick=bottom)

    with pytest.raises(CurationError, match="no longer in the site-wide list"):
        curation.move_pick(user=chief, pick=stale, direction="up")


# --- dropping out by itself ----------------------------------------------------------------------


def test_an_unpublished_story_drops_out_of_every_list(client, chief, editor, section):
    article = PublishedArticleFactory(headline="Port deal signed")
    curation.add_pick(user=chief, article=article)
    curation.add_pick(user=chief, article=article, section=section)
    assert EditorsPick.objects.showing(section=section).count() == 2

    workflow.unpublish(article=article, user=editor, comment="Wrong figures")

    assert not EditorsPick.objects.showing(section=section).exists()
    assert EditorsPick.objects.filter(article=article).count() == 2  # kept, for the curator to see
    client.force_login(chief)
    page = client.get(screen_url(section)).content.decode()
    assert "Not showing: story not on the site (draft)" in page


def test_an_expired_pick_drops_out_and_says_so(client, chief):
    (pick,) = picked(chief, 1)
    curation.set_window(user=chief, pick=pick, starts_at=None, ends_at=local(2026, 3, 2, 9))
    later = local(2026, 3, 2, 10)

    assert EditorsPick.objects.showing(now=local(2026, 3, 2, 8)).get() == pick
    assert not EditorsPick.objects.showing(now=later).exists()
    client.force_login(chief)
    with mock.patch("django.utils.timezone.now", return_value=later):
        page = client.get(screen_url()).content.decode()
    assert "Not showing: expired at 2026-03-02 09:00" in page


def test_a_pick_not_yet_started_says_so(client, chief):
    (pick,) = picked(chief, 1)
    curation.set_window(
        user=chief, pick=pick, starts_at=timezone.now() + datetime.timedelta(days=1), ends_at=None
    )

    assert not EditorsPick.objects.showing().exists()
    client.force_login(chief)
    assert "Not showing: not yet started: starts" in client.get(screen_url()).content.decode()


# --- the curation screen --------------------------------------------------------------------------


def test_the_chief_editor_sees_the_buttons(client, chief):
    picked(chief, 2)
    client.force_login(chief)

    response = client.get(reverse(SCREEN))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="direction" value="up"' in page
    assert "Remove" in page and "Save times" in page
    assert 'id="add-pick"' in page and "admin-autocomplete" in page
    assert 'type="datetime-local"' in page


def test_an_editor_sees_the_lists_read_only(client, chief, editor):
    picks = picked(chief, 2)
    client.force_login(editor)

    response = client.get(reverse(SCREEN))

    page = response.content.decode()
    assert response.status_code == 200
    assert picks[0].article.headline in page
    assert 'name="direction"' not in page and 'id="add-pick"' not in page and "Save times" not in page
    assert "only chief editors change it" in page


def test_a_reporter_may_not_see_the_screen(client):
    client.force_login(ReporterFactory())

    assert client.get(reverse(SCREEN)).status_code == 403


def test_an_editor_cannot_post_changes(client, chief, editor):
    picks = picked(chief, 2)
    client.force_login(editor)

    response = client.post(
        reverse("admin:articles_editorspick_move", args=[picks[1].pk]), {"direction": "up"}
    )

    assert response.status_code == 403
    assert list_of() == picks


def test_the_screen_shows_the_chosen_list_and_its_history(client, chief, section):
    site = picked(chief, 1)
    politics = picked(chief, 1, section)
    client.force_login(chief)

    response = client.get(screen_url(section))

    assert [entry.pick for entry in response.context["entries"]] == politics
    page = response.content.decode()
    assert site[0].article.headline not in page.split('id="picks"')[1].split("</table>")[0]
    assert [event.article for event in response.context["events"]] == [politics[0].article]
    assert client.get(reverse(SCREEN), {"section": "nonsense"}).status_code == 404


def test_up_and_down_buttons_reorder_and_return_to_the_same_list(client, chief, section):
    top, bottom = picked(chief, 2, section)
    client.force_login(chief)

    response = client.post(reverse("admin:articles_editorspick_move", args=[bottom.pk]), {"direction": "up"})

    assert response.status_code == 302
    assert response.url == screen_url(section)
    assert list_of(section) == [bottom, top]
    page = client.get(response.url).content.decode()
    assert f"“{bottom.article}” is at position 1." in page

    client.post(reverse("admin:articles_editorspick_move", args=[bottom.pk]), {"direction": "down"})
    assert list_of(section) == [top, bottom]


def test_adding_a_story_through_the_screen(client, chief, section):
    article = PublishedArticleFactory(headline="Port deal signed")
    client.force_login(chief)

    response = client.post(
        reverse("admin:articles_editorspick_add"),
        {"article": article.pk, "section": section.pk, "starts_at": "2026-03-01T09:00", "ends_at": ""},
    )

    assert response.status_code == 302
    assert response.url == screen_url(section)
    pick = EditorsPick.objects.get()
    assert (pick.article, pick.section, pick.position) == (article, section, 0)
    assert pick.starts_at == local(2026, 3, 1, 9)
    event = CurationEvent.objects.get()
    assert (event.action, event.actor, event.detail) == (
        Action.ADDED,
        chief,
        "at position 1, shows from 2026-03-01 09:00",
    )


def test_a_refused_addition_shows_the_reason_on_the_screen(client, chief):
    (pick,) = picked(chief, 1)
    client.force_login(chief)

    response = client.post(
        reverse("admin:articles_editorspick_add"), {"article": pick.article.pk, "section": "site"}
    )

    assert response.status_code == 200
    assert "is already in the site-wide list" in response.content.decode()
    assert EditorsPick.objects.count() == 1


def test_setting_times_through_the_screen(client, chief):
    (pick,) = picked(chief, 1)
    client.force_login(chief)
    url = reverse("admin:articles_editorspick_window", args=[pick.pk])

    response = client.post(url, {"starts_at": "2026-03-01T09:00", "ends_at": "2026-03-02T09:00"})

    assert response.url == screen_url()
    pick.refresh_from_db()
    assert (pick.starts_at, pick.ends_at) == (local(2026, 3, 1, 9), local(2026, 3, 2, 9))

    refused = client.post(url, {"starts_at": "2026-03-02T09:00", "ends_at": "2026-03-01T09:00"}, follow=True)

    assert "A pick must end after it starts" in refused.content.decode()
    pick.refresh_from_db()
    assert pick.ends_at == local(2026, 3, 2, 9)


def test_removing_through_the_screen(client, chief, section):
    top, bottom = picked(chief, 2, section)
    client.force_login(chief)

    response = client.post(
        reverse("admin:articles_editorspick_remove", args=[top.pk]), {"section": section.pk}
    )

    assert response.url == screen_url(section)
    assert list_of(section) == [bottom]
    # A second press (another tab, a stale page) is explained, not a server error.
    again = client.post(reverse("admin:articles_editorspick_remove", args=[top.pk]), {"section": section.pk})
    assert again.url == screen_url(section)


def test_drag_and_drop_posts_the_whole_order(client, chief):
    a, b, c = picked(chief, 3)
    client.force_login(chief)
    url = reverse("admin:articles_editorspick_reorder")

    response = client.post(url, {"section": "site", "pick": [c.pk, a.pk, b.pk]})

    assert response.json() == {"order": [c.pk, a.pk, b.pk]}
    assert list_of() == [c, a, b]
    refused = client.post(url, {"section": "site", "pick": [a.pk]})
    assert refused.status_code == 400
    assert "changed while you were reordering" in refused.json()["error"]
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("name", ["move", "remove", "window", "reorder"])
def test_changes_refuse_get_and_change_nothing(client, chief, name):
    picks = picked(chief, 2)
    client.force_login(chief)
    args = [] if name == "reorder" else [picks[0].pk]
    url = reverse(f"admin:articles_editorspick_{name}", args=args)
    events = CurationEvent.objects.count()

    response = client.get(url, {"section": "site", "direction": "down", "pick": [picks[1].pk, picks[0].pk]})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert list_of() == picks
    assert CurationEvent.objects.count() == events


def test_the_display_limit_divider(client, chief, settings):
    settings.NEWSROOM_PICKS_LIMIT = 2
    picks = picked(chief, 4)
    workflow.unpublish(article=picks[0].article, user=EditorFactory(), comment="Legal")
    client.force_login(chief)

    response = client.get(screen_url())

    entries = response.context["entries"]
    # The unpublished top entry does not count: the line falls after the second showing one.
    assert [entry.divider_after for entry in entries] == [False, False, True, False]
    assert entries[3].not_showing == "below the first 2"
    page = response.content.decode()
    assert "The site shows the first 2 showing entries" in page
    assert page.count('class="limit-divider"') == 1
    assert (
        page.index(picks[2].article.headline)
        < page.index('class="limit-divider"')
        < page.index(picks[3].article.headline)
    )


def test_a_pick_change_form_leads_to_its_list(client, chief, section):
    (pick,) = picked(chief, 1, section)
    client.force_login(chief)

    response = client.get(reverse("admin:articles_editorspick_change", args=[pick.pk]))

    assert response.url == f"{screen_url(section)}#pick-{pick.pk}"
    assert client.post(reverse("admin:articles_editorspick_delete", args=[pick.pk])).status_code == 403


def test_the_screen_needs_the_same_queries_for_2_or_12_picks(client, chief, django_assert_max_num_queries):
    SectionFactory.create_batch(3)
    picked(chief, 2)
    client.force_login(chief)
    client.get(reverse(SCREEN))  # warm up: session, content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(SCREEN)).status_code == 200

    picked(chief, 10)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse(SCREEN)).status_code == 200


def test_the_curation_history_is_read_only_in_the_admin(client, chief, editor):
    picked(chief, 1)
    client.force_login(editor)

    response = client.get(reverse("admin:articles_curationevent_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(CurationEvent.objects.all())
    assert client.get(reverse("admin:articles_curationevent_add")).status_code == 403
    event = CurationEvent.objects.get()
    assert client.post(reverse("admin:articles_curationevent_delete", args=[event.pk])).status_code == 403
