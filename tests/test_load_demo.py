"""``manage.py load_demo``: what it loads, and that a second run changes nothing."""

import functools
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat

from articles import roles, workflow
from articles.demo import stories as demo
from articles.demo.photos import render_photo
from articles.management.commands import load_demo as load_demo_command
from articles.models import Article, Audio, CurationEvent, EditorsPick, Photo, Section, WorkflowEvent

Status = Article.Status

# Rendering is deterministic (see the test below), so each photo is drawn once per session.
cached_render_photo = functools.cache(render_photo)


@pytest.fixture(autouse=True)
def draw_each_photo_once(monkeypatch):
    monkeypatch.setattr(load_demo_command, "render_photo", cached_render_photo)


def load_demo(monkeypatch, password=None):
    if password is None:
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("DEMO_PASSWORD", password)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def database_snapshot():
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    articles = sorted(
        Article.objects.values_list("slug", "status", "written_at", "updated_at", "version", "modified_at")
    )
    users = sorted(get_user_model().objects.values_list("username", "password", "is_staff"))
    return counts, articles, users


def media_files(media_root):
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())


@pytest.mark.django_db
def test_load_demo_creates_sections_in_menu_order(monkeypatch):
    load_demo(monkeypatch)

    sections = list(Section.objects.all())
    assert [section.slug for section in sections] == [
        "politics",
        "economy",
        "society",
        "north-korea",
        "culture",
        "sports",
        "world",
    ]
    assert all(section.description for section in sections)


@pytest.mark.django_db
def test_load_demo_creates_stories_in_every_state(monkeypatch):
    load_demo(monkeypatch)

    assert 28 <= Article.objects.count() <= 35
    statuses = set(Article.objects.values_list("status", flat=True))
    assert statuses == {Status.DRAFT, Status.REVIEW, Status.PUBLISHED, Status.UPDATED}
    assert set(Article.objects.published().values_list("section__slug", flat=True)) == {
        slug for _, slug, _ in demo.SECTIONS
    }
    # Taken down: back to draft, but it keeps its first-publication time and its history.
    unpublished = Article.objects.get(slug="folk-music-archive-goes-online")
    assert unpublished.status == Status.DRAFT
    assert unpublished.written_at is not None
    assert unpublished.events.last().comment


@pytest.mark.django_db
def test_load_demo_articles_follow_the_reference_format(monkeypatch):
    load_demo(monkeypatch)

    for article in Article.objects.prefetch_related("bylines__author"):
        first_author = article.bylines.all()[0].author
        assert article.anchor_lead.endswith(f"{first_author.name} has more.")
        assert article.body.startswith("<p>") and article.body.count("<p>") >= 3
        assert "World Radio News." not in article.body  # the sign-off is generated, not stored
        assert article.sign_off.endswith("Newsroom World Radio News.")
        assert article.summary and article.lead_photo_id


@pytest.mark.django_db
def test_load_demo_state_changes_go_through_the_workflow(monkeypatch):
    load_demo(monkeypatch)

    editor = get_user_model().objects.get(username="editor")
    for article in Article.objects.exclude(status=Status.DRAFT, written_at__isnull=True):
        events = list(article.events.all())
        assert events, article.slug
        assert events[-1].to_status == article.status
        assert {event.actor for event in events} == {editor}
    returned = Article.objects.get(slug="volunteer-fire-brigades-struggle-to-recruit")
    assert [event.action for event in returned.events.all()] == ["submit", "return"]


@pytest.mark.django_db
def test_load_demo_stories_are_spread_over_the_last_days(monkeypatch):
    load_demo(monkeypatch)

    now = timezone.now()
    live = Article.objects.published()
    assert all(now - timedelta(days=6) < article.written_at < now for article in live)
    assert len({article.written_at.date() for article in live}) >= 3
    for article in live:
        # The audit trail tells the same story as the dates readers see.
        published = article.events.get(action="publish")
        assert published.created_at == article.written_at
        assert article.created_at < article.events.first().created_at
    updated = Article.objects.filter(status=Status.UPDATED)
    assert updated.count() >= 3
    for article in updated:
        assert article.written_at < article.updated_at < now
        assert article.events.last().created_at == article.updated_at


@pytest.mark.django_db
def test_load_demo_saves_revisions_like_the_admin(monkeypatch):
    load_demo(monkeypatch)

    for article in Article.objects.all():
        first = article.revisions.get(number=1)
        assert first.content["authors"] == list(
            article.bylines.order_by("position").values_list("author_id", flat=True)
        )
        if article.is_published:
            assert article.live_revision_id == article.latest_revision_id
            assert not article.has_unpublished_changes
    # An update is an edit (a second revision) that the editor published.
    for article in Article.objects.filter(status=Status.UPDATED):
        assert article.latest_revision.number == 2
        assert article.body.count("<p>") == first_revision_paragraphs(article) + 1
    linked = Article.objects.get(slug="port-halden-expansion-cleared")
    assert linked.revisions.get(number=1).content["related"] == list(
        linked.related_links.values_list("to_article_id", flat=True)
    )


