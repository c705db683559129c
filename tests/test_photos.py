"""
The photo service (articles.photos): what an upload must be, what is kept of it, where a photo
is used, when it may be deleted, and the alt-text rule the workflow enforces at publication.
"""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import InMemoryStorage, storages
from PIL import ExifTags, Image

from articles import photos, renditions, revisions, workflow
from articles.models import Article, Photo
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
    animation_bytes,
    image_bytes,
    stored_state,
    uploaded,
    uploaded_photo,
)

pytestmark = pytest.mark.django_db


# --- files to upload ----------------------------------------------------------------------------


def noisy_jpeg(size=(200, 150)):
    """A JPEG that does not compress to nothing (a truncated copy then lacks real picture data)."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def png_header(width, height):
    """A PNG whose header claims ``width`` × ``height`` pixels, with almost no data behind it."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def fits_file():
    cards = [
        "SIMPLE  =                    T",
        "BITPIX  =                    8",
        "NAXIS   =                    0",
        "END",
    ]
    return "".join(card.ljust(80) for card in cards).ljust(2880).encode()


def private_jpeg(size=(60, 20), orientation=None):
    """A JPEG carrying a camera, a GPS position and a comment; left third red, the rest blue."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 3, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Secret Camera Co"
    exif[ExifTags.Base.Model] = "Model X"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 33.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (126.0, 58.0, 41.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"home address", quality=95)
    return buffer.getvalue()


def gps_of(data):
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


@pytest.fixture
def residue():
    """``residue()``: every stored file and the photo and credit rows, to compare before and after."""
    return stored_state


# --- accepted by content ------------------------------------------------------------------------

STORED_NAME = r"{folder}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}"


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (image_bytes("JPEG"), "jpg"),
        (image_bytes("PNG"), "png"),
        (image_bytes("WEBP"), "webp"),
        (image_bytes("GIF"), "gif"),
        (animation_bytes("GIF"), "gif"),
        (animation_bytes("WEBP"), "webp"),
    ],
    ids=["jpeg", "png", "webp", "gif", "animated-gif", "animated-webp"],
)
def test_images_are_accepted_by_their_content_whatever_their_name(data, extension):
    # The name and Content-Type lie; neither is used.
    upload = uploaded(data, name="Family holiday at HOME.svg", content_type="application/pdf")

    photo = photos.photo_create(file=upload, credit="Harbour Press", alt_text="A harbour", user=None)

    photo.refresh_from_db()
    assert re.fullmatch(STORED_NAME.format(folder="photos", extension=extension), photo.image.name)
    assert re.fullmatch(STORED_NAME.format(folder="originals", extension=extension), photo.original.name)
    assert "holiday" not in photo.image.name.lower() and "holiday" not in photo.original.name.lower()
    assert (photo.width, photo.height) == Image.open(io.BytesIO(data)).size
    assert photo.credit.name == "Harbour Press"
    with photo.original.open("rb") as original:
        assert original.read() == data  # kept exactly as received


def test_an_animation_keeps_its_frames():
    photo = uploaded_photo(data=animation_bytes("GIF", frames=4))

    with photo.image.open("rb") as served, Image.open(served) as image:
        assert image.n_frames == 4


# --- refused, each with its own message, leaving nothing behind ---------------------------------

REFUSALS = {
    "zero-bytes": (b"", "The file is empty"),
    "corrupt": (b"\x00\x01 this is not a picture at all " * 20, "not a readable image (it may be damaged)"),
    "truncated-jpeg": (noisy_jpeg()[:3000], "This image is incomplete"),
    "svg": (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG drawing",
    ),
    "html": (b"<html><body><script>alert(1)</script></body></html>", "XML or HTML files are not accepted"),
    "eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", "EPS files are not accepted"),
    "pdf": (image_bytes("PDF"), "PDF files are not accepted"),
    "fits": (fits_file(), "FITS images are not accepted"),
    "psd": (
        b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + b"\x00" * 60,
        "Photoshop (PSD) images are not accepted",
    ),
    "bmp": (image_bytes("BMP"), "BMP images are not accepted"),
    "tiff": (image_bytes("TIFF"), "TIFF images are not accepted"),
    "heic": (
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
        "HEIC images are not accepted",
    ),
    "pixel-bomb": (png_header(100_000, 100_000), "has more pixels than the 50 megapixels limit"),
    "over-pixel-limit": (
        png_header(8000, 7000),
        "(8000 × 7000 pixels) has more pixels than the 50 megapixels",
    ),
}


@pytest.mark.parametrize(("data", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_uploads_say_why_and_leave_nothing_behind(residue, data, message):
    before = residue()

    with pytest.raises(ValidationError) as refusal:
        photos.photo_create(file=uploaded(data, name="photo.jpg"), credit="A new agency", user=None)

    assert message in refusal.value.messages[0]
    assert residue() == before


def test_every_refusal_has_its_own_message():
    messages = []
    for data, _ in REFUSALS.values():
        with pytest.raises(ValidationError) as refusal:
            photos.prepare_image(uploaded(data))
        messages.append(refusal.value.messages[0])
    assert len(set(messages)) == len(messages)


def test_a_file_over_the_size_limit_is_refused(settings, residue):
    settings.NEWSROOM_UPLOAD_MAX_BYTES = 5 * 1024 * 1024 // 1024  # 5 KB
    before = residue()

    with pytest.raises(ValidationError, match=r"larger than the 5 KB limit"):
        photos.photo_create(file=uploaded(noisy_jpeg()), credit="Agency", user=None)

    assert residue() == before


def test_an_animation_counts_every_frame_against_the_pixel_limit(settings, residue):
    settings.NEWSROOM_UPLOAD_MAX_PIXELS = 3000
    still = uploaded(image_bytes("GIF", size=(40, 30)))  # 1,200 pixels
    animation = uploaded(animation_bytes("GIF", size=(40, 30), frames=3))  # 3,600 pixels
    before = residue()

    photos.prepare_image(still)
    with pytest.raises(
        ValidationError, match=r"This animation \(3 frames of 40 × 30 pixels\) has more pixels"
    ):
        photos.photo_create(file=animation, credit="Agency", user=None)

    assert residue() == before


def test_a_photo_needs_a_credit(residue):
    before = residue()

    with pytest.raises(ValidationError, match="cannot be saved without a credit"):
        photos.photo_create(file=uploaded(image_bytes()), credit="  ", user=None)

    assert residue() == before


def test_a_failure_after_the_files_are_written_removes_them(residue, monkeypatch):
    before = residue()

    def broken_save(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Photo, "save", broken_save)
    with pytest.raises(RuntimeError):
        uploaded_photo()

    assert residue() == before


# --- what is kept: upright pixels, no private metadata; the original privately -----------------


@pytest.mark.parametrize(
    ("orientation", "size", "red_at", "blue_at"),
    [
        # The 60×20 image's red left third, where a reader must see it once upright.
        (1, (60, 20), (10, 10), (50, 10)),  # already upright
        (2, (60, 20), (50, 10), (10, 10)),  # mirrored: red on the right
        (3, (60, 20), (50, 10), (10, 10)),  # upside down: red on the right
        (5, (20, 60), (10, 3), (10, 56)),  # transposed: red at the top
        (6, (20, 60), (10, 3), (10, 56)),  # turned a quarter: red at the top
        (7, (20, 60), (10, 56), (10, 3)),  # transversed: red at the bottom
        (8, (20, 60), (10, 56), (10, 3)),  # turned the other way: red at the bottom
    ],
)
def test_exif_orientation_is_applied_to_the_served_image(orientation, size, red_at, blue_at):
    photo = uploaded_photo(data=private_jpeg(size=(60, 20), orientation=orientation))

    assert (photo.width, photo.height) == size
    with photo.image.open("rb") as served, Image.open(served) as image:
        assert image.size == size
        assert ExifTags.Base.Orientation not in image.getexif()
        red, _, blue = image.getpixel(red_at)
        assert red > 200 and blue < 60
        red, _, blue = image.getpixel(blue_at)
        assert red < 60 and blue > 200


def test_gps_and_camera_data_are_removed_from_what_is_served_but_kept_in_the_original(
    django_capture_on_commit_callbacks,
):
    data = private_jpeg()
    assert gps_of(data)

    with django_capture_on_commit_callbacks(execute=True):
        photo = uploaded_photo(data=data)

    with photo.image.open("rb") as served:
        served_data = served.read()
    with Image.open(io.BytesIO(served_data)) as image:
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info and "exif" not in image.info
    assert b"Secret Camera Co" not in served_data and b"home address" not in served_data
    # Renditions are made from the served image, so they carry nothing either.
    made = renditions.all_renditions(photo)
    assert made
    for rendition in made[:3]:
        with rendition.storage.open(rendition.name, "rb") as file:
            assert b"Secret Camera Co" not in file.read()
    # The original, never served, is the file as it came.
    with photo.original.open("rb") as original:
        assert gps_of(original.read())[ExifTags.GPS.GPSLatitude] == (37.0, 33.0, 59.0)


def test_renditions_are_made_once_the_photo_is_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        photo = uploaded_photo(data=image_bytes(size=(800, 600)))
    assert not photo.image.storage.exists(renditions.all_renditions(photo)[0].name)

    for callback in callbacks:
        callback()

    assert all(photo.image.storage.exists(r.name) for r in renditions.all_renditions(photo))


# --- storage: Django's storage API only ---------------------------------------------------------


def test_uploads_and_deletion_need_nothing_but_the_storage_api(
    settings, client, tmp_path, django_capture_on_commit_callbacks
):
    """With in-memory storages (no paths at all: ``path()`` raises), everything still works."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",
            "OPTIONS": {"base_url": "/media/"},
        },
        "originals": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    media = storages["default"]
    originals = storages["originals"]
    assert isinstance(media, InMemoryStorage) and isinstance(originals, InMemoryStorage)

    with django_capture_on_commit_callbacks(execute=True):
        photo = uploaded_photo(data=private_jpeg(size=(400, 300)))
    client.force_login(EditorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/articles/photo/add/",
            {
                "upload": uploaded(image_bytes("PNG", size=(300, 200)), name="x.png"),
                "credit": photo.credit.pk,
                "caption": "Through the admin",
                "alt_text": "A test card",
                "focal_x": "0.5",
                "focal_y": "0.5",
            },
        )
    assert response.status_code == 302
    from_admin = Photo.objects.get(caption="Through the admin")

    for each in (photo, from_admin):
        assert media.exists(each.image.name) and originals.exists(each.original.name)
        assert not media.exists(each.original.name)  # originals never land in the public storage
        assert each.image.url.startswith("/media/photos/")
        assert all(media.exists(r.name) for r in renditions.all_renditions(each))
    response = client.get("/admin/articles/photo/")
    assert renditions.rendition_set(from_admin).of_format("webp")[0].url in response.content.decode()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []

    with django_capture_on_commit_callbacks(execute=True):
        photos.photo_delete(photo=photo)
    assert not media.exists(photo.image.name) and not originals.exists(photo.original.name)
    assert not any(media.exists(r.name) for r in renditions.all_renditions(photo))


