"""
The photo library in the admin (articles.admin.photos): the list with thumbnails, search,
filters and "used in" counts in a fixed number of queries; the change form; and deletion,
refused (with the stories named) while a story needs the photo.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import photos, renditions
from articles.admin.photos import PhotoAdmin
from articles.models import Photo
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/photo/"


def change_url(photo):
    return reverse("admin:articles_photo_change", args=[photo.pk])


def delete_url(photo):
    return reverse("admin:articles_photo_delete", args=[photo.pk])


def figure(photo, alt=""):
    return f'<figure class="image"><img src="{photo.image.url}" alt="{alt}"></figure>'


def listed(response):
    return list(response.context["cl"].result_list)


@pytest.fixture
def editor(client):
    user = EditorFactory()
    client.force_login(user)
    return user


# --- the list -----------------------------------------------------------------------------------


def test_the_library_shows_thumbnail_credit_size_and_where_each_photo_is_used(client, editor):
    photo = PhotoFactory(caption="Boats at dawn", credit=PhotoCreditFactory(name="Harbour Press"))
    unused = PhotoFactory(caption="Not used")
    lead_of = PublishedArticleFactory(headline="Lead story", lead_photo=photo)
    inline_in = ArticleFactory(headline="Draft with it inline", body=f"<p>x</p>{figure(photo)}")
    ArticleFactory(headline="Unrelated")

    response = client.get(CHANGELIST)

    content = response.content.decode()
    # The thumbnail is the smallest rendition, never the full-size image.
    smallest = renditions.rendition_set(photo).of_format("webp")[0]
    assert f'<img src="{smallest.url}" alt="" width="80"' in content
    assert f'src="{photo.image.url}"' not in content
    assert "Harbour Press" in content and f"{photo.width}\u00a0×\u00a0{photo.height}" in content
    articles = reverse("admin:articles_article_changelist")
    link = f'<a href="{articles}?id__in={inline_in.pk},{lead_of.pk}">2 articles</a>'
    assert link in content
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(str(unused))}.*?</tr>", content, re.DOTALL)[0]
    assert 'class="field-used_in">—<' in row

    # The link opens the article list with exactly those stories.
    articles_page = client.get(f"{articles}?id__in={inline_in.pk},{lead_of.pk}")
    assert {a.headline for a in articles_page.context["cl"].result_list} == {
        "Lead story",
        "Draft with it inline",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dawn", {"Boats at dawn"}),
        ("fishing", {"Boats at dawn"}),
        ("harbour press", {"Boats at dawn"}),
        ("city", {"Market"}),
    ],
)
def test_the_library_searches_caption_alt_text_and_credit(client, editor, query, expected):
    PhotoFactory(
        caption="Boats at dawn", alt_text="Fishing boats", credit=PhotoCreditFactory(name="Harbour Press")
    )
    PhotoFactory(caption="Market", alt_text="Stalls", credit=PhotoCreditFactory(name="City Desk"))

    response = client.get(CHANGELIST, {"q": query})

    assert {photo.caption for photo in listed(response)} == expected


def test_the_library_filters_by_credit_and_by_missing_alt_text(client, editor):
    harbour = PhotoCreditFactory(name="Harbour Press")
    PhotoFactory(caption="Boats", credit=harbour)
    PhotoFactory(caption="Quay", credit=harbour, alt_text="")
    PhotoFactory(caption="Market", credit=PhotoCreditFactory(name="City Desk"))

    by_credit = client.get(CHANGELIST, {"credit__id__exact": harbour.pk})
    missing = client.get(CHANGELIST, {"alt_text": "missing"})

    assert {photo.caption for photo in listed(by_credit)} == {"Boats", "Quay"}
    assert {photo.caption for photo in listed(missing)} == {"Quay"}
    assert "Harbour Press" in by_credit.content.decode()  # the credit filter's choices


@pytest.mark.parametrize(
    "filters", [{}, {"use": "unused"}, {"q": "caption", "created_at__gte": "2000-01-01"}]
)
def test_the_library_page_takes_the_same_queries_for_two_photos_or_twelve(client, editor, filters):
    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST, filters).status_code == 200
        return len(queries)

    def add_photos(count):
        for _ in range(count):
            photo = PhotoFactory()
            ArticleFactory(lead_photo=photo, body=figure(photo))
            ArticleFactory(body=figure(photo))

    add_photos(2)
    few = page_queries()
    add_photos(10)

    assert page_queries() == few


def test_the_library_lists_the_photos_not_yet_used(client, editor):
    lead = PhotoFactory(caption="Lead")
    inline = PhotoFactory(caption="Inline")
    PhotoFactory(caption="Fresh")
    ArticleFactory(lead_photo=lead)
    ArticleFactory(body=f"<p>x</p>{figure(inline, alt='Boats')}")

    unused = client.get(CHANGELIST, {"use": "unused"})
    used = client.get(CHANGELIST, {"use": "used"})

    assert {photo.caption for photo in listed(unused)} == {"Fresh"}
    assert {photo.caption for photo in listed(used)} == {"Lead", "Inline"}
    assert "Not yet used" in unused.content.decode()


def test_the_library_filters_by_date_and_pages(client, editor):
    old = PhotoFactory(caption="Last year")
    Photo.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=old.created_at.year - 1))
    for _ in range(PhotoAdmin.list_per_page):
        PhotoFactory(caption="This week")

    this_month = client.get(CHANGELIST, {"created_at__gte": old.created_at.replace(day=1).isoformat()[:10]})
    first_page = client.get(CHANGELIST)
    second_page = client.get(CHANGELIST, {"p": 2})

    assert "Last year" not in {photo.caption for photo in listed(this_month)}
    assert len(listed(first_page)) == PhotoAdmin.list_per_page
    assert {photo.caption for photo in listed(second_page)} == {"Last year"}


def test_a_photo_being_prepared_shows_its_served_image_until_its_renditions_exist(client, editor):
    photo = PhotoFactory(caption="Just in", renditions_focal_x=None, renditions_focal_y=None)

    content = client.get(CHANGELIST).content.decode()

    assert f'<img src="{photo.image.url}" alt="" width="80"' in content and "/renditions/" not in content


# --- the change form ----------------------------------------------------------------------------


def test_the_change_form_says_where_the_photo_is_used_and_keeps_its_image(client, editor):
    photo = PhotoFactory(caption="Boats")
    story = PublishedArticleFactory(headline="Harbour reopens", body=figure(photo, alt="Boats"))

    response = client.get(change_url(photo))

    content = response.content.decode()
    story_url = reverse("admin:articles_article_change", args=[story.pk])
    assert f'<a href="{story_url}">Harbour reopens</a> (Published, in the text)' in content
    form = response.context["adminform"].form
    assert "upload" not in form.fields and {"focal_x", "focal_y", "alt_text", "credit"} <= set(form.fields)


def test_editing_a_photo_changes_its_text_not_its_image(client, editor):
    photo = PhotoFactory(caption="Old", alt_text="")
    image_name = photo.image.name

    response = client.post(
        change_url(photo),
        {
            "credit": photo.credit.pk,
            "caption": "New",
            "alt_text": "Described",
            "focal_x": "0.3",
            "focal_y": "0.6",
        },
    )

    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.caption, photo.alt_text, photo.focal_x, photo.image.name) == (
        "New",
        "Described",
        0.3,
        image_name,
    )


def test_a_photo_cannot_be_saved_without_a_credit(client, editor):
    photo = PhotoFactory()

    response = client.post(
        change_url(photo), {"credit": "", "caption": "x", "focal_x": "0.5", "focal_y": "0.5"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["credit"] == ["This field is required."]


# --- deleting -----------------------------------------------------------------------------------


def test_a_photo_in_a_published_story_is_not_deleted_and_the_page_says_where_it_is(client, editor):
    photo = PhotoFactory(caption="Boats")
    story = PublishedArticleFactory(headline="Harbour reopens", body=figure(photo, alt="Boats"))

    page = client.get(delete_url(photo))
    posted = client.post(delete_url(photo), {"post": "yes"})

    content = page.content.decode()
    assert "cannot be deleted while these stories use it" in content
    story_url = reverse("admin:articles_article_change", args=[story.pk])
    assert f'<a href="{story_url}">Harbour reopens</a> (Published, in the text)' in content
    assert "Yes, I’m sure" not in content
    assert posted.status_code == 200 and "cannot be deleted" in posted.content.decode()
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_a_lead_photo_is_not_deleted_even_from_a_draft(client, editor):
    photo = PhotoFactory()
    ArticleFactory(headline="A draft", lead_photo=photo)

    page = client.get(delete_url(photo))

    assert "A draft</a> (Draft, lead photo)" in page.content.decode()
    client.post(delete_url(photo), {"post": "yes"})
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_a_photo_only_in_drafts_text_is_deleted_after_a_warning(client, editor):
    photo = PhotoFactory()
    ArticleFactory(headline="Unfinished", body=figure(photo))

    page = client.get(delete_url(photo))
    posted = client.post(delete_url(photo), {"post": "yes"})

    assert "will disappear from them" in page.content.decode() and "Unfinished</a>" in page.content.decode()
    assert posted.status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()


def test_a_photo_taken_as_lead_meanwhile_is_refused_with_a_message(client, editor, monkeypatch):
    """The confirmation found nothing, then a story took the photo: the database refuses, we explain."""
    photo = PhotoFactory()
    ArticleFactory(headline="Just now", lead_photo=photo)
    monkeypatch.setattr(PhotoAdmin, "get_deleted_objects", lambda self, objs, request: ([], {}, set(), []))
    monkeypatch.setattr(photos, "deletion_blockers", lambda photo: [])

    response = client.post(delete_url(photo), {"post": "yes"}, follow=True)

    assert response.redirect_chain[-1][0] == change_url(photo)
    [message] = [str(m) for m in response.context["messages"]]
    assert "cannot be deleted: it is used by “Just now” (lead photo)" in message
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_bulk_deletion_is_refused_while_any_selected_photo_is_needed(client, editor):
    needed, free = PhotoFactory(caption="Needed"), PhotoFactory(caption="Free")
    PublishedArticleFactory(headline="Live story", lead_photo=needed)
    data = {"action": "delete_selected", "_selected_action": [needed.pk, free.pk]}

    page = client.post(CHANGELIST, data)
    client.post(CHANGELIST, {**data, "post": "yes"})

    content = page.content.decode()
    assert "cannot be deleted while these stories use some of them" in content
    assert "“Needed”: <a" in content and "Live story</a> (Published, lead photo)" in content
    assert Photo.objects.count() == 2


def test_bulk_deletion_of_unused_photos_works(client, editor):
    first, second = PhotoFactory(), PhotoFactory()

    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert Photo.objects.count() == 0


# --- crop boxes ---------------------------------------------------------------------------------


def photo_form(photo, **changes):
    data = {
        "credit": photo.credit.pk,
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "focal_x": photo.focal_x,
        "focal_y": photo.focal_y,
    }
    for crop in ("16x9", "4x3", "1x1"):
        box = changes.pop(crop, None) or ["", "", "", ""]
        data.update({f"crop_{crop}_{index}": value for index, value in enumerate(box)})
    return {**data, **changes}


@pytest.fixture
def wide_photo():
    from tests.test_renditions import photo_file

    return PhotoFactory(image=photo_file((1600, 1000)))


def test_a_crop_box_is_saved_and_its_renditions_made_by_the_task(
    client, editor, wide_photo, django_capture_on_commit_callbacks, queued_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(wide_photo), photo_form(wide_photo, **{"4x3": [100, 50, 1200, 900]})
        )

    assert response.status_code == 302
    wide_photo.refresh_from_db()
    assert wide_photo.crop_boxes == {"16x9": None, "4x3": [100, 50, 1200, 900], "1x1": None}
    assert [task.args for task in queued_tasks] == [[wide_photo.pk]]
    # Pending until the task ran: the old 4:3 files are still offered.
    assert wide_photo in renditions.awaiting_renditions(Photo.objects.all())


def test_the_crop_form_shows_the_boxes_and_the_vendored_cropper(client, editor, wide_photo):
    wide_photo.crop_boxes = {"16x9": None, "4x3": None, "1x1": [300, 0, 1000, 1000]}
    wide_photo.save()

    content = client.get(change_url(wide_photo)).content.decode()

    assert 'name="crop_1x1_0" value="300"' in content and 'name="crop_1x1_2" value="1000"' in content
    assert 'name="crop_16x9_0"' in content and 'data-ratio-width="16"' in content
    assert '<script src="/static/admin/vendor/cropperjs/cropper.min.js"' in content
    assert "cdn" not in content.lower()


@pytest.mark.parametrize(
    "box, message",
    [
        ([0, 0, 1200, 900], None),
        ([500, 200, 1200, 900], "goes past the edge of the photo (1600 × 1000)"),
        ([0, 0, 1200, 800], "not 4:3"),
        ([0, 0, 1200, ""], "Give all four numbers"),
        ([0, -5, 1200, 900], "Ensure this value is greater than or equal to 0."),
        (["a", 0, 1200, 900], "Enter a whole number."),
        ([0, 0, 10**30, 900], "Ensure this value is less than or equal to"),
    ],
)
def test_a_bad_crop_box_is_a_field_error_and_saves_nothing(client, editor, wide_photo, box, message):
    response = client.post(change_url(wide_photo), photo_form(wide_photo, caption="Changed", **{"4x3": box}))

    wide_photo.refresh_from_db()
    if message is None:
        assert response.status_code == 302 and wide_photo.crop_boxes["4x3"] == [0, 0, 1200, 900]
        return
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["crop_4x3"]
    assert any(message in error for error in errors), errors
    assert wide_photo.caption != "Changed" and wide_photo.crop_boxes["4x3"] is None


def test_emptying_a_box_crops_around_the_focal_point_again(client, editor, wide_photo):
    wide_photo.crop_boxes = {"16x9": [0, 0, 1600, 900], "4x3": None, "1x1": None}
    wide_photo.save()

    response = client.post(change_url(wide_photo), photo_form(wide_photo))

    assert response.status_code == 302
    wide_photo.refresh_from_db()
    assert wide_photo.crop_boxes == {"16x9": None, "4x3": None, "1x1": None}
