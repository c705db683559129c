"""
Photo renditions: every photo at fixed widths, in WebP with a JPEG fallback, uncropped and cropped
to 16:9, 4:3 and 1:1 (to the box the desk chose for that ratio, or else around the focal point),
made once and kept in the public media storage.

README: we use django-imagekit (6.1) for the renditions rather than sorl-thumbnail or
easy-thumbnails, and rather than a module of our own. A rendition is an ImageKit *spec* (a class
with processors, an output format and encoder options); ImageKit and its pilkit processors do the
decoding, the colour-mode conversions (transparency onto white for JPEG, palette images), the
encoding and the saving through Django's storage API, so S3 or ``InMemoryStorage`` work as the
disk does. Its "optimistic" cache-file strategy is the model we need: files are made when the
photo is saved and then assumed to exist, so a page builds its ``srcset`` from names alone, with
no SQL query and no storage call per photo. sorl-thumbnail and easy-thumbnails both look every
thumbnail up in a key-value store or database table when a page asks for it (a query or cache hit
per image), and easy-thumbnails picks its output format per thumbnailer rather than per size, so a
WebP and a JPEG of one size need tricks. What we add is small: the focal-point crop processor
(pilkit's anchors align a crop with an edge rather than centring on a point), readable names that
include the focal point (a new focal point gives new addresses, so no cache serves an old crop),
and a cache lock so two workers never make the same files at once. A crop box the desk chose
(``Photo.crop_boxes``, set with Cropper.js in the admin) is in the names of its crop instead of
the focal point, so a new box gives new addresses too. (Checked with Django 6.1.3
and Pillow 13: ImageKit keeps no tables, so it adds no migration and no query.)

How it fits together:
- ``rendition_set(photo, crop=...)`` and ``social_image(photo)`` describe the renditions that
  exist from the photo's row alone (``image.name``, ``width``, ``height``, and the focal point
  and crop boxes they were made for, ``renditions_focal_x``/``_y`` and
  ``renditions_crop_boxes``): no query, no storage call, for templates.
  While a photo has none yet (``pending(photo)``) they answer ``None``: pages show a placeholder
  of the photo's size (articles/templatetags/photos.py); feeds and og:image name the served
  image, which exists from the upload on. After a focal-point or crop-box change the crops
  offered are those of the previous ones (their files are still there) until the new ones are
  made; a crop never made (4:3, for photos of before it existed) is ``None`` until then.
- ``make_renditions(photo)`` makes every rendition that is missing, then records on the row the
  focal point and crop boxes it made them for and, if that changed what pages may offer, refreshes the pages
  that show the photo (page-cache tags, after commit). It is idempotent and safe to call
  concurrently.
- An upload, a focal-point or a crop-box change calls ``make_renditions_later(photo)``: once the transaction
  commits, the ``make_photo_renditions`` task is enqueued (Django's tasks framework, through
  ``ops.tasks``), so the request answers without decoding the photo again; the task retries with
  backoff, and its last failure is a FAILED task staff see in the admin.
- A lost task (the queue unreachable when enqueueing, a worker down for good) leaves the photo
  pending, never broken: the row itself is the record of the work still to do, and
  ``manage.py publish_scheduled`` (the safety net, every minute) makes the renditions of every
  such photo a few minutes old (``make_pending_renditions``); ``make_renditions --pending``
  does all of them at once. A photo saved some other way
  (a data migration, a test factory) is pending too until that command runs, unless it says
  otherwise (migration 0013 marked the photos of before as made).
"""

import datetime
import hashlib
import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone
from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.utils import process_image
from PIL import Image

from articles import cachetags
from articles.models import CROP_RATIOS, Photo
from ops.tasks import enqueue_on_commit, retry_later

logger = logging.getLogger(__name__)

# The widths made of every photo (never wider than the photo itself; its own width, up to the
# largest of these, is always made too).
WIDTHS = (320, 640, 960, 1280, 1920)
# Aspect ratios of the crops, by the name templates use; "" keeps the photo's own.
CROPS = {"": None, **CROP_RATIOS}
# Output formats, best first: <picture> offers WebP and falls back on JPEG.
FORMATS = ("webp", "jpeg")
MIME_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
ENCODER_OPTIONS = {
    "webp": {"quality": 80, "method": 4},
    "jpeg": {"quality": 82, "optimize": True, "progressive": True},
}
# The image social networks show for a story (og:image): a 1200-wide 16:9 JPEG.
SOCIAL_CROP, SOCIAL_WIDTH, SOCIAL_FORMAT = "16x9", 1200, "jpeg"
# The width of the plain ``src`` for the rare browser that reads no srcset.
FALLBACK_WIDTH = 960