# --- where a photo is used ----------------------------------------------------------------------


def figure(photo, alt=""):
    return f'<figure class="image"><img src="{photo.image.url}" alt="{alt}"></figure>'


def test_photo_names_in_body_reads_only_our_media():
    body = (
        '<p>x</p><figure><img src="/media/photos/2026/11/a%20b.jpg" alt=""></figure>'
        '<img src="https://elsewhere.example/media/photos/c.jpg">'
        '<img src="/static/d.png"><img src="/media/photos/2026/11/a%20b.jpg"><img>'
    )

    assert photos.photo_names_in_body(body) == ["photos/2026/11/a b.jpg"]
    assert photos.photo_names_in_body("") == []


def test_photo_usage_finds_lead_and_inline_uses():
    photo, other = uploaded_photo(), uploaded_photo()
    lead = ArticleFactory(headline="Lead use", lead_photo=photo)
    inline = ArticleFactory(headline="Inline use", body=f"<p>Text</p>{figure(photo)}")
    both = ArticleFactory(headline="Both", lead_photo=photo, body=figure(photo))
    ArticleFactory(headline="Other photo", lead_photo=other, body=figure(other))
    ArticleFactory(headline="No photo")

    uses = {use.article.headline: (use.as_lead, use.inline) for use in photos.photo_usage(photo)}

    assert uses == {"Lead use": (True, False), "Inline use": (False, True), "Both": (True, True)}
    assert [use.article for use in photos.photo_usage(photo)][-1] == lead
    assert inline in [use.article for use in photos.photo_usage(photo)]
    assert photos.photos_in_body(both.body) == [photo]


