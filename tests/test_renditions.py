"""Photo renditions (articles/renditions.py): sizes, formats, focal-point crops, made once."""

import io
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.tasks import TaskResultStatus
from django.utils import timezone
from PIL import Image, ImageDraw

from articles import renditions
from articles.management.commands import load_demo
from articles.models import Photo
from tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db

RED = (230, 20, 20)


def photo_file(size=(1600, 900), *, dot=None, image_format="JPEG", mode="RGB", name="photo.jpg"):
    """A blue picture, with a red dot (radius 40 px) at ``dot`` (fractions) when given."""
    image = Image.new(mode, size, (30, 90, 160) if mode == "RGB" else (30, 90, 160, 128))
    if dot:
        x, y = dot[0] * size[0], dot[1] * size[1]
        ImageDraw.Draw(image).ellipse((x - 40, y - 40, x + 40, y + 40), fill=RED)
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


def make_photo(size=(1600, 900), **kwargs):
    dot = kwargs.pop("dot", None)
    return PhotoFactory(image=photo_file(size, dot=dot), **kwargs)


def open_rendition(rendition):
    with rendition.storage.open(rendition.name, "rb") as file:
        image = Image.open(file)
        image.load()
    return image


def is_red(pixel):
    red, green, blue = pixel[:3]
    return red > 180 and green < 90 and blue < 90


def widths(photo, crop="", fmt="jpeg"):
    return [rendition.width for rendition in renditions.rendition_set(photo, crop=crop).of_format(fmt)]


# --- Sizes and formats ------------------------------------------------------------------------


def test_every_rendition_has_its_width_height_and_format():
    photo = make_photo((1600, 900))

    written = renditions.make_renditions(photo)

    expected = renditions.all_renditions(photo)
    assert sorted(written) == sorted(rendition.name for rendition in expected)
    for rendition in expected:
        image = open_rendition(rendition)
        assert image.size == (rendition.width, rendition.height), rendition.name
        assert image.format == {"webp": "WEBP", "jpeg": "JPEG"}[rendition.format], rendition.name
    # Uncropped: every standard width up to the photo's own, in both formats.
    assert widths(photo) == [320, 640, 960, 1280, 1600]
    assert widths(photo, fmt="webp") == [320, 640, 960, 1280, 1600]
    # The 1:1 crop of a 900-high photo is at most 900 wide.
    assert widths(photo, crop="1x1") == [320, 640, 900]


def test_names_are_readable_and_kept_beside_the_photo():
    photo = make_photo((1600, 900), focal_x=0.8, focal_y=0.25)
    folder = photo.image.name.rsplit("/", 1)[0]
    file_name = photo.image.name.rsplit("/", 1)[1]

    square = renditions.rendition_set(photo, crop="1x1").of_format("webp")[0]
    whole = renditions.rendition_set(photo).of_format("jpeg")[0]

    assert square.name == f"{folder}/renditions/{file_name}/1x1-800-250-320w.webp"
    assert whole.name == f"{folder}/renditions/{file_name}/320w.jpg"
    assert whole.url == default_storage.url(whole.name)


def test_crops_have_their_aspect_ratio():
    photo = make_photo((1200, 1200))

    renditions.make_renditions(photo)

    for rendition in renditions.rendition_set(photo, crop="16x9").renditions:
        image = open_rendition(rendition)
        assert abs(image.width / image.height - 16 / 9) < 0.01
    for rendition in renditions.rendition_set(photo, crop="1x1").renditions:
        assert open_rendition(rendition).size == (rendition.width, rendition.width)


def test_a_crop_that_keeps_the_whole_photo_shares_its_files():
    photo = make_photo((1600, 900))

    whole = renditions.rendition_set(photo)
    wide = renditions.rendition_set(photo, crop="16x9")

    assert [r.name for r in wide.renditions] == [r.name for r in whole.renditions]


def test_renditions_are_never_larger_than_the_photo():
    photo = make_photo((500, 400))

    renditions.make_renditions(photo)

    assert widths(photo) == [320, 500]
    assert widths(photo, crop="16x9") == [320, 500]
    assert widths(photo, crop="1x1") == [320, 400]
    assert renditions.social_image(photo).width == 500
    for rendition in renditions.all_renditions(photo):
        assert open_rendition(rendition).width <= 500


def test_a_large_photo_stops_at_1920():
    photo = make_photo((2400, 1600))

    assert widths(photo) == [320, 640, 960, 1280, 1920]
    assert widths(photo, crop="1x1") == [320, 640, 960, 1280, 1600]


