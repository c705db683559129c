"""
Media on S3-compatible object storage (ops/mediastorage.py), against a real S3 API server:
moto's standalone server (moto[server], from PyPI; requirements-dev.txt), started once per test
session in a process of its own on a free loopback port. Every test gets two new buckets, and
reads back over HTTP what an anonymous reader would get: originals refused, the served image and
its renditions public with a year's Cache-Control, pages linking to the media host.

How the settings choose the storages, and refuse a half configuration, is read in subprocesses
(as tests/test_settings.py does): settings are made once per process.
"""

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

import boto3
import lxml.html
import pytest
from django.core.management import call_command
from PIL import Image

from articles import photos, renditions
from articles.models import Photo
from ops import mediastorage
from tests.factories import EditorFactory, PhotoCreditFactory, PublishedArticleFactory, image_bytes, uploaded

ROOT = Path(__file__).resolve().parent.parent
# moto accepts any key: these only have to be there, so that boto3 signs its requests.
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """The address of a moto S3 server of this session's own, stopped when the session ends."""
    log = tmp_path_factory.mktemp("moto") / "server.log"
    port = free_loopback_port()
    endpoint = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto's S3 server did not start on {endpoint}:\n{log.read_text()[-2000:]}")
            try:
                # moto's own API answers only once the server is up (and only moto answers it).
                with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_client(s3_endpoint):
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name=CREDENTIALS["region_name"],
    )


def use_new_buckets(settings, endpoint, client, *, object_acls=True):
    """
    Media and originals in two new buckets, configured as settings.py configures them from the
    environment (ops.mediastorage), with MEDIA_URL the media bucket's own address on the server.
    """
    suffix = uuid.uuid4().hex[:12]
    media_bucket, originals_bucket = f"media-{suffix}", f"originals-{suffix}"
    for bucket in (media_bucket, originals_bucket):
        client.create_bucket(Bucket=bucket)
    media_url = f"{endpoint}/{media_bucket}/"
    settings.MEDIA_URL = media_url
    connection = {"endpoint_url": endpoint, "object_acls": object_acls, "options": CREDENTIALS}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": mediastorage.s3_media_storage(bucket=media_bucket, media_url=media_url, **connection),
        "originals": mediastorage.s3_originals_storage(bucket=originals_bucket, **connection),
    }
    return SimpleNamespace(
        endpoint=endpoint,
        client=client,
        media_bucket=media_bucket,
        originals_bucket=originals_bucket,
        media_url=media_url,
    )


@pytest.fixture
def s3(settings, s3_endpoint, s3_client):
    return use_new_buckets(settings, s3_endpoint, s3_client)


def keys(s3, bucket):
    listed = s3.client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def anonymous_get(url):
    """``(status, headers, body)`` of a plain GET, as a reader's browser (no credentials) makes it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def served_files(photo):
    """The photo's public files: its served image and every rendition."""
    return [photo.image.name, *(rendition.name for rendition in renditions.all_renditions(photo))]