def test_photo_usages_of_many_photos_take_two_queries(django_assert_num_queries):
    library = [uploaded_photo() for _ in range(5)]
    for photo in library:
        ArticleFactory(body=figure(photo), lead_photo=library[0])

    with django_assert_num_queries(2):  # the recorded inline uses, then the stories
        usages = photos.photo_usages(library)

    assert len(usages[library[0].pk]) == 5
    assert all(len(usages[photo.pk]) == 1 for photo in library[1:])


def test_a_photo_put_in_or_taken_out_of_a_draft_s_text_follows_the_edit():
    photo, reporter = uploaded_photo(), ReporterFactory()
    article = ArticleFactory(body="<p>No picture yet.</p>", created_by=reporter)

    def edit(body):
        content = {**revisions.content_of(article), "body": body}
        revisions.save_edit(article=article, content=content, user=reporter, base_version=article.version)
        article.refresh_from_db()

    edit("<p>Now with one.</p>" + figure(photo))
    assert [(use.article, use.inline) for use in photos.photo_usage(photo)] == [(article, True)]

    edit("<p>Taken out again.</p>")
    assert photos.photo_usage(photo) == []


# --- deleting -----------------------------------------------------------------------------------


def test_a_photo_in_a_published_story_cannot_be_deleted():
    photo = uploaded_photo()
    PublishedArticleFactory(headline="Harbour reopens", body=figure(photo, alt="The harbour"))

    with pytest.raises(photos.PhotoInUse, match="used by “Harbour reopens” \\(in the text\\)"):
        photos.photo_delete(photo=photo)

    assert Photo.objects.filter(pk=photo.pk).exists()