# The formats a served photo can be in (articles/validators.py; a phone's MPO comes out of the
# JPEG parser): no other Pillow parser reads it.
SOURCE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

# A lock older than this is taken to belong to a worker that died.
LOCK_TIMEOUT = 300
LOCK_POLL_INTERVAL = 0.1
# How long a task waits for another worker making the same photo's files before retrying later
# (with backoff) rather than holding a worker.
TASK_LOCK_WAIT = 30


class RenditionsBusy(Exception):
    """Another worker held the photo's lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class Rendition:
    """One file made from a photo: where it is kept and what it is. Computed, never looked up."""

    storage: object
    source_name: str
    crop: str
    width: int
    height: int
    format: str
    focal: tuple  # (x, y) in thousandths; only in the names of crops cut around it
    box: tuple | None = None  # (left, top, width, height): the crop's chosen box, if any

    @cached_property
    def name(self):
        source = PurePosixPath(self.source_name)
        label = f"{self.width}w"
        if self.crop and self.box:
            label = f"{self.crop}-box-{'-'.join(str(n) for n in self.box)}-{label}"
        elif self.crop:
            focal_x, focal_y = self.focal
            label = f"{self.crop}-{focal_x:03d}-{focal_y:03d}-{label}"
        return str(source.parent / "renditions" / source.name / f"{label}.{EXTENSIONS[self.format]}")

    @property
    def url(self):
        return self.storage.url(self.name)

    @property
    def mime_type(self):
        return MIME_TYPES[self.format]


@dataclass(frozen=True)
class RenditionSet:
    """The renditions of one photo at one aspect: what a ``<picture>`` element needs."""

    renditions: tuple

    def of_format(self, fmt):
        return [rendition for rendition in self.renditions if rendition.format == fmt]

    def up_to(self, width):
        """The renditions no wider than ``width`` (the narrowest, at least), for a small slot."""
        narrowest = min(rendition.width for rendition in self.renditions)
        limit = max(width, narrowest)
        return RenditionSet(tuple(rendition for rendition in self.renditions if rendition.width <= limit))

    def srcset(self, fmt):
        return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in self.of_format(fmt))

    @property
    def sources(self):
        """``[(mime type, srcset)]`` for the ``<source>`` elements: every format but the fallback."""
        return [(MIME_TYPES[fmt], self.srcset(fmt)) for fmt in FORMATS[:-1]]

    @property
    def fallback(self):
        """The JPEG the ``<img>`` element names in ``src``; its size goes in width and height."""
        jpegs = self.of_format(FORMATS[-1])
        fitting = [rendition for rendition in jpegs if rendition.width <= FALLBACK_WIDTH]
        return fitting[-1] if fitting else jpegs[0]


def focal_point(photo):
    """The photo's focal point in thousandths of its width and height (as used in names)."""
    return _thousandths(photo.focal_x, photo.focal_y)


def made_focal_point(photo):
    """The focal point the photo's existing renditions were made for (thousandths), or ``None``."""
    if photo.renditions_focal_x is None or photo.renditions_focal_y is None:
        return None
    return _thousandths(photo.renditions_focal_x, photo.renditions_focal_y)


def crop_boxes(photo):
    """The crop box chosen for each crop of ``photo`` (``None``: around the focal point)."""
    chosen = photo.crop_boxes if isinstance(photo.crop_boxes, dict) else {}
    return {name: _box(chosen.get(name)) for name in CROP_RATIOS}


def made_crop_boxes(photo):
    """
    The crops whose renditions are made, with the box each was cut to (``None``: around the
    focal point made_focal_point gives): a crop missing has no files yet.
    """
    made = photo.renditions_crop_boxes if isinstance(photo.renditions_crop_boxes, dict) else {}
    return {name: _box(box) for name, box in made.items() if name in CROP_RATIOS}


def _box(box):
    return tuple(box) if box else None


def _thousandths(x, y):
    return (round(x * 1000), round(y * 1000))