def add_photo_in_admin(client, data, *, caption="Harbour at dawn"):
    client.force_login(EditorFactory())
    response = client.post(
        "/admin/articles/photo/add/",
        {
            "upload": uploaded(data, name="upload.jpg"),
            "credit": PhotoCreditFactory(name="Harbour Press").pk,
            "caption": caption,
            "alt_text": "Boats in the harbour",
            "focal_x": "0.3",
            "focal_y": "0.5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Photo.objects.get(caption=caption)


# --- an upload, end to end ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_in_the_admin_keeps_its_original_private_and_serves_its_renditions_for_a_year(
    client, s3, django_capture_on_commit_callbacks
):
    received = image_bytes(size=(1000, 600))

    with django_capture_on_commit_callbacks(execute=True):  # the renditions are made after commit
        photo = add_photo_in_admin(client, received)

    # The original: in the originals bucket alone, as received, refused to an anonymous reader.
    assert keys(s3, s3.originals_bucket) == [photo.original.name]
    kept = s3.client.get_object(Bucket=s3.originals_bucket, Key=photo.original.name)["Body"].read()
    assert kept == received
    status, _, _ = anonymous_get(f"{s3.endpoint}/{s3.originals_bucket}/{photo.original.name}")
    assert status == 403
    # The one way in is a signed address that expires (nothing on the site asks for one).
    signed = photo.original.url
    assert "X-Amz-Signature=" in signed and f"X-Amz-Expires={mediastorage.ORIGINALS_URL_SECONDS}" in signed
    assert anonymous_get(signed)[0] == 200

    # The served image and its renditions: in the media bucket, each kept with a year's caching.
    assert keys(s3, s3.media_bucket) == sorted(served_files(photo))
    assert len(served_files(photo)) > 10  # every width, crop and format was made
    for name in served_files(photo):
        head = s3.client.head_object(Bucket=s3.media_bucket, Key=name)
        assert head["CacheControl"] == mediastorage.MEDIA_CACHE_CONTROL, name
    # ...and public: what a browser gets at each rendition's address is that rendition.
    for rendition in renditions.all_renditions(photo):
        assert rendition.url.startswith(s3.media_url)
        status, headers, body = anonymous_get(rendition.url)
        assert status == 200, rendition.url
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Content-Type"] == rendition.mime_type
        assert Image.open(io.BytesIO(body)).size == (rendition.width, rendition.height)


@pytest.mark.django_db
def test_an_article_page_links_every_photo_at_the_media_host(client, s3, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lead = photos.photo_create(
            file=uploaded(image_bytes(size=(1400, 800))), credit="Agency", alt_text="Lead"
        )
        inline = photos.photo_create(
            file=uploaded(image_bytes(size=(700, 500))), credit="Agency", alt_text="In"
        )
    for photo in (lead, inline):
        photo.refresh_from_db()  # as their renditions' task left them
    # An inline image is kept by the body's sanitizer only when its address is in our media.
    body = f'<p>Before.</p><figure class="image"><img src="{inline.image.url}" alt="Inline"></figure>'
    article = PublishedArticleFactory(lead_photo=lead, body=body)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    addresses = page.xpath("//img/@src | //meta[@property='og:image']/@content")
    for srcset in page.xpath("//img/@srcset | //source/@srcset"):
        addresses += [candidate.split()[0] for candidate in srcset.split(",")]
    media = [address for address in addresses if "/renditions/" in address or "/photos/" in address]
    assert media and all(address.startswith(s3.media_url) for address in media), media
    shown = set(media)
    for photo in (lead, inline):
        assert {rendition.url for rendition in renditions.rendition_set(photo).renditions} <= shown
    # Each of them is there for a reader to fetch.
    assert {anonymous_get(address)[0] for address in shown} == {200}


@pytest.mark.django_db
def test_an_image_uploaded_in_the_editor_is_addressed_at_the_media_host(client, s3):
    client.force_login(EditorFactory())

    response = client.post("/ckeditor5/upload/", {"upload": uploaded(image_bytes(size=(300, 200)))})

    assert response.status_code == 200
    photo = Photo.objects.get()
    assert json.loads(response.content)["url"] == photo.image.url == f"{s3.media_url}{photo.image.name}"
    assert anonymous_get(photo.image.url)[0] == 200


@pytest.mark.django_db
def test_deleting_a_photo_deletes_its_objects_in_both_buckets(s3, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photos.photo_create(file=uploaded(image_bytes(size=(400, 300))), credit="Agency")
    assert keys(s3, s3.media_bucket) and keys(s3, s3.originals_bucket)

    with django_capture_on_commit_callbacks(execute=True):
        photos.photo_delete(photo=photo)

    assert keys(s3, s3.media_bucket) == [] and keys(s3, s3.originals_bucket) == []


@pytest.mark.django_db(transaction=True)  # pg_dump and pg_restore read committed rows
def test_a_backup_and_restore_put_the_buckets_back_private_and_cached_as_they_were(
    tmp_path, s3, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photos.photo_create(file=uploaded(image_bytes(size=(500, 300))), credit="Agency")
    media_before, originals_before = keys(s3, s3.media_bucket), keys(s3, s3.originals_bucket)
    archive = tmp_path / "newsroom.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    for bucket, names in [(s3.media_bucket, media_before), (s3.originals_bucket, originals_before)]:
        s3.client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": name} for name in names]})

    call_command("restore", str(archive), stdout=io.StringIO())

    assert (keys(s3, s3.media_bucket), keys(s3, s3.originals_bucket)) == (media_before, originals_before)
    restored = Photo.objects.get(pk=photo.pk)
    assert anonymous_get(f"{s3.endpoint}/{s3.originals_bucket}/{restored.original.name}")[0] == 403
    status, headers, _ = anonymous_get(restored.image.url)
    assert (status, headers["Cache-Control"]) == (200, mediastorage.MEDIA_CACHE_CONTROL)


@pytest.mark.django_db
def test_without_object_acls_the_buckets_policies_decide_who_reads(
    settings, s3_endpoint, s3_client, django_capture_on_commit_callbacks
):
    # Buckets with ACLs disabled (MEDIA_S3_OBJECT_ACLS=0): the media bucket's policy lets anyone
    # read, the originals bucket has none.
    s3 = use_new_buckets(settings, s3_endpoint, s3_client, object_acls=False)
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3.media_bucket}/*",
            }
        ],
    }
    s3_client.put_bucket_policy(Bucket=s3.media_bucket, Policy=json.dumps(public_read))

    with django_capture_on_commit_callbacks(execute=True):
        photo = photos.photo_create(file=uploaded(image_bytes(size=(400, 300))), credit="Agency")

    rendition = renditions.all_renditions(photo)[0]
    grants = s3_client.get_object_acl(Bucket=s3.media_bucket, Key=rendition.name)["Grants"]
    # The owner alone has a grant: readers get the rendition through the bucket policy, not an ACL.
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    status, headers, _ = anonymous_get(rendition.url)
    assert (status, headers["Cache-Control"]) == (200, mediastorage.MEDIA_CACHE_CONTROL)
    assert anonymous_get(f"{s3.endpoint}/{s3.originals_bucket}/{photo.original.name}")[0] == 403


# --- configuration from the environment ---------------------------------------------------------

S3_VARIABLES = (
    "MEDIA_URL",
    "MEDIA_S3_BUCKET",
    "ORIGINALS_S3_BUCKET",
    "MEDIA_S3_ENDPOINT_URL",
    "MEDIA_S3_ADDRESSING_STYLE",
    "MEDIA_S3_OBJECT_ACLS",
    "DJANGO_ENV",
    "SECRET_KEY",
    "DEBUG",
)


def settings_of(**environ):
    """``(stdout's JSON of STORAGES and MEDIA_URL, stderr, exit code)`` of settings made from ``environ``."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({'STORAGES': settings.STORAGES, 'MEDIA_URL': settings.MEDIA_URL}, default=str))"
    )
    env = {name: value for name, value in os.environ.items() if name not in S3_VARIABLES}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "newsroom.settings"}, **environ)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    values = json.loads(result.stdout.splitlines()[-1]) if result.returncode == 0 else None
    return values, result.stderr, result.returncode


def test_without_buckets_media_stay_on_the_file_system():
    values, stderr, _ = settings_of()

    assert values is not None, stderr
    backends = {alias: values["STORAGES"][alias]["BACKEND"] for alias in ("default", "originals")}
    assert set(backends.values()) == {"django.core.files.storage.FileSystemStorage"}
    assert values["MEDIA_URL"] == "/media/"  # Django adds the script prefix


def test_buckets_in_the_environment_put_media_and_originals_on_s3():
    values, stderr, _ = settings_of(
        MEDIA_S3_BUCKET="newsroom-media",
        ORIGINALS_S3_BUCKET="newsroom-originals",
        MEDIA_URL="https://media.example.com/",
        MEDIA_S3_ENDPOINT_URL="https://s3.example.net",
    )

    assert values is not None, stderr
    media, originals = values["STORAGES"]["default"], values["STORAGES"]["originals"]
    assert media["BACKEND"] == originals["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["bucket_name"] == "newsroom-media"
    assert (media["OPTIONS"]["url_protocol"], media["OPTIONS"]["custom_domain"]) == (
        "https:",
        "media.example.com",
    )
    assert media["OPTIONS"]["default_acl"] == "public-read" and media["OPTIONS"]["querystring_auth"] is False
    assert originals["OPTIONS"]["bucket_name"] == "newsroom-originals"
    assert (
        originals["OPTIONS"]["default_acl"] == "private" and originals["OPTIONS"]["querystring_auth"] is True
    )
    assert (
        media["OPTIONS"]["endpoint_url"] == originals["OPTIONS"]["endpoint_url"] == "https://s3.example.net"
    )


def test_buckets_with_acls_disabled_get_objects_without_acls():
    values, stderr, _ = settings_of(
        MEDIA_S3_BUCKET="m",
        ORIGINALS_S3_BUCKET="o",
        MEDIA_URL="https://cdn.example.com/",
        MEDIA_S3_OBJECT_ACLS="0",
    )

    assert values is not None, stderr
    assert values["STORAGES"]["default"]["OPTIONS"]["default_acl"] is None
    assert values["STORAGES"]["originals"]["OPTIONS"]["default_acl"] is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MEDIA_S3_BUCKET": "m", "ORIGINALS_S3_BUCKET": "o"}, "MEDIA_URL is not the absolute address"),
        (
            {"MEDIA_S3_BUCKET": "m", "ORIGINALS_S3_BUCKET": "m", "MEDIA_URL": "https://m.example.com/"},
            "of its own",
        ),
    ],
    ids=["no-media-host", "one-bucket-for-both"],
)
def test_a_media_configuration_that_would_break_pages_or_expose_originals_is_refused(environ, message):
    values, stderr, returncode = settings_of(**environ)

    assert returncode != 0 and values is None
    assert "ImproperlyConfigured: Media storage:" in stderr and message in stderr


def test_production_refuses_half_an_object_storage_configuration(tmp_path):
    production = {
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
        "ALLOWED_HOSTS": "news.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "EMAIL_URL": "smtp+tls://desk@smtp.example.com:587",
        "SITE_URL": "https://news.example.com",
    }

    half, stderr, _ = settings_of(**production, MEDIA_S3_BUCKET="m", MEDIA_URL="https://media.example.com/")
    whole, whole_stderr, _ = settings_of(
        **production, MEDIA_S3_BUCKET="m", ORIGINALS_S3_BUCKET="o", MEDIA_URL="https://media.example.com/"
    )

    assert half is None
    assert "refuses to start" in stderr
    assert "MEDIA_S3_BUCKET is set but ORIGINALS_S3_BUCKET is not" in stderr
    assert whole is not None, whole_stderr