def first_revision_paragraphs(article):
    return article.revisions.get(number=1).content["body"].count("<p>")


@pytest.mark.django_db
def test_load_demo_photos_are_real_images_with_credits(monkeypatch):
    load_demo(monkeypatch)

    photos = list(Photo.objects.select_related("credit"))
    assert len(photos) == Article.objects.count()
    for photo in photos:
        assert (photo.width, photo.height) == (1600, 900)
        assert photo.credit.name and photo.caption and photo.alt_text
    # Every story's photo has its own credit, so no credit shows twice on a page.
    assert len({photo.credit_id for photo in photos}) == len(photos)
    with photos[0].image.open("rb") as file, Image.open(file) as image:
        assert image.format == "JPEG"
        # A drawn scene, not a flat rectangle.
        assert len(image.getcolors(maxcolors=1_000_000)) > 1000


def test_demo_photo_rendering_is_deterministic():
    story = demo.STORIES[0]
    arguments = {"slug": story.slug, "section_slug": story.section}

    assert render_photo(**arguments) == render_photo(**arguments)
    assert render_photo(**arguments) != render_photo(**{**arguments, "slug": "another-story"})


def test_demo_photos_of_one_section_are_different_pictures():
    """Not the same scene twice: their own light, framing and colours (compared small and blurred)."""
    first, second = [story for story in demo.STORIES if story.section == "politics"][:2]

    def thumbnail(story):
        data = render_photo(slug=story.slug, section_slug=story.section)
        return Image.open(io.BytesIO(data)).convert("L").resize((32, 18))

    difference = ImageChops.difference(thumbnail(first), thumbnail(second))
    assert ImageStat.Stat(difference).mean[0] > 12


def test_demo_stories_have_credits_of_their_own():
    assert len({story.credit for story in demo.STORIES}) == len(demo.STORIES)
    assert [story.credit for story in demo.STORIES] == demo.CREDITS


@pytest.mark.django_db
def test_load_demo_picks_only_published_stories(monkeypatch):
    load_demo(monkeypatch)

    picks = EditorsPick.objects.select_related("article")
    assert picks.filter(section__isnull=True).count() >= 3
    assert picks.filter(section__isnull=False).values("section").distinct().count() == len(demo.SECTIONS)
    assert all(pick.article.is_published for pick in picks)
    assert CurationEvent.objects.filter(action=CurationEvent.Action.ADDED).count() == picks.count()


@pytest.mark.django_db
def test_load_demo_accounts_use_demo_password(monkeypatch):
    output = load_demo(monkeypatch, password="demo-pass-123")

    users = get_user_model().objects.prefetch_related("groups")
    expected = {"reporter": roles.REPORTER, "editor": roles.EDITOR, "chief": roles.CHIEF_EDITOR}
    for username, role in expected.items():
        user = users.get(username=username)
        assert user.is_staff and user.is_active
        assert [group.name for group in user.groups.all()] == [role]
        assert user.check_password("demo-pass-123")
    assert users.get(username="reporter").author.articles.exists()
    assert "demo-pass-123" not in output
    assert "http://127.0.0.1:8000/admin/" in output


@pytest.mark.django_db
def test_load_demo_generates_password_once(monkeypatch):
    first = load_demo(monkeypatch)
    password = first.split("password: ")[1].split()[0]
    assert get_user_model().objects.get(username="chief").check_password(password)

    second = load_demo(monkeypatch)

    assert "password: " not in second
    assert "already exist" in second
    assert get_user_model().objects.get(username="chief").check_password(password)


@pytest.mark.django_db
def test_load_demo_second_run_changes_nothing(monkeypatch, media_root):
    load_demo(monkeypatch, password="demo-pass-123")
    before, files_before = database_snapshot(), media_files(media_root)
    events_before = WorkflowEvent.objects.count()

    output = load_demo(monkeypatch, password="demo-pass-123")

    assert database_snapshot() == before
    assert WorkflowEvent.objects.count() == events_before
    assert media_files(media_root) == files_before
    assert len(files_before) == Photo.objects.count() + Audio.objects.count()
    assert "Nothing to do" in output


@pytest.mark.django_db
def test_load_demo_puts_a_changed_story_back_in_its_state(monkeypatch):
    load_demo(monkeypatch)
    article = Article.objects.get(slug="central-bank-holds-rate")
    editor = get_user_model().objects.get(username="editor")
    workflow.unpublish(article=article, user=editor, comment="Testing.")

    load_demo(monkeypatch)

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.events.last().to_status == Status.PUBLISHED


@pytest.mark.django_db
def test_load_demo_failure_leaves_nothing_behind(monkeypatch, media_root):
    def fail(*args, **kwargs):
        raise RuntimeError("Picks could not be loaded.")

    monkeypatch.setattr(load_demo_command.DemoLoader, "load_picks", fail)

    with pytest.raises(RuntimeError):
        load_demo(monkeypatch)

    assert not Article.objects.exists()
    assert not Section.objects.exists()
    assert not get_user_model().objects.exists()
    assert media_files(media_root) == []
