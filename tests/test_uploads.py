"""
Uploads over HTTP (articles.uploads): the size limit while the request streams in, the admin's
upload form, and the editor's image upload that makes Photo records.
"""

import json
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadhandler import SkipFile
from django.test import Client, RequestFactory
from django.urls import reverse

from articles import html, renditions, uploads
from articles.admin.article_form import ArticleAdminForm
from articles.models import Photo
from tests.factories import (
    EditorFactory,
    PhotoCreditFactory,
    ReporterFactory,
    UserFactory,
    image_bytes,
    stored_state,
    uploaded,
)
from tests.test_photos import REFUSALS, noisy_jpeg

pytestmark = pytest.mark.django_db

EDITOR_UPLOAD = "/ckeditor5/upload/"
ADMIN_ADD = "/admin/articles/photo/add/"


@pytest.fixture
def temp_uploads(settings, tmp_path):
    """Every upload goes through a temporary file, in a folder of its own we can look into."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


def leftovers(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


def post_to_editor(client, data, name="photo.jpg", content_type="image/jpeg"):
    response = client.post(EDITOR_UPLOAD, {"upload": uploaded(data, name=name, content_type=content_type)})
    return response, json.loads(response.content)


def add_photo(client, data, name="photo.jpg", **fields):
    credit = fields.pop("credit", None) or PhotoCreditFactory(name="Harbour Press")
    return client.post(
        ADMIN_ADD,
        {
            "upload": uploaded(data, name=name),
            "credit": credit.pk,
            "caption": "A caption",
            "alt_text": "What it shows",
            "focal_x": "0.5",
            "focal_y": "0.5",
            **fields,
        },
    )


# --- the streaming size limit -------------------------------------------------------------------


def test_the_limit_is_enforced_while_the_file_streams_in(settings):
    settings.NEWSROOM_UPLOAD_MAX_BYTES = 1000
    request = RequestFactory().post("/")
    handler = uploads.UploadSizeLimitHandler(request)
    handler.handle_raw_input(None, request.META, None, b"boundary")
    handler.new_file("upload", "big.jpg", "image/jpeg", None)

    assert handler.receive_data_chunk(b"x" * 600, 0) == b"x" * 600
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x" * 600, 600)  # the 1,200th byte: refused before the rest comes

    assert "larger than the 1000 bytes limit" in request._upload_refusals["upload"].messages[0]


def test_a_request_longer_than_the_limit_has_its_files_skipped_from_the_start(settings):
    settings.NEWSROOM_UPLOAD_MAX_BYTES = 1000
    request = RequestFactory().post("/")
    handler = uploads.UploadSizeLimitHandler(request)
    handler.handle_raw_input(None, request.META, 1000 + uploads.REQUEST_OVERHEAD + 1, b"boundary")

    with pytest.raises(SkipFile):
        handler.new_file("upload", "big.jpg", "image/jpeg", None)


def test_over_the_limit_in_the_admin_says_so_and_leaves_nothing(settings, client, temp_uploads):
    settings.NEWSROOM_UPLOAD_MAX_BYTES = 100 * 1024  # the file's first 64 KB chunk gets through
    client.force_login(EditorFactory())
    credit = PhotoCreditFactory()
    before = stored_state()

    response = add_photo(client, noisy_jpeg((600, 400)), credit=credit)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["upload"] == [
        "This file is larger than the 100 KB limit. Export a smaller version of the photo and upload that."
    ]
    assert "This field is required" not in response.content.decode()
    assert stored_state() == before
    assert leftovers(temp_uploads) == []


def test_over_the_limit_in_the_editor_says_so_and_leaves_nothing(settings, client, temp_uploads):
    settings.NEWSROOM_UPLOAD_MAX_BYTES = 100 * 1024  # the file's first 64 KB chunk gets through
    client.force_login(EditorFactory())
    before = stored_state()

    response, answer = post_to_editor(client, noisy_jpeg((600, 400)))

    assert response.status_code == 400
    assert answer["error"]["message"].startswith("This file is larger than the 100 KB limit.")
    assert stored_state() == before
    assert leftovers(temp_uploads) == []


def test_a_file_within_the_limit_leaves_no_temporary_file(settings, client, temp_uploads):
    client.force_login(EditorFactory())

    response, answer = post_to_editor(client, noisy_jpeg())

    assert response.status_code == 200, answer
    assert leftovers(temp_uploads) == []


# --- the admin's upload form --------------------------------------------------------------------


def test_the_admin_adds_a_photo_through_the_photo_service(client):
    editor = EditorFactory()
    client.force_login(editor)

    response = add_photo(client, image_bytes("PNG", size=(90, 60)), name="IMG_0042 family.jpeg")

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height, photo.uploaded_by) == (90, 60, editor)
    assert photo.image.name.endswith(".png") and "family" not in photo.image.name
    assert photo.original.name and photo.credit.name == "Harbour Press"


@pytest.mark.parametrize("case", ["zero-bytes", "svg", "truncated-jpeg", "pdf", "pixel-bomb"])
def test_the_admin_shows_why_an_upload_is_refused(client, case):
    data, message = REFUSALS[case]
    client.force_login(EditorFactory())
    credit = PhotoCreditFactory()
    before = stored_state()

    response = add_photo(client, data, credit=credit)

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["upload"]
    assert message in error
    assert stored_state() == before


def test_the_admin_form_offers_only_the_accepted_types(client):
    client.force_login(EditorFactory())

    content = client.get(ADMIN_ADD).content.decode()

    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in content


# --- the editor's image upload ------------------------------------------------------------------


def test_an_image_uploaded_in_the_editor_becomes_a_photo(settings, client):
    settings.NEWSROOM_DEFAULT_CREDIT = "Newsroom World Radio News"
    reporter = ReporterFactory()
    client.force_login(reporter)

    response, answer = post_to_editor(client, image_bytes("WEBP", size=(50, 40)), name="x.gif")

    assert response.status_code == 200
    photo = Photo.objects.get()
    assert answer == {"url": photo.image.url, "photo": photo.pk}
    assert photo.image.url.endswith(".webp")
    assert (photo.credit.name, photo.alt_text, photo.uploaded_by) == (
        "Newsroom World Radio News",
        "",
        reporter,
    )
    # The address survives the body's sanitizer (own media only).
    assert f'src="{photo.image.url}"' in html.clean_html(f'<figure><img src="{answer["url"]}"></figure>')


@pytest.mark.parametrize(("data", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_the_editor_shows_why_an_upload_is_refused(client, data, message):
    client.force_login(EditorFactory())
    before = stored_state()

    response, answer = post_to_editor(client, data)

    assert response.status_code == 400
    assert message in answer["error"]["message"]
    assert stored_state() == before


def test_an_editor_upload_without_a_file_is_refused(client):
    client.force_login(EditorFactory())

    response = client.post(EDITOR_UPLOAD, {})

    assert response.status_code == 400
    assert json.loads(response.content)["error"]["message"].startswith("No file was sent")


@pytest.mark.parametrize(
    "who",
    ["anonymous", "not staff", "staff without add_photo", "inactive"],
)
def test_only_the_desk_may_upload_in_the_editor(client, who):
    if who == "not staff":
        client.force_login(UserFactory(is_staff=False))
    elif who == "staff without add_photo":
        client.force_login(UserFactory())
    elif who == "inactive":
        user = EditorFactory()
        user.is_active = False
        user.save()
        client.force_login(user)
    before = stored_state()

    response, answer = post_to_editor(client, image_bytes())

    assert response.status_code == 403
    assert answer["error"]["message"] == "You do not have permission to upload photos."
    assert stored_state() == before


def test_a_staff_user_given_add_photo_may_upload(client):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_photo"))
    client.force_login(user)

    response, _ = post_to_editor(client, image_bytes())

    assert response.status_code == 200


def test_the_editor_upload_keeps_csrf_protection():
    client = Client(enforce_csrf_checks=True)
    client.force_login(EditorFactory())

    refused = client.post(EDITOR_UPLOAD, {"upload": uploaded(image_bytes())})
    client.get("/admin/")  # sets the CSRF cookie, as the change form does for the editor's script
    accepted = client.post(
        EDITOR_UPLOAD,
        {"upload": uploaded(image_bytes())},
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert Photo.objects.count() == 1


def test_the_editor_upload_answers_only_post(client):
    client.force_login(EditorFactory())

    assert client.get(EDITOR_UPLOAD).status_code == 405


def test_the_editor_sends_images_to_our_view_and_the_packages_own_is_gone(client):
    rendered = str(ArticleAdminForm()["body"])

    assert f'data-upload-url="{reverse("photo_editor_upload")}"' in rendered
    assert reverse("photo_editor_upload") == EDITOR_UPLOAD
    client.force_login(EditorFactory())
    assert client.post("/ckeditor5/image_upload/", {"upload": uploaded(image_bytes())}).status_code == 404
    assert Photo.objects.count() == 0


# --- what the request does, and what it leaves to a task ----------------------------------------


@pytest.mark.parametrize("where", ["admin", "editor"])
def test_an_upload_makes_no_rendition_and_enqueues_their_task(
    client, queued_tasks, django_capture_on_commit_callbacks, where
):
    client.force_login(EditorFactory())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        if where == "admin":
            response = add_photo(client, noisy_jpeg(size=(1600, 1200)))
        else:
            response, _ = post_to_editor(client, noisy_jpeg(size=(1600, 1200)))

    assert response.status_code == (302 if where == "admin" else 200)
    photo = Photo.objects.get()
    assert callbacks  # enqueued once the photo was committed, not before
    [queued] = queued_tasks
    assert queued.task.func is renditions.make_photo_renditions.func and queued.args == [photo.pk]
    assert renditions.pending(photo)
    assert not any(photo.image.storage.exists(r.name) for r in renditions.all_renditions(photo))
    assert photo.image.storage.exists(photo.image.name)  # the served image is there at once


def test_an_upload_stands_when_the_queue_is_unreachable(client, django_capture_on_commit_callbacks):
    client.force_login(EditorFactory())
    refused = mock.patch.object(
        renditions.make_photo_renditions.get_backend(), "enqueue", side_effect=ConnectionError("queue down")
    )

    with refused, django_capture_on_commit_callbacks(execute=True):
        response = add_photo(client, image_bytes(size=(800, 600)))

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert renditions.pending(photo)  # left for make_renditions --pending
    assert list(renditions.awaiting_renditions(Photo.objects.all())) == [photo]