def test_a_lead_photo_cannot_be_deleted_even_from_a_draft():
    photo = uploaded_photo()
    ArticleFactory(headline="A draft", lead_photo=photo)

    with pytest.raises(photos.PhotoInUse, match="“A draft” \\(lead photo\\)"):
        photos.photo_delete(photo=photo)


def test_the_databases_protection_is_explained_too(monkeypatch):
    """An article that took the photo as lead after the check: the database refuses, we explain."""
    photo = uploaded_photo()
    ArticleFactory(headline="Just now", lead_photo=photo)
    monkeypatch.setattr(photos, "deletion_blockers", lambda photo: [])

    with pytest.raises(photos.PhotoInUse, match="“Just now” \\(lead photo\\)"):
        photos.photo_delete(photo=photo)


def test_a_photo_only_in_a_draft_text_is_deleted_with_its_files(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = uploaded_photo()
    ArticleFactory(body=figure(photo))
    storage, original_storage = photo.image.storage, photo.original.storage
    made = [r.name for r in renditions.all_renditions(photo)]
    assert storage.exists(made[0])

    with django_capture_on_commit_callbacks(execute=True):
        photos.photo_delete(photo=photo)

    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not storage.exists(photo.image.name) and not original_storage.exists(photo.original.name)
    assert not any(storage.exists(name) for name in made)


# --- the alt-text rule at publication (articles.workflow) ---------------------------------------


@pytest.fixture
def editor():
    return EditorFactory()


def in_review(editor, **fields):
    article = ArticleFactory(**fields)
    workflow.submit_for_review(article=article, user=editor)
    return article


def test_publishing_is_refused_while_the_lead_photo_has_no_alt_text(editor):
    photo = uploaded_photo(caption="Boats at dawn", alt_text="")
    article = in_review(editor, lead_photo=photo)

    with pytest.raises(workflow.TransitionError) as refusal:
        workflow.publish(article=article, user=editor)

    assert str(refusal.value) == (
        f"Cannot publish: the lead photo “Boats at dawn” (#{photo.pk}) has no alt text. "
        "Add it in the photo library."
    )
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW and not article.events.filter(action="publish").exists()

    Photo.objects.filter(pk=photo.pk).update(alt_text="Fishing boats leaving the harbour at dawn")
    assert workflow.publish(article=article, user=editor).status == Article.Status.PUBLISHED


def test_publishing_is_refused_while_an_inline_image_has_no_alt_text(editor):
    described = uploaded_photo(caption="Described", alt_text="A crowd")
    photo = uploaded_photo(caption="", alt_text="")
    article = in_review(editor, body=f"<p>Text.</p>{figure(described)}{figure(photo)}")

    with pytest.raises(workflow.TransitionError) as refusal:
        workflow.publish(article=article, user=editor)

    file_name = Path(photo.image.name).name
    assert str(refusal.value) == (
        f"Cannot publish: the inline image “{file_name}” (#{photo.pk}) has no alt text. "
        "Add it in the photo library."
    )


def test_alt_text_written_in_the_story_counts_for_an_inline_image(editor):
    photo = uploaded_photo(alt_text="")
    article = in_review(editor, body=figure(photo, alt="Firefighters at the scene"))

    assert workflow.publish(article=article, user=editor).status == Article.Status.PUBLISHED


def test_every_photo_lacking_alt_text_is_named(editor):
    lead = uploaded_photo(caption="Lead", alt_text="")
    inline = uploaded_photo(caption="Inline", alt_text="")
    article = in_review(editor, lead_photo=lead, body=figure(inline))

    with pytest.raises(workflow.TransitionError, match="have no alt text") as refusal:
        workflow.publish(article=article, user=editor)

    assert f"the lead photo “Lead” (#{lead.pk}) and the inline image “Inline” (#{inline.pk})" in str(
        refusal.value
    )


def test_publishing_an_update_checks_the_revision_being_published(editor):
    article = PublishedArticleFactory()
    photo = uploaded_photo(caption="New picture", alt_text="")
    content = {**revisions.content_of(article), "body": figure(photo)}
    revisions.save_edit(article=article, content=content, user=editor, base_version=article.version)

    with pytest.raises(
        workflow.TransitionError, match="Cannot publish update: the inline image “New picture”"
    ):
        workflow.publish_update(article=Article.objects.get(pk=article.pk), user=editor)


def test_a_lead_photo_deleted_since_the_edit_is_named(editor):
    article = PublishedArticleFactory()
    photo = PhotoFactory()
    content = {**revisions.content_of(article), "lead_photo": photo.pk}
    revisions.save_edit(article=article, content=content, user=editor, base_version=article.version)
    missing = photo.pk
    photo.delete()

    with pytest.raises(
        workflow.TransitionError, match=rf"the lead photo \(#{missing}\) is no longer in the photo"
    ):
        workflow.publish_update(article=Article.objects.get(pk=article.pk), user=editor)


def test_the_rule_does_not_stop_a_reporter_submitting(editor):
    reporter = ReporterFactory()
    article = ArticleFactory(created_by=reporter, lead_photo=uploaded_photo(alt_text=""))

    assert workflow.submit_for_review(article=article, user=reporter).status == Article.Status.REVIEW