def crop_size(width, height, ratio):
    """The largest ``ratio`` (w, h) box inside a ``width`` x ``height`` image."""
    if ratio is None:
        return width, height
    ratio_w, ratio_h = ratio
    if width * ratio_h > height * ratio_w:
        return max(1, round(height * ratio_w / ratio_h)), height
    return width, max(1, round(width * ratio_h / ratio_w))


def box_size(photo, crop, box):
    """``(width, height)`` of the ``crop`` of ``photo``: its chosen ``box``, or the largest there is."""
    if crop and box:
        return box[2], box[3]
    return crop_size(photo.width, photo.height, CROPS[crop])


def crop_box(size, ratio, focal):
    """
    The ``ratio`` box cut from an image of ``size``, centred on ``focal`` (fractions of width and
    height) as far as the edges allow: the focal point is always inside it.
    """
    width, height = size
    box_w, box_h = crop_size(width, height, ratio)
    left = min(max(round(focal[0] * width - box_w / 2), 0), width - box_w)
    top = min(max(round(focal[1] * height - box_h / 2), 0), height - box_h)
    return (left, top, left + box_w, top + box_h)


def widths_for(available):
    """The widths made from an image ``available`` pixels wide: never wider than it."""
    largest = min(available, max(WIDTHS))
    return sorted({width for width in WIDTHS if width < largest} | {largest})


def _has_size(photo):
    return bool(photo.image and photo.image.name and photo.width and photo.height)


def pending(photo):
    """Whether ``photo`` will have renditions but has none yet (its task has not run)."""
    return _has_size(photo) and made_focal_point(photo) is None


def _effective_crop(photo, crop, box):
    """A crop that would keep the whole photo is no crop: its files are the uncropped ones."""
    if crop and box_size(photo, crop, box) == (photo.width, photo.height):
        return ""
    return crop


def rendition_set(photo, *, crop=""):
    """
    The renditions of ``photo`` at aspect ``crop`` ("", "16x9", "4x3" or "1x1"), every width and
    format.

    Built from the row alone: no query, no storage call. ``None`` when the photo's size is not
    known (a row without an image: templates then show ``photo.image`` as it is), while its
    renditions are not made yet (``pending``: templates show a placeholder of its size), or when
    this crop's are not (4:3 of a photo of before it existed, until the safety net made them).
    """
    if crop not in CROPS:
        raise ValueError(f"Unknown crop {crop!r}: one of {sorted(CROPS)}.")
    focal = made_focal_point(photo)
    if not _has_size(photo) or focal is None:
        return None
    boxes = made_crop_boxes(photo)
    if crop and crop not in boxes:
        return None
    return _rendition_set(photo, crop, focal, boxes.get(crop))


def _rendition_set(photo, crop, focal, box):
    crop = _effective_crop(photo, crop, box)
    box = box if crop else None
    box_w, _ = box_size(photo, crop, box)
    return RenditionSet(
        tuple(
            _rendition(photo, crop, width, fmt, focal, box) for fmt in FORMATS for width in widths_for(box_w)
        )
    )


def placeholder_size(photo, *, crop="", max_width=None):
    """
    ``(width, height)`` of the ``<img>`` that ``rendition_set(photo, crop=crop)`` will give
    (``up_to(max_width)``), computed while the photo is pending: the placeholder shown until
    then takes the very space of the photo, so nothing moves when the renditions arrive.
    """
    future = _rendition_set(photo, crop, focal_point(photo), crop_boxes(photo).get(crop))
    if max_width:
        future = future.up_to(max_width)
    return future.fallback.width, future.fallback.height


def largest(photo, *, fmt):
    """
    The widest uncropped rendition of ``photo`` in ``fmt`` (the last of
    ``rendition_set(photo).of_format(fmt)``), computed alone: a sitemap names one per story.
    ``None`` when unsized or pending, as ``rendition_set``.
    """
    focal = made_focal_point(photo)
    if not _has_size(photo) or focal is None:
        return None
    return _rendition(photo, "", widths_for(photo.width)[-1], fmt, focal, None)


def social_image(photo):
    """
    The og:image of a story: a 16:9 JPEG 1200 wide (narrower only if the photo is). ``None``
    when unsized or pending, as ``rendition_set``: callers then name the served image.
    """
    focal = made_focal_point(photo)
    if not _has_size(photo) or focal is None:
        return None
    return _social_image(photo, focal, made_crop_boxes(photo).get(SOCIAL_CROP))


