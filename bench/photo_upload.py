"""
How long the admin's add-photo POST takes for a 12-megapixel JPEG (issue 15): bench/RESULTS.md,
"Photo upload, issue 15".

    DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/photo_upload.py [--runs 7]

Runs Django's test client in this process against DATABASE_URL (migrated; its photos are
deleted again) with media in a temporary folder, twice: with TASKS_BACKEND=immediate, the
renditions are made inside the request once the photo commits (what every upload did before the
task), and with the database queue, the request only enqueues their task (no worker runs: the
queued tasks are deleted afterwards). The picture is 4000 × 3000 noise over gradients, so it
compresses like a photograph (2.4 MB), with EXIF. Prints each run and the median, in seconds.
"""

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def twelve_megapixel_jpeg(size=(4000, 3000)):
    from PIL import Image, ImageChops, ImageFilter

    channels = []
    for sigma, angle in ((60, 0), (50, 40), (70, 90)):
        noise = Image.effect_noise(size, sigma).filter(ImageFilter.GaussianBlur(1.2))
        gradient = Image.linear_gradient("L").resize(size).rotate(angle)
        channels.append(ImageChops.add(noise, gradient, scale=2.0))
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation: upright
    exif[0x010F] = "Camera maker"
    buffer = io.BytesIO()
    Image.merge("RGB", channels).save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def time_uploads(client, data, credit, runs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    timings = []
    for _ in range(runs):
        form = {
            "upload": SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg"),
            "credit": credit.pk,
            "caption": "Benchmark",
            "alt_text": "Noise over gradients",
            "focal_x": "0.5",
            "focal_y": "0.5",
        }
        started = time.perf_counter()
        response = client.post("/admin/articles/photo/add/", form)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 302, response.content[:2000]
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    media = tempfile.TemporaryDirectory(prefix="photo-upload-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ["MEDIA_ROOT"] = f"{media.name}/media"
    os.environ["ORIGINALS_ROOT"] = f"{media.name}/originals"

    import django

    django.setup()
    logging.disable(logging.INFO)  # the tasks' and renditions' own lines
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from articles import photos
    from articles.models import Photo, PhotoCredit

    setup_test_environment()  # the test client, with ALLOWED_HOSTS as it needs
    data = twelve_megapixel_jpeg()
    user, _ = get_user_model().objects.get_or_create(
        username="photo-upload-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    credit, _ = PhotoCredit.objects.get_or_create(name="Photo upload bench")
    client = Client()
    client.force_login(user)
    backends = {
        "renditions in the request (immediate backend)": "django.tasks.backends.immediate.ImmediateBackend",
        "renditions by a task (database queue)": "django_tasks_db.DatabaseBackend",
    }
    print(f"{len(data):,} bytes, 4000 × 3000, {args.runs} runs each (the first warms up and is left out)")
    try:
        for label, backend in backends.items():
            with override_settings(TASKS={"default": {"BACKEND": backend, "QUEUES": ["default"]}}):
                timings = time_uploads(client, data, credit, args.runs + 1)[1:]
            runs = " ".join(f"{seconds:.2f}" for seconds in timings)
            print(f"{label}: median {statistics.median(timings):.2f} s ({runs})")
    finally:
        for photo in Photo.objects.filter(credit=credit):
            photos.photo_delete(photo=photo)
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(task_path="articles.renditions.make_photo_renditions").delete()
        media.cleanup()


if __name__ == "__main__":
    main()