def test_social_image_is_a_1200_wide_16_9_jpeg():
    photo = make_photo((2400, 1600), focal_x=0.3, focal_y=0.3)

    renditions.make_renditions(photo)

    social = renditions.social_image(photo)
    image = open_rendition(social)
    assert (image.format, image.size) == ("JPEG", (1200, 675))
    assert "16x9" in social.name


def test_transparent_png_gets_a_jpeg_fallback_and_a_transparent_webp():
    buffer = io.BytesIO()
    Image.new("RGBA", (700, 500), (30, 90, 160, 100)).save(buffer, "PNG")
    photo = PhotoFactory(image=SimpleUploadedFile("clear.png", buffer.getvalue()))

    renditions.make_renditions(photo)

    jpeg = open_rendition(renditions.rendition_set(photo).of_format("jpeg")[-1])
    webp = open_rendition(renditions.rendition_set(photo).of_format("webp")[-1])
    assert (jpeg.format, jpeg.mode) == ("JPEG", "RGB")
    assert webp.format == "WEBP" and webp.mode == "RGBA"


# --- Focal point ------------------------------------------------------------------------------


def test_the_focal_point_stays_in_the_square_crop():
    photo = make_photo((1600, 900), dot=(0.8, 0.5), focal_x=0.8, focal_y=0.5)

    renditions.make_renditions(photo)

    for rendition in renditions.rendition_set(photo, crop="1x1").renditions:
        image = open_rendition(rendition).convert("RGB")
        # The crop is pushed against the right edge (700..1600), so the dot sits at 580/900.
        assert is_red(image.getpixel((round(image.width * 580 / 900), image.height // 2))), rendition.name


def test_a_centred_crop_would_have_lost_it():
    # The middle square is 350..1250 wide; the dot is at 1320..1400. The focal point is left at
    # the middle.
    photo = make_photo((1600, 900), dot=(0.85, 0.5))

    renditions.make_renditions(photo)

    image = open_rendition(renditions.rendition_set(photo, crop="1x1").of_format("jpeg")[-1]).convert("RGB")
    assert not any(is_red(image.getpixel((x, image.height // 2))) for x in range(0, image.width, 4))


def test_crop_box_centres_on_the_focal_point_within_the_edges():
    assert renditions.crop_box((1600, 900), (1, 1), (0.5, 0.5)) == (350, 0, 1250, 900)
    assert renditions.crop_box((1600, 900), (1, 1), (0.8, 0.5)) == (700, 0, 1600, 900)
    assert renditions.crop_box((1600, 900), (1, 1), (0.0, 0.5)) == (0, 0, 900, 900)
    assert renditions.crop_box((900, 1600), (16, 9), (0.5, 0.1)) == (0, 0, 900, 506)
    assert renditions.crop_box((900, 1600), (16, 9), (0.5, 0.6)) == (0, 707, 900, 1213)


def test_a_new_focal_point_gives_new_crops_and_keeps_the_other_files():
    photo = make_photo((1600, 900), focal_x=0.5, focal_y=0.5)
    renditions.make_renditions(photo)
    old_crops = {
        r.name for crop in ("1x1", "4x3") for r in renditions.rendition_set(photo, crop=crop).renditions
    }

    photo.focal_x = 0.9
    photo.save()
    written = renditions.make_renditions(photo)

    # Only the crops narrower than the photo are made again (its 16:9 crop is the whole photo).
    new_crops = {
        r.name for crop in ("1x1", "4x3") for r in renditions.rendition_set(photo, crop=crop).renditions
    }
    assert set(written) == new_crops
    assert not new_crops & old_crops
    assert sorted(renditions.stale_renditions(photo)) == sorted(old_crops)


# --- Crop boxes chosen in the admin ------------------------------------------------------------


def choose_box(photo, crop, box):
    photo.crop_boxes = {**photo.crop_boxes, crop: box}
    photo.save()


def test_a_chosen_box_is_what_the_crop_shows_whatever_the_focal_point():
    # The dot is top left; the focal point (the middle) would have cut it out of the 4:3 crop.
    photo = make_photo((1600, 1000), dot=(0.1, 0.1))
    choose_box(photo, "4x3", [0, 0, 800, 600])

    renditions.make_renditions(photo)

    made = renditions.rendition_set(photo, crop="4x3")
    assert [r.width for r in made.of_format("jpeg")] == [320, 640, 800]
    for rendition in made.renditions:
        image = open_rendition(rendition).convert("RGB")
        assert image.size == (rendition.width, rendition.width * 3 // 4)
        # The dot, at (160, 100) of the photo, is at a fifth across and a sixth down of the box.
        assert is_red(image.getpixel((image.width // 5, image.height // 6))), rendition.name
        assert "/4x3-box-0-0-800-600-" in rendition.name


def test_a_new_box_is_pending_and_pages_keep_the_old_crop_until_its_task_ran(queued_tasks):
    photo = make_photo((1600, 900))
    renditions.make_renditions(photo)
    old_square = renditions.rendition_set(photo, crop="1x1")

    choose_box(photo, "1x1", [100, 0, 900, 900])

    assert photo in renditions.awaiting_renditions(Photo.objects.all())
    assert renditions.rendition_set(photo, crop="1x1") == old_square  # files that exist
    assert renditions.placeholder_size(photo, crop="1x1") == (900, 900)

    written = renditions.make_renditions(Photo.objects.get(pk=photo.pk))

    photo.refresh_from_db()
    new_square = renditions.rendition_set(photo, crop="1x1")
    assert set(written) == {r.name for r in new_square.renditions}  # only the new box's files
    assert not {r.name for r in new_square.renditions} & {r.name for r in old_square.renditions}
    assert not renditions.awaiting_renditions(Photo.objects.all()).exists()


def test_the_social_image_honours_the_16_9_box():
    photo = make_photo((1600, 1200))
    choose_box(photo, "16x9", [0, 600, 1024, 576])
    renditions.make_renditions(photo)

    social = renditions.social_image(photo)

    assert (social.width, social.height) == (1024, 576) and "16x9-box-0-600-1024-576" in social.name


def test_a_photo_from_before_4_3_is_offered_its_other_crops_and_awaits_the_4_3_one():
    photo = make_photo((1600, 900))
    renditions.make_renditions(photo)
    # As migration 0014 records the photos of before: 16:9 and 1:1 made, no 4:3 yet.
    Photo.objects.filter(pk=photo.pk).update(renditions_crop_boxes={"16x9": None, "1x1": None})
    photo.refresh_from_db()

    assert renditions.rendition_set(photo, crop="4x3") is None
    assert renditions.rendition_set(photo, crop="1x1") is not None
    assert photo in renditions.awaiting_renditions(Photo.objects.all())

    renditions.make_renditions(photo)

    photo.refresh_from_db()
    assert renditions.rendition_set(photo, crop="4x3") is not None
    assert not renditions.awaiting_renditions(Photo.objects.all()).exists()


@pytest.mark.parametrize(
    "crop, box, message",
    [
        ("4x3", [500, 0, 1200, 900], "past the edge"),
        ("4x3", [0, 0, 800, 500], "not 4:3"),
        ("1x1", [0, 0, 900], "four whole numbers"),
        ("2x1", [0, 0, 800, 400], "not a crop"),
    ],
)
def test_the_model_refuses_a_box_outside_the_photo_or_of_another_ratio(crop, box, message):
    photo = make_photo((1600, 900))
    photo.crop_boxes = {**photo.crop_boxes, crop: box}

    with pytest.raises(ValidationError) as refused:
        photo.full_clean()

    assert any(message in error for error in refused.value.message_dict["crop_boxes"])


# --- Made once --------------------------------------------------------------------------------


def test_make_renditions_is_idempotent():
    photo = make_photo((800, 600))
    renditions.make_renditions(photo)

    with mock.patch.object(renditions.RenditionSpec, "generate", side_effect=AssertionError("made twice")):
        assert renditions.make_renditions(photo) == []


def test_force_makes_every_file_again_under_the_same_name():
    photo = make_photo((800, 600))
    renditions.make_renditions(photo)

    written = renditions.make_renditions(photo, force=True)

    names = sorted(rendition.name for rendition in renditions.all_renditions(photo))
    assert sorted(written) == names
    folder = names[0].rsplit("/", 1)[0]
    assert len(default_storage.listdir(folder)[1]) == len(names)  # no "_abc123" copies


def test_two_workers_at_once_make_each_file_once():
    photo = make_photo((800, 600))
    made, barrier = [], threading.Barrier(2)
    real_generate = renditions.StorageBackend.generate

    def slow_generate(backend, file, force=False):
        made.append(file.name)
        time.sleep(0.01)  # widen the window two unguarded workers would both go through
        real_generate(backend, file, force)

    def worker(results):
        barrier.wait()  # both start together; no database access in the threads
        results.append(renditions.make_renditions(photo))

    results = []
    # Recording the result is a database write, which SQLite's test database refuses to threads.
    with (
        mock.patch.object(renditions.StorageBackend, "generate", slow_generate),
        mock.patch.object(renditions, "_record_made"),
    ):
        threads = [threading.Thread(target=worker, args=(results,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    names = sorted(rendition.name for rendition in renditions.all_renditions(photo))
    assert sorted(made) == names  # each file once
    assert sorted(map(len, results)) == [0, len(names)]  # one worker made them, the other found them


def test_a_worker_holding_the_lock_keeps_others_out():
    photo = make_photo((800, 600))
    cache.add(renditions._lock_key(photo), "another-worker", 60)

    with pytest.raises(renditions.RenditionsBusy):
        renditions.make_renditions(photo, wait=0.2)
    assert not any(default_storage.exists(r.name) for r in renditions.all_renditions(photo))

    cache.delete(renditions._lock_key(photo))
    assert renditions.make_renditions(photo, wait=0.2)


def test_works_with_in_memory_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    photo = make_photo((700, 500))
    storage = photo.image.storage
    assert isinstance(storage, InMemoryStorage)

    renditions.make_renditions(photo)

    for rendition in renditions.all_renditions(photo):
        assert storage.exists(rendition.name)
        assert open_rendition(rendition).width == rendition.width


def test_describing_renditions_needs_no_query_and_no_storage_call(django_assert_num_queries):
    photo = make_photo((1600, 900))
    photo = Photo.objects.get(pk=photo.pk)

    with (
        django_assert_num_queries(0),
        mock.patch.object(FileSystemStorage, "exists", side_effect=AssertionError("storage call")),
        mock.patch.object(FileSystemStorage, "open", side_effect=AssertionError("storage call")),
    ):
        for crop in renditions.CROPS:
            renditions.rendition_set(photo, crop=crop).srcset("webp")
        assert renditions.social_image(photo).url


def test_a_photo_without_a_size_has_no_renditions():
    photo = Photo(width=None, height=None)

    assert renditions.rendition_set(photo) is None
    assert renditions.social_image(photo) is None
    assert renditions.make_renditions(photo) == []
    assert renditions.all_renditions(photo) == []
    assert renditions.stale_renditions(photo) == []


def test_the_task_is_enqueued_after_the_commit_and_makes_them(django_capture_on_commit_callbacks):
    # The tests' tasks backend is Django's immediate one: an enqueued task runs at once.
    photo = make_photo((400, 300), renditions_focal_x=None, renditions_focal_y=None)
    files = renditions.all_renditions(photo)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        renditions.make_renditions_later(photo)
    assert not any(default_storage.exists(r.name) for r in files)

    callbacks[0]()
    assert all(default_storage.exists(r.name) for r in files)
    photo.refresh_from_db()
    assert not renditions.pending(photo)
    assert renditions.rendition_set(photo).renditions[0].name == files[0].name


# --- The command ------------------------------------------------------------------------------


def test_make_renditions_command_backfills_and_prunes():
    first, second = make_photo((700, 500)), make_photo((500, 700))
    out = io.StringIO()

    call_command("make_renditions", stdout=out)

    total = len(renditions.all_renditions(first)) + len(renditions.all_renditions(second))
    assert f"Made {total} renditions." in out.getvalue()
    for photo in (first, second):
        assert all(default_storage.exists(r.name) for r in renditions.all_renditions(photo))

    Photo.objects.filter(pk=first.pk).update(focal_x=0.1)
    old = renditions.rendition_set(first, crop="16x9").renditions
    out = io.StringIO()
    call_command("make_renditions", "--prune", stdout=out)
    assert "deleted" in out.getvalue()
    assert not any(default_storage.exists(r.name) for r in old)

    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "Made 0 renditions." in out.getvalue()


def test_make_renditions_command_reports_a_broken_photo_and_goes_on():
    good = make_photo((400, 300))
    broken = make_photo((400, 300))
    default_storage.delete(broken.image.name)

    with pytest.raises(CommandError, match="1 photos failed"):
        call_command("make_renditions", stdout=io.StringIO(), stderr=io.StringIO())
    assert default_storage.exists(renditions.social_image(good).name)


def test_load_demo_makes_renditions_of_its_photos_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    made = []
    monkeypatch.setattr(renditions, "make_renditions", lambda photo, **options: made.append(photo))
    small_photo = photo_file((160, 90)).read()
    monkeypatch.setattr(load_demo, "render_photo", lambda **kwargs: small_photo)
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-tests")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())

    assert made and len(made) == Photo.objects.count()


# --- The task -------------------------------------------------------------------------------------


def pending_photo(size=(800, 600), **kwargs):
    return make_photo(size, renditions_focal_x=None, renditions_focal_y=None, **kwargs)


def failing_storage():
    return mock.patch.object(FileSystemStorage, "_save", side_effect=OSError("No space left on device"))


def test_a_failing_storage_is_retried_with_backoff(queued_tasks, settings):
    settings.NEWSROOM_TASK_RETRY_SECONDS = 10
    photo = pending_photo()

    with failing_storage():
        renditions.make_photo_renditions.call(photo.pk)

    [retry] = queued_tasks
    assert retry.task.func is renditions.make_photo_renditions.func
    assert retry.args == [photo.pk] and retry.kwargs == {"attempt": 2}
    assert retry.task.run_after - timezone.now() > timedelta(seconds=8)
    photo.refresh_from_db()
    assert renditions.pending(photo)  # pages keep the placeholder meanwhile

    renditions.make_photo_renditions.call(*retry.args, **retry.kwargs)  # the storage is back
    photo.refresh_from_db()
    assert not renditions.pending(photo)
    assert all(default_storage.exists(r.name) for r in renditions.all_renditions(photo))


def test_the_last_failure_is_the_tasks_for_staff_to_see(settings):
    settings.NEWSROOM_TASK_ATTEMPTS = 3
    photo = pending_photo()

    with failing_storage():
        result = renditions.make_photo_renditions.enqueue(photo.pk, attempt=3)

    assert result.status == TaskResultStatus.FAILED
    assert "No space left on device" in result.errors[0].traceback
    photo.refresh_from_db()
    assert renditions.pending(photo)


def test_a_photo_deleted_before_its_task_ran_is_no_error():
    photo = pending_photo()
    photo_id = photo.pk
    photo.delete()

    result = renditions.make_photo_renditions.enqueue(photo_id)

    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == []


def test_the_safety_net_makes_only_what_lost_tasks_left(queued_tasks):
    lost, done = pending_photo((700, 500)), make_photo((500, 700))
    moved = make_photo((600, 600))
    Photo.objects.filter(pk=moved.pk).update(focal_x=0.2)  # its crops' task was lost too
    out = io.StringIO()

    call_command("make_renditions", "--pending", stdout=out)

    moved.refresh_from_db()
    made = len(renditions.all_renditions(lost)) + len(renditions.all_renditions(moved))
    assert f"Made {made} renditions." in out.getvalue()
    assert not any(default_storage.exists(r.name) for r in renditions.all_renditions(done))
    assert not renditions.awaiting_renditions(Photo.objects.all()).exists()
    assert queued_tasks == []  # made in the command itself


def test_publish_scheduled_makes_the_renditions_a_lost_task_left_once_its_grace_is_over(queued_tasks):
    lost, fresh = pending_photo((700, 500)), pending_photo((500, 700))
    Photo.objects.filter(pk=lost.pk).update(created_at=timezone.now() - renditions.PENDING_GRACE * 2)
    out = io.StringIO()

    call_command("publish_scheduled", stdout=out)

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert not renditions.pending(lost)
    assert all(default_storage.exists(r.name) for r in renditions.all_renditions(lost))
    assert renditions.pending(fresh)  # its own task may still be at it
    assert "Renditions made for 1 photo(s)" in out.getvalue()


def test_publish_scheduled_reports_a_photo_it_cannot_make_and_tries_again_later(queued_tasks):
    lost = pending_photo()
    Photo.objects.filter(pk=lost.pk).update(created_at=timezone.now() - renditions.PENDING_GRACE * 2)
    err = io.StringIO()

    with failing_storage():
        call_command("publish_scheduled", stdout=io.StringIO(), stderr=err)

    assert "1 photo(s) still without renditions" in err.getvalue()
    assert renditions.awaiting_renditions(Photo.objects.filter(pk=lost.pk)).exists()


def test_the_safety_net_makes_a_batch_a_run_so_a_backlog_never_holds_up_publishing(queued_tasks):
    backlog = [pending_photo((400, 300)) for _ in range(3)]
    Photo.objects.update(created_at=timezone.now() - timedelta(hours=1))

    assert renditions.make_pending_renditions(limit=2) == (2, 0)
    assert renditions.awaiting_renditions(Photo.objects.all()).get() == backlog[2]
    assert renditions.make_pending_renditions(limit=2) == (1, 0)