def _social_image(photo, focal, box):
    crop = _effective_crop(photo, SOCIAL_CROP, box)
    box = box if crop else None
    box_w, _ = box_size(photo, crop, box)
    return _rendition(photo, crop, min(SOCIAL_WIDTH, box_w), SOCIAL_FORMAT, focal, box)


def _rendition(photo, crop, width, fmt, focal, box):
    """
    The rendition of ``photo`` at (effective) ``crop``, cut to ``box`` (or around ``focal`` if
    none), ``width`` pixels wide, in ``fmt``.
    """
    box_w, box_h = box_size(photo, crop, box)
    return Rendition(
        storage=photo.image.storage,
        source_name=photo.image.name,
        crop=crop,
        width=width,
        height=max(1, round(width * box_h / box_w)),
        format=fmt,
        focal=focal,
        box=box if crop else None,
    )


def all_renditions(photo):
    """
    Every rendition ``make_renditions`` makes of ``photo`` (to its current crop boxes, around its
    current focal point), without duplicates (none if unsized).
    """
    if not _has_size(photo):
        return []
    focal, boxes = focal_point(photo), crop_boxes(photo)
    renditions = {}
    for crop in CROPS:
        for rendition in _rendition_set(photo, crop, focal, boxes.get(crop)).renditions:
            renditions[rendition.name] = rendition
    social = _social_image(photo, focal, boxes[SOCIAL_CROP])
    renditions[social.name] = social
    return list(renditions.values())


# --- Making the files -------------------------------------------------------------------------


class FocalPointCrop:
    """A pilkit processor: cut the largest ``ratio`` box centred on the focal point."""

    def __init__(self, ratio, focal):
        self.ratio = ratio
        self.focal = focal

    def process(self, image):
        return image.crop(crop_box(image.size, self.ratio, self.focal))


class BoxCrop:
    """
    A pilkit processor: cut ``box`` (left, top, width, height in pixels of a ``source_width``
    wide photo) from the image, which may be decoded at a reduced scale.
    """

    def __init__(self, box, source_width):
        self.box = box
        self.source_width = source_width

    def process(self, image):
        scale = image.size[0] / self.source_width
        left, top, width, height = (n * scale for n in self.box)
        return image.crop(
            (
                round(left),
                round(top),
                min(round(left + width), image.size[0]),
                min(round(top + height), image.size[1]),
            )
        )


class ResizeExact:
    """A pilkit processor: resize to exactly ``size`` (the aspect is already right)."""

    def __init__(self, size):
        self.size = size

    def process(self, image):
        if image.size == self.size:
            return image
        return image.resize(self.size, Image.Resampling.LANCZOS, reducing_gap=3.0)


class RenditionSpec(ImageSpec):
    """
    The ImageKit spec of one rendition. The name is ours (``Rendition.name``), and the source
    can be handed over already decoded so that a photo is read once for all its renditions.
    """

    cachefile_strategy = "imagekit.cachefiles.strategies.Optimistic"
    autoconvert = True

    def __init__(self, source, *, rendition, source_width, decoded=None):
        super().__init__(source)
        self.rendition = rendition
        self.decoded = decoded
        self.format = rendition.format.upper()
        self.options = ENCODER_OPTIONS[rendition.format]
        ratio = CROPS[rendition.crop]
        focal = (rendition.focal[0] / 1000, rendition.focal[1] / 1000)
        if rendition.box:
            crop = [BoxCrop(rendition.box, source_width)]
        else:
            crop = [FocalPointCrop(ratio, focal)] if ratio else []
        self.processors = [
            *crop,
            ResizeExact((rendition.width, rendition.height)),
        ]

    @property
    def cachefile_name(self):
        return self.rendition.name

    def generate(self):
        if self.decoded is None:
            return super().generate()
        options = dict(self.options)
        if icc_profile := self.decoded.info.get("icc_profile"):
            options["icc_profile"] = icc_profile
        return process_image(
            self.decoded,
            processors=self.processors,
            format=self.format,
            autoconvert=self.autoconvert,
            options=options,
        )


