import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from articles import workflow
from articles.models import Article, EditorsPick, Photo, RelatedArticle, WorkflowEvent
from articles.validators import validate_image_content
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    EditorsPickFactory,
    PhotoCreditFactory,
    PublishedArticleFactory,
    SectionFactory,
    image_file,
)

pytestmark = pytest.mark.django_db


def test_pick_twice_in_the_same_section_list_is_refused_by_the_database():
    pick = EditorsPickFactory(section=SectionFactory())

    with pytest.raises(IntegrityError), transaction.atomic():
        EditorsPick.objects.create(article=pick.article, section=pick.section)


def test_pick_twice_in_the_site_wide_list_is_refused_by_the_database():
    pick = EditorsPickFactory(section=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        EditorsPick.objects.create(article=pick.article, section=None)


def test_same_story_may_be_in_the_site_wide_and_a_section_list():
    pick = EditorsPickFactory(section=None)

    EditorsPick.objects.create(article=pick.article, section=SectionFactory())

    assert pick.article.picks.count() == 2


def test_pick_must_end_after_it_starts(django_user_model):
    from django.utils import timezone

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        EditorsPickFactory(starts_at=now, ends_at=now)


def test_only_published_stories_can_be_picked():
    pick = EditorsPick(article=ArticleFactory(), position=0)

    with pytest.raises(ValidationError, match="Only published stories can be picked."):
        pick.full_clean()


def test_unpublished_story_drops_out_of_picks_on_display():
    pick = EditorsPickFactory(section=None)
    assert list(EditorsPick.objects.showing()) == [pick]

    workflow.unpublish(article=pick.article, user=EditorFactory(), comment="Withdrawn.")

    assert not EditorsPick.objects.showing().exists()


def test_story_cannot_be_related_to_itself():
    article = ArticleFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedArticle.objects.create(from_article=article, to_article=article)


def test_live_status_without_written_at_is_refused_by_the_database():
    article = ArticleFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        type(article).objects.filter(pk=article.pk).update(status="published")


def test_workflow_events_are_append_only():
    article = workflow.submit_for_review(article=ArticleFactory(), user=EditorFactory())
    event = article.events.get()

    event.comment = "rewritten history"
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(ValidationError, match="append-only"):
        event.delete()
    assert WorkflowEvent.objects.get(pk=event.pk).comment == ""


def test_sign_off_names_authors_in_byline_order_with_first_affiliation():
    first = AuthorFactory(name="Mira Okafor", affiliation="Newsroom World Radio News")
    second = AuthorFactory(name="Jun Park", affiliation="Elsewhere")

    article = ArticleFactory(authors=[first, second])

    assert article.sign_off == "Mira Okafor and Jun Park, Newsroom World Radio News."


def test_body_is_sanitized_when_saved():
    article = ArticleFactory(
        body='<p onclick="x()">Hi <a href="javascript:alert(1)">link</a></p><script>alert(1)</script>'
    )

    article.refresh_from_db()
    assert article.body == '<p>Hi <a rel="noopener">link</a></p>'


def test_absolute_url_uses_section_and_first_publication_date_in_site_zone(settings):
    from datetime import UTC, datetime

    article = PublishedArticleFactory(
        section=SectionFactory(slug="politics"),
        slug="talks",
        written_at=datetime(2025, 4, 9, 16, 0, tzinfo=UTC),
    )
    article.refresh_from_db()

    # 16:00 UTC is already 01:00 the next day in Seoul.
    assert article.get_absolute_url() == "/politics/2025/04/10/talks/"


# --- photos ------------------------------------------------------------------------------------


def uploaded(data, name="upload.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def encoded(image_format, mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, (20, 10)).save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepted_image_formats(image_format):
    validate_image_content(uploaded(encoded(image_format)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"GIF89a not really", "not a readable image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "not a readable image"),
        (encoded("JPEG")[:60], "not a readable image"),
        (encoded("BMP"), "BMP images are not accepted"),
        (encoded("TIFF"), "TIFF images are not accepted"),
    ],
)
def test_refused_images_say_why(data, message):
    with pytest.raises(ValidationError, match=message):
        validate_image_content(uploaded(data))


def test_photo_stores_dimensions_and_requires_a_credit():
    photo = Photo(image=image_file(size=(120, 80)), alt_text="A harbour", credit=PhotoCreditFactory())
    photo.full_clean()
    photo.save()

    assert (photo.width, photo.height) == (120, 80)
    with pytest.raises(ValidationError, match="credit"):
        Photo(image=image_file(), alt_text="x").full_clean()


def test_role_groups_hold_exactly_the_permissions_in_roles_module():
    from django.contrib.auth.models import Group

    from articles.roles import ROLE_PERMISSIONS, qualified

    for role, names in ROLE_PERMISSIONS.items():
        held = Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
        assert set(held) == {qualified(name) for name in names}, role


@pytest.mark.parametrize("slug", ["admin", "consent", "cookie-policy", "archive", "static"])
def test_section_cannot_take_an_address_the_site_uses(slug):
    section = SectionFactory.build(name="Anything", slug=slug)

    with pytest.raises(ValidationError, match="used by the site itself"):
        section.full_clean()


# --- one definition of "published" -----------------------------------------------------------


def test_reader_indexes_cover_exactly_the_statuses_published_filters_on():
    reader = {"article_live_newest", "article_live_section_pages", "article_live_last_change"}
    partial = [index for index in Article._meta.indexes if index.name in reader]
    published_sql = str(Article.objects.published().query)

    assert {index.name for index in Article._meta.indexes if index.condition is not None} == {
        *reader,
        "article_embargoes",
        "article_take_downs",
    }
    assert len(partial) == len(reader)
    for index in partial:
        assert index.condition == Q(status__in=Article.Status.approved())
        # PostgreSQL uses a partial index only when the query implies its condition.
        condition_sql = str(Article.objects.filter(index.condition).order_by().query).split(" WHERE ")[1]
        assert condition_sql in published_sql


@pytest.mark.parametrize(
    ("name", "field"), [("article_embargoes", "publish_at"), ("article_take_downs", "expire_at")]
)
def test_schedule_indexes_hold_the_approved_stories_with_that_time(name, field):
    (index,) = [index for index in Article._meta.indexes if index.name == name]
    approved = Q(status__in=Article.Status.approved())

    assert index.fields == [field]
    assert index.condition == approved & Q(**{f"{field}__isnull": False})
    # next_visibility_change asks for approved stories with a time after now, which implies it.
    approved_sql = str(Article.objects.filter(approved).order_by().query).split(" WHERE ")[1]
    assert approved_sql in str(Article.objects.filter(approved, **{f"{field}__gt": timezone.now()}).query)


@pytest.mark.parametrize(
    ("status_path", "times", "live", "label"),
    [
        ([], {}, False, "Not on the site (draft)"),
        (["submit"], {}, False, "Not on the site (in review)"),
        (["submit", "publish"], {}, True, "Live"),
        (["submit", "publish"], {"expire_at": -1}, False, "Taken down at "),
        (["submit", "publish"], {"expire_at": +1}, True, "Live until "),
        (["submit", "schedule"], {"publish_at": +1}, False, "Scheduled for "),
    ],
)
def test_reader_state_and_is_published_agree_with_published(status_path, times, live, label):
    editor = EditorFactory()
    now = timezone.now()
    moments = {name: now + timedelta(hours=hours) for name, hours in times.items()}
    article = ArticleFactory(publish_at=moments.get("publish_at"))
    for step in status_path:
        article = workflow.take(step, article=article, user=editor)
    # The clock passes a take-down time before anything records it.
    Article.objects.filter(pk=article.pk).update(expire_at=moments.get("expire_at"))
    article.refresh_from_db()

    state = article.reader_state()

    assert Article.objects.published().filter(pk=article.pk).exists() is live
    assert (state.is_live, article.is_published) == (live, live)
    assert state.label.startswith(label)
    annotated = Article.objects.with_reader_visibility().get(pk=article.pk)
    assert annotated.reader_visible is live
