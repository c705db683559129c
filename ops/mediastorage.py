"""
Where media are kept: on this server's disk (the embedded default, ``MEDIA_ROOT`` and
``ORIGINALS_ROOT``), or in S3-compatible object storage through django-storages' ``S3Storage``
(AWS S3, MinIO, Ceph, R2...) when ``newsroom/settings.py`` finds the buckets in the environment.
Everything else reaches media through Django's storage API only, so the choice is made here.

Two storages, two buckets, because they are read by different people:

- ``default``, the media bucket: each photo's served image (no private metadata) and its
  renditions. Readers fetch them from ``MEDIA_URL``, the bucket's public address or a CDN in
  front of it, never through Django: objects are public (``public-read`` unless the bucket's
  own policy grants reading), addresses unsigned, and cached by browsers and CDNs for a year.
- ``originals``: the uploads as received, with the GPS and camera data the served copies lose.
  A bucket of its own, objects ``private``. The site never links to one (the admin does not
  show originals, they are kept for re-cropping); a URL asked for anyway is signed and expires.
"""

from urllib.parse import urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"

# Nothing in the media storage changes under its name: a photo's image is named by a UUID of its
# own (another picture is another photo), a rendition by that image, its crop with the focal
# point, its width and format (articles/renditions.py), so a new focal point gives new names.
# The one rewrite, `make_renditions --force` after new encoder settings, writes the same picture
# encoded anew, which a cached copy may go on showing. So a year, without revalidation.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
# A signed address for an original, should anything ask for one, is good for five minutes.
ORIGINALS_URL_SECONDS = 300


def s3_media_storage(
    *, bucket, media_url, endpoint_url=None, addressing_style=None, object_acls=True, options=None
):
    """
    The ``STORAGES["default"]`` entry for the media bucket: files addressed at ``media_url``
    (an absolute URL where the bucket's root is served), public, cached for a year.

    ``object_acls=False`` sends no ACL with each object: for buckets with ACLs disabled (S3's
    "bucket owner enforced", the default for new buckets), whose policy, or the CDN's access to
    them, makes the objects readable. ``options`` adds django-storages options (tests pass keys).
    """
    address = urlsplit(media_url)
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            **_connection(bucket, endpoint_url, addressing_style),
            "default_acl": "public-read" if object_acls else None,
            "querystring_auth": False,
            "object_parameters": {"CacheControl": MEDIA_CACHE_CONTROL},
            # django-storages builds "{url_protocol}//{custom_domain}/{name}": MEDIA_URL + name,
            # which articles/html.py's media_name() reads back from an article's inline images.
            "custom_domain": address.netloc + address.path.rstrip("/"),
            "url_protocol": f"{address.scheme}:",
            **(options or {}),
        },
    }


def s3_originals_storage(*, bucket, endpoint_url=None, addressing_style=None, object_acls=True, options=None):
    """The ``STORAGES["originals"]`` entry for the private originals bucket (see the module)."""
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            **_connection(bucket, endpoint_url, addressing_style),
            # With ACLs disabled the bucket is private by itself (keep its Block Public Access on).
            "default_acl": "private" if object_acls else None,
            "querystring_auth": True,
            "querystring_expire": ORIGINALS_URL_SECONDS,
            # Signed the current way (botocore would sign presigned addresses with the old SigV2,
            # which newer AWS regions and some S3-compatible servers refuse).
            "signature_version": "s3v4",
            **(options or {}),
        },
    }


def _connection(bucket, endpoint_url, addressing_style):
    # Credentials and region are boto3's own business (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    # AWS_DEFAULT_REGION, an instance role...): nothing here reads or keeps them. A server of
    # one's own (MinIO, moto) is seldom reachable as bucket.host, so it is addressed by path.
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "addressing_style": addressing_style or ("path" if endpoint_url else None),
    }


def configuration_problems(*, media_bucket, originals_bucket, media_url, production):
    """
    What is wrong with this media configuration, as sentences for the person deploying; empty
    when nothing is. Outside ``production`` the half configurations are allowed (a laptop may try
    one bucket), never those that would break pages or expose originals.
    """
    problems = []
    address = urlsplit(media_url or "")
    if media_bucket and not (address.scheme in ("http", "https") and address.netloc):
        problems.append(
            "MEDIA_S3_BUCKET is set but MEDIA_URL is not the absolute address readers fetch media "
            f"from ({media_url!r}): the bucket's public address or its CDN, e.g. https://media.example.com/"
        )
    if media_bucket and media_bucket == originals_bucket:
        problems.append(
            "ORIGINALS_S3_BUCKET must be a private bucket of its own, not the public media bucket "
            f"{media_bucket!r}: originals keep the GPS and camera data the served images lose"
        )
    if production and bool(media_bucket) != bool(originals_bucket):
        given, missing = (
            ("MEDIA_S3_BUCKET", "ORIGINALS_S3_BUCKET")
            if media_bucket
            else ("ORIGINALS_S3_BUCKET", "MEDIA_S3_BUCKET")
        )
        problems.append(
            f"{given} is set but {missing} is not: media and originals move to object storage "
            "together (the other would stay on one server's disk, unseen by the other servers)"
        )
    return problems