class StorageBackend:
    """
    An ImageKit cache-file backend that asks the storage itself whether a file exists (no state
    kept in the cache to go stale). Duplicate work is prevented by ``make_renditions``'s lock.
    """

    def exists(self, file):
        return file.storage.exists(file.name)

    def generate(self, file, force=False):
        if self.exists(file):
            if not force:
                return
            file.storage.delete(file.name)
        file._generate()
        file.close()


_backend = StorageBackend()


def _decode(photo, *, largest):
    """The photo's image, decoded once (JPEGs at a reduced scale when that is plenty)."""
    with photo.image.storage.open(photo.image.name, "rb") as file:
        image = Image.open(file, formats=SOURCE_FORMATS)
        # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale: never smaller than what is needed.
        image.draft("RGB", largest)
        image.load()
    if image.mode not in ("RGB", "RGBA"):
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    return image


def _needed_size(photo, renditions):
    """The smallest decoded size from which every rendition can be cut at full quality."""
    scale = max(
        rendition.width / box_size(photo, rendition.crop, rendition.box)[0] for rendition in renditions
    )
    return (round(photo.width * scale), round(photo.height * scale))


def _lock_key(photo):
    digest = hashlib.sha256(photo.image.name.encode()).hexdigest()[:32]
    return f"renditions:lock:{digest}"


@contextmanager
def _generation_lock(photo, *, wait):
    """
    Hold the photo's lock while its renditions are made: ``cache.add`` is atomic (in Redis across
    every worker), so one worker makes the files while the others wait and then find them made.
    """
    key, token = _lock_key(photo), uuid.uuid4().hex
    deadline = time.monotonic() + wait
    held = cache.add(key, token, LOCK_TIMEOUT)
    while not held:
        if cache.get(key) is None:
            # Refused, yet nobody holds it: the cache is unavailable (a Redis outage answers like
            # an empty cache, ops/rediscache.py). Make the files without the lock rather than
            # wait out ``wait``: at worst two workers make the same files, never none.
            logger.warning("Renditions of %s made unlocked: the cache is unavailable.", photo.image.name)
            break
        if time.monotonic() >= deadline:
            raise RenditionsBusy(f"The renditions of {photo.image.name} are being made by another worker.")
        time.sleep(LOCK_POLL_INTERVAL)
        held = cache.add(key, token, LOCK_TIMEOUT)
    try:
        yield
    finally:
        if held and cache.get(key) == token:
            cache.delete(key)


def make_renditions(photo, *, force=False, wait=LOCK_TIMEOUT):
    """
    Make every rendition of ``photo`` that is not in storage yet; return the names written.
    Then record that they exist (``_record_made``), so that pages offer them.

    Idempotent: a second call finds every file and writes nothing. Concurrent calls for the
    same photo queue on a lock, and the later ones find the files made (after ``wait`` seconds
    they give up with ``RenditionsBusy``). ``force`` makes every file again, e.g. after the
    encoder settings changed.
    """
    if not _has_size(photo):
        return []
    # What the files below are cut around or to.
    focal, boxes = (photo.focal_x, photo.focal_y), _as_stored(crop_boxes(photo))
    renditions = all_renditions(photo)
    storage = photo.image.storage
    with _generation_lock(photo, wait=wait):
        missing = [rendition for rendition in renditions if force or not storage.exists(rendition.name)]
        if missing:
            decoded = _decode(photo, largest=_needed_size(photo, missing))
            for rendition in missing:
                spec = RenditionSpec(
                    photo.image, rendition=rendition, source_width=photo.width, decoded=decoded
                )
                ImageCacheFile(spec, storage=storage, cachefile_backend=_backend).generate(force=force)
    _record_made(photo, focal, boxes)
    written = [rendition.name for rendition in missing]
    if written:
        logger.info("Made %d renditions of %s.", len(written), photo.image.name)
    return written


def _as_stored(boxes):
    """Crop boxes as ``Photo.crop_boxes`` holds them: every ratio, in order, a list or None."""
    return {name: list(box) if box else None for name, box in boxes.items()}


