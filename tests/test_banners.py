"""The banner: its constraints, services, audit trail and selectors (banners/)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

import pagecache
from articles import workflow
from banners import selectors, services
from banners.models import Banner, BannerEvent
from pagecache.models import PendingPurge
from tests.factories import (
    ArticleFactory,
    BannerFactory,
    ChiefEditorFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def new_banner(**fields):
    """An unsaved site-wide banner showing for an hour, as the admin form hands it over."""
    now = timezone.now()
    defaults = {"text": "Polls close", "starts_at": now, "expires_at": now + timedelta(hours=1)}
    if "article" not in fields:
        defaults["article"] = PublishedArticleFactory(headline="Election night")
    return Banner(**{**defaults, **fields})


# --- the database's rules ----------------------------------------------------------------------


def test_the_database_refuses_a_second_site_wide_banner():
    BannerFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        BannerFactory()


def test_the_database_refuses_a_second_banner_in_a_section_but_not_in_another_scope():
    politics, economy = SectionFactory(), SectionFactory()
    BannerFactory(section=politics)
    BannerFactory(section=economy)
    BannerFactory(section=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        BannerFactory(section=politics)
    assert Banner.objects.count() == 3


def test_the_database_refuses_a_banner_that_expires_before_it_starts():
    now = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        BannerFactory(starts_at=now, expires_at=now)


# --- setting, changing, ending -------------------------------------------------------------------


def test_an_editor_sets_a_banner_and_it_is_recorded():
    editor = EditorFactory()

    banner = services.banner_save(user=editor, banner=new_banner(text="  Polls close  "))

    assert Banner.objects.get().text == "Polls close"
    event = BannerEvent.objects.get()
    assert (event.action, event.banner_number, event.actor, event.scope) == (
        "created",
        banner.pk,
        editor,
        "Site-wide",
    )
    assert event.article == banner.article
    assert "“Polls close” → “Election night”" in event.detail


def test_a_chief_editor_sets_a_section_banner():
    politics = SectionFactory(name="Politics")

    banner = services.banner_save(user=ChiefEditorFactory(), banner=new_banner(section=politics))

    assert BannerEvent.objects.get().scope == "Politics"
    assert banner.section == politics


def test_a_change_is_recorded_with_what_it_was():
    editor = EditorFactory()
    banner = services.banner_save(user=editor, banner=new_banner())
    banner.text = "Polls have closed"

    services.banner_save(user=editor, banner=banner)

    changed = BannerEvent.objects.filter(action="changed").get()
    assert changed.detail.startswith("“Polls have closed”")
    assert "(was: “Polls close”" in changed.detail


def test_saving_without_a_change_records_nothing():
    editor = EditorFactory()
    banner = services.banner_save(user=editor, banner=new_banner())

    services.banner_save(user=editor, banner=Banner.objects.get(pk=banner.pk))

    assert BannerEvent.objects.count() == 1


def test_ending_a_banner_deletes_it_and_its_audit_trail_outlives_it():
    editor = EditorFactory()
    banner = services.banner_save(user=editor, banner=new_banner())

    services.banner_end(user=editor, banner=banner)

    assert not Banner.objects.exists()
    assert list(BannerEvent.objects.order_by("pk").values_list("action", "banner_number")) == [
        ("created", banner.pk),
        ("ended", banner.pk),
    ]


def test_setting_and_ending_a_banner_has_the_next_scheduled_change_asked_again():
    editor = EditorFactory()

    banner = services.banner_save(user=editor, banner=new_banner())
    set_tags = PendingPurge.objects.latest("pk").tags
    services.banner_end(user=editor, banner=banner)
    ended_tags = PendingPurge.objects.latest("pk").tags

    assert pagecache.SCHEDULES in set_tags and pagecache.SCHEDULES in ended_tags


@pytest.mark.parametrize("action", ["create", "change", "end"])
def test_a_reporter_cannot_set_change_or_end_a_banner(action):
    reporter = ReporterFactory()
    existing = services.banner_save(user=EditorFactory(), banner=new_banner()) if action != "create" else None

    with pytest.raises(services.BannerError, match="only editors and chief editors"):
        if action == "create":
            services.banner_save(user=reporter, banner=new_banner())
        elif action == "change":
            existing.text = "Changed by a reporter"
            services.banner_save(user=reporter, banner=existing)
        else:
            services.banner_end(user=reporter, banner=existing)

    assert BannerEvent.objects.filter(actor=reporter).count() == 0
    assert list(Banner.objects.values_list("text", flat=True)) == (
        [] if existing is None else ["Polls close"]
    )


def test_a_second_banner_in_a_scope_is_refused_with_a_clear_message():
    editor = EditorFactory()
    services.banner_save(user=editor, banner=new_banner())

    with pytest.raises(services.BannerError, match="already a banner for this scope"):
        services.banner_save(user=editor, banner=new_banner(text="Another"))

    assert Banner.objects.count() == BannerEvent.objects.count() == 1


def test_a_banner_cannot_link_to_a_story_readers_cannot_see():
    draft = ArticleFactory(headline="Not yet out")

    with pytest.raises(services.BannerError, match="“Not yet out” is not published"):
        services.banner_save(user=EditorFactory(), banner=new_banner(article=draft))

    assert not Banner.objects.exists() and not BannerEvent.objects.exists()


def test_a_banner_must_expire_after_it_starts():
    now = timezone.now()

    with pytest.raises(services.BannerError, match="expire after it starts"):
        services.banner_save(user=EditorFactory(), banner=new_banner(starts_at=now, expires_at=now))


def test_ending_a_banner_someone_ended_meanwhile_says_so():
    editor = EditorFactory()
    banner = services.banner_save(user=editor, banner=new_banner())
    Banner.objects.filter(pk=banner.pk).delete()

    with pytest.raises(services.BannerError, match="ended meanwhile"):
        services.banner_end(user=editor, banner=banner)


# --- what readers see ----------------------------------------------------------------------------


def test_banners_in_window_shows_the_site_wide_then_the_section_banner():
    politics = SectionFactory()
    section_banner = BannerFactory(section=politics)
    site_banner = BannerFactory()
    BannerFactory(section=SectionFactory())

    assert selectors.banners_in_window(section_id=politics.pk) == [site_banner, section_banner]
    assert selectors.banners_in_window() == [site_banner]


def test_banners_in_window_leaves_out_banners_not_started_or_expired():
    now = timezone.now()
    BannerFactory(starts_at=now + timedelta(minutes=1))
    BannerFactory(section=SectionFactory(), expires_at=now, starts_at=now - timedelta(hours=1))

    assert selectors.banners_in_window(section_id=None, now=now) == []


def test_a_banner_whose_story_came_down_is_not_visible():
    banner = BannerFactory()
    workflow.unpublish(article=banner.article, user=EditorFactory(), comment="Withdrawn.")

    [found] = selectors.banners_in_window()

    assert found.story_visible is False


def test_next_banner_change_is_the_first_start_or_expiry_ahead():
    now = timezone.now()
    BannerFactory(starts_at=now - timedelta(hours=1), expires_at=now + timedelta(minutes=30))
    BannerFactory(
        section=SectionFactory(), starts_at=now + timedelta(minutes=10), expires_at=now + timedelta(hours=2)
    )

    assert selectors.next_banner_change(now=now) == now + timedelta(minutes=10)
    assert selectors.next_banner_change(now=now + timedelta(minutes=10)) == now + timedelta(minutes=30)
    assert selectors.next_banner_change(now=now + timedelta(hours=2)) is None