def _record_made(photo, focal, boxes):
    """
    Record on ``photo``'s row that its renditions around ``focal`` and to ``boxes`` exist and, if
    pages offered other files until now (none, or the crops of an older focal point or box),
    refresh the pages that show the photo once this commits, so that readers get them.
    """
    photo.renditions_focal_x, photo.renditions_focal_y = focal
    photo.renditions_crop_boxes = boxes
    if photo.pk is None:
        return
    with transaction.atomic():
        changed = (
            Photo.objects.filter(pk=photo.pk)
            .exclude(renditions_focal_x=focal[0], renditions_focal_y=focal[1], renditions_crop_boxes=boxes)
            .update(renditions_focal_x=focal[0], renditions_focal_y=focal[1], renditions_crop_boxes=boxes)
        )
        if changed:
            # Imported here: the photo service imports this module for the files it deletes.
            from articles.photos import photo_usage

            cachetags.photo_shown_differently(articles=[use.article for use in photo_usage(photo)])


def awaiting_renditions(photos):
    """
    The photos of queryset ``photos`` whose renditions around their current focal point and to
    their current crop boxes are not recorded as made: new ones whose task has not run (or was
    lost), new focal points, new crop boxes, and the 4:3 crop of photos of before it existed.
    (The two JSON fields compare as written: both hold every ratio in ``CROP_RATIOS``'s order.)
    """
    return photos.filter(
        Q(renditions_focal_x__isnull=True)
        | Q(renditions_focal_y__isnull=True)
        | ~Q(renditions_focal_x=F("focal_x"))
        | ~Q(renditions_focal_y=F("focal_y"))
        | ~Q(renditions_crop_boxes=F("crop_boxes"))
    )


# A new photo's task has this long to make its renditions before the safety net does.
PENDING_GRACE = datetime.timedelta(minutes=5)
# The most photos the safety net makes in one run, so that a backlog (the 4:3 crop of a whole
# library after migration 0014) never holds up the minute's publishing; the rest wait for the
# next run, or for ``make_renditions --pending``.
PENDING_BATCH = 50


def make_pending_renditions(*, now=None, limit=PENDING_BATCH):
    """
    The safety net (``manage.py publish_scheduled``, every minute): make the renditions of the
    photos still awaiting them (``awaiting_renditions``) whose task was lost or gave up: uploaded
    more than ``PENDING_GRACE`` ago, or given a new focal point. A photo another worker is making
    is left to it. Returns ``(made, failed)``: photos done, and photos whose files could not be
    made, each logged with its error (it is tried again on the next run).
    """
    cutoff = (now or timezone.now()) - PENDING_GRACE
    made = failed = 0
    awaiting = awaiting_renditions(Photo.objects.filter(created_at__lte=cutoff)).order_by("pk")[:limit]
    for photo in awaiting.iterator():
        try:
            make_renditions(photo, wait=0)
        except RenditionsBusy:
            continue
        except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
            failed += 1
            logger.error(
                "Renditions of photo %s still not made: %s: %s", photo.pk, type(error).__name__, error
            )
            continue
        made += 1
    return made, failed


def make_renditions_later(photo):
    """
    Have ``photo``'s renditions made by the ``make_photo_renditions`` task, enqueued once the
    current transaction commits. Enqueueing never fails the caller: a task that cannot be
    enqueued leaves the photo pending (a placeholder on pages) for ``make_renditions --pending``.
    """
    enqueue_on_commit(make_photo_renditions, photo.pk)


@task
def make_photo_renditions(photo_id, attempt=1):
    """
    The task: make the renditions of photo ``photo_id`` (see ``make_renditions``) and return the
    names written. A failure (storage unavailable, another worker holding the photo's lock too
    long) is retried with backoff (``ops.tasks.retry_later``); the last attempt's failure is the
    task's, FAILED with its traceback for staff to see, and the photo stays pending.
    """
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return []  # deleted before its renditions were made: nothing to do
    try:
        return make_renditions(photo, wait=TASK_LOCK_WAIT)
    except Exception as error:  # noqa: BLE001 - whatever failed is retried, then shown as FAILED
        retry_later(make_photo_renditions, photo_id, attempt=attempt, error=error)
        return []


def stale_renditions(photo):
    """Files in the photo's renditions folder that it no longer uses (crops of an old focal point)."""
    if not _has_size(photo):
        return []
    storage = photo.image.storage
    current = {rendition.name for rendition in all_renditions(photo)}
    folder = str(PurePosixPath(next(iter(current))).parent)
    try:
        _, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return []
    return sorted(name for name in (f"{folder}/{file}" for file in files) if name not in current)
