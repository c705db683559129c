"""
The photo library's service: how a photo comes in, where it is used, and how it goes.

Coming in (``photo_create``), every upload, from the admin or from inside the editor:
1. is judged by its content (``articles.validators.inspect_image``): size, format, pixel count,
   all from headers, before a pixel is decoded;
2. is decoded and re-encoded (``prepare_image``): the EXIF orientation is applied to the pixels
   and nothing else of the file survives (no EXIF, GPS, camera, XMP, comments; colours are
   converted to sRGB and the profile dropped), animations keep their frames;
3. is stored through Django's storage API only, under generated names: the served image in the
   default (public) storage, the file as received in the private "originals" storage, for
   re-cropping. The uploader's file name is never used.
The row and both files are made together: if anything fails the files already written are
deleted, so a refused or failed upload leaves nothing behind. Renditions are made by a task
enqueued after commit: decoding and re-encoding the upload once is all the request does with
its pixels (0.3 s for 12 megapixels), the thirty-odd renditions take seconds.

Where a photo is used: as an article's lead photo (a foreign key) or inline in its text (an
``<img>`` whose ``src`` is the photo's image in our media). Inline use is read from the text
when needed (``photo_names_in_body``) rather than stored, so it can never drift from the text.
"""

import contextlib
import io
import itertools
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError, Q
from PIL import Image, ImageCms, ImageOps, ImageSequence

from articles import renditions, validators
from articles.html import media_name
from articles.models import Article, InlinePhotoUse, Photo, PhotoCredit

# How the served image is encoded, by format: close to the original's quality (renditions, made
# from it, are what pages mostly show).
_ENCODER_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True, "progressive": True},
    "PNG": {},
    "WEBP": {"quality": 90, "method": 4},
    "GIF": {},
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class PreparedImage:
    """An upload that passed every check, with its served version made (nothing stored yet)."""

    info: validators.ImageInfo
    content: bytes  # the served image: upright, sRGB, without metadata
    width: int
    height: int
    source: object  # the uploaded file, kept as it came for the originals storage

    @property
    def extension(self):
        return self.info.extension


# --- coming in ----------------------------------------------------------------------------------


def prepare_image(file):
    """
    Check ``file`` (an uploaded ``File``) and make its served version, or raise
    ``ValidationError`` with the reason it is refused. Stores nothing: a form can call this in
    its validation and hand the result to ``photo_create``.
    """
    info = validators.inspect_image(file)
    try:
        frames, durations, loop = _decode(file, info)
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 - a decoder fed hostile bytes may raise anything
        if "truncated" in str(error):
            raise validators.truncated_error() from None
        raise validators.corrupt_error() from None
    finally:
        file.seek(0)
    content = _encode(frames, info, durations, loop)
    width, height = frames[0].size
    return PreparedImage(info=info, content=content, width=width, height=height, source=file)


def _decode(file, info):
    """The frames to serve, upright and stripped of everything but pixels (and transparency)."""
    file.seek(0)
    with Image.open(file, formats=validators.IMAGE_PARSERS) as image:
        loop = image.info.get("loop")
        frames, durations = [], []
        for frame in itertools.islice(ImageSequence.Iterator(image), info.frames):
            durations.append(frame.info.get("duration", 100))
            pixels = frame.copy()  # decodes: a truncated file fails here
            # Pillow's own reading of the orientation (EXIF, or XMP where a camera put it there);
            # the metadata that names it goes in _only_pixels with everything else.
            ImageOps.exif_transpose(pixels, in_place=True)
            frames.append(_only_pixels(pixels, frame.info, info.format))
    return frames, durations, loop


def _only_pixels(image, source_info, image_format):
    """``image`` in sRGB with no metadata at all, in a mode its format can store."""
    icc_profile = source_info.get("icc_profile")
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        # An unreadable profile leaves the pixels as they are.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError, TypeError):
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)),
                _SRGB,
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    transparency = source_info.get("transparency")
    image.info = {} if transparency is None else {"transparency": transparency}
    return image


def _encode(frames, info, durations, loop):
    options = dict(_ENCODER_OPTIONS[info.format])
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=durations)
        if loop is not None:
            options["loop"] = loop
    buffer = io.BytesIO()
    frames[0].save(buffer, format=info.format, **options)
    return buffer.getvalue()


def _credit(credit):
    if isinstance(credit, PhotoCredit):
        return credit
    name = (credit or "").strip()
    if not name:
        raise ValidationError({"credit": "A photo cannot be saved without a credit."}, code="no_credit")
    credit, _ = PhotoCredit.objects.get_or_create(name=name)
    return credit


def _store(field_name, content, extension):
    """Save ``content`` through the field's storage under a generated name; return (storage, name)."""
    field = Photo._meta.get_field(field_name)
    name = field.generate_filename(None, f"{uuid.uuid4().hex}.{extension}")
    return field.storage, field.storage.save(name, content, max_length=field.max_length)


def photo_create(*, file, credit, caption="", alt_text="", user=None, focal_x=0.5, focal_y=0.5):
    """
    Add a photo to the library and return it.

    ``file`` is an uploaded ``File`` or the ``PreparedImage`` made of one; ``credit`` a
    ``PhotoCredit`` or a credit's name (required). Raises ``ValidationError`` when the upload is
    refused or a field is invalid; nothing is then left in storage or in the database. (Called
    inside a larger transaction that later rolls back, the files would stay: Django has no
    rollback hook. The admin and the editor's upload view commit right after.)
    """
    prepared = file if isinstance(file, PreparedImage) else prepare_image(file)
    written = []
    try:
        with transaction.atomic():
            photo = Photo(
                credit=_credit(credit),
                caption=caption,
                alt_text=alt_text,
                focal_x=focal_x,
                focal_y=focal_y,
                uploaded_by=user,
                width=prepared.width,
                height=prepared.height,
            )
            photo.full_clean(exclude=["image", "original"])
            written.append(_store("image", ContentFile(prepared.content), prepared.extension))
            prepared.source.seek(0)
            written.append(_store("original", prepared.source, prepared.extension))
            photo.image.name, photo.original.name = written[0][1], written[1][1]
            photo.save()
            # Made by a task once this commits: the upload answers without them (pages show a
            # placeholder of the photo's size until they exist, articles/renditions.py).
            renditions.make_renditions_later(photo)
    except BaseException:
        _delete_files(written)
        raise
    return photo


def _delete_files(files):
    for storage, name in files:
        if name:
            storage.delete(name)


# --- where a photo is used ----------------------------------------------------------------------


class _BodyImages(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attributes = dict(attrs)
            self.images.append((attributes.get("src") or "", attributes.get("alt") or ""))


def body_images(html):
    """``[(storage name, alt text)]`` of each image of our media in an article's text, in order."""
    if not html or "<img" not in html.lower():
        return []
    parser = _BodyImages()
    parser.feed(html)
    parser.close()
    images = ((media_name(source), alt) for source, alt in parser.images)
    return [(name, alt) for name, alt in images if name]


def photo_names_in_body(html):
    """Storage names of the images of our media in an article's text, in order, once each."""
    return list(dict.fromkeys(name for name, _ in body_images(html)))


def photos_in_body(html):
    """The library photos shown inline in ``html``, in the order they appear."""
    names = photo_names_in_body(html)
    if not names:
        return []
    found = {photo.image.name: photo for photo in Photo.objects.filter(image__in=names)}
    return [found[name] for name in names if name in found]


@dataclass
class PhotoUse:
    """One article using a photo: as its lead photo, in its text, or both."""

    article: Article
    as_lead: bool = False
    inline: bool = False

    @property
    def approved(self):
        """Readers see the story, or will once its embargo passes."""
        return self.article.status in Article.Status.approved()

    @property
    def blocks_deletion(self):
        # A lead photo is protected by the database for every article; an inline image only
        # while the story is (or is about to be) in front of readers.
        return self.as_lead or (self.inline and self.approved)

    @property
    def where(self):
        return " and ".join(
            label for label, used in [("lead photo", self.as_lead), ("in the text", self.inline)] if used
        )


def record_inline_photos(article):
    """Rewrite which library photos ``article``'s text shows (``InlinePhotoUse``)."""
    shown = photos_in_body(article.body)
    InlinePhotoUse.objects.filter(article=article).exclude(photo__in=shown).delete()
    InlinePhotoUse.objects.bulk_create(
        [InlinePhotoUse(article=article, photo=photo) for photo in shown], ignore_conflicts=True
    )


def article_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    # Workflow steps (status, times, version) do not write the text; a new story's text with no
    # image has nothing to record and nothing to remove.
    if raw or (update_fields is not None and "body" not in update_fields):
        return
    if created and "<img" not in (instance.body or "").lower():
        return
    record_inline_photos(instance)


def connect_signals():
    """Keep ``InlinePhotoUse`` following every save of a story's text (``ArticlesConfig.ready``)."""
    from django.db.models.signals import post_save

    post_save.connect(article_saved, sender=Article, dispatch_uid="articles.photos.article_saved")


def photo_usages(photos):
    """
    ``{photo pk: [PhotoUse, ...]}`` for ``photos``, newest article first, in two queries
    whatever their number (the library list shows a page of them).
    """
    photos = [photo for photo in photos if photo.pk]
    usages = {photo.pk: [] for photo in photos}
    if not photos:
        return usages
    inline_uses = InlinePhotoUse.objects.filter(photo__in=list(usages))
    inline = set(inline_uses.values_list("article_id", "photo_id"))
    condition = Q(lead_photo__in=list(usages)) | Q(pk__in={article_id for article_id, _ in inline})
    articles = Article.objects.filter(condition).only(
        "pk", "headline", "status", "section_id", "lead_photo_id"
    )
    for article in articles.order_by("-created_at", "-pk"):
        for pk, uses in usages.items():
            in_text = (article.pk, pk) in inline
            if article.lead_photo_id == pk or in_text:
                uses.append(PhotoUse(article, as_lead=article.lead_photo_id == pk, inline=in_text))
    return usages


def photo_usage(photo):
    """The articles using ``photo`` (``PhotoUse`` each), newest first."""
    return photo_usages([photo])[photo.pk]


def deletion_blockers(photo):
    """The uses that forbid deleting ``photo``: lead photo anywhere, inline in an approved story."""
    return [use for use in photo_usage(photo) if use.blocks_deletion]


class PhotoInUse(Exception):
    """A photo could not be deleted: ``uses`` says by which stories and how."""

    def __init__(self, photo, uses):
        self.photo = photo
        self.uses = uses
        stories = "; ".join(f"“{use.article.headline}” ({use.where})" for use in uses)
        super().__init__(f"The photo “{photo}” cannot be deleted: it is used by {stories}.")


@transaction.atomic
def photo_delete(*, photo):
    """
    Delete ``photo`` and, once that commits, its files (served image, original, renditions).

    Raises ``PhotoInUse`` when a story needs it (see ``deletion_blockers``), including when the
    database refuses because an article took it as its lead photo in the meantime.
    """
    blockers = deletion_blockers(photo)
    if blockers:
        raise PhotoInUse(photo, blockers)
    files = [(photo.image.storage, photo.image.name), (photo.original.storage, photo.original.name)]
    if photo.image.name and photo.width and photo.height:
        made = [rendition.name for rendition in renditions.all_renditions(photo)]
        files += [(photo.image.storage, name) for name in [*made, *renditions.stale_renditions(photo)]]
    try:
        with transaction.atomic():
            photo.delete()
    except ProtectedError as error:
        uses = [PhotoUse(article, as_lead=True) for article in error.protected_objects]
        raise PhotoInUse(photo, uses) from None
    transaction.on_commit(lambda: _delete_files(files))


# --- the rule at publication --------------------------------------------------------------------


def _label(photo):
    name = photo.caption or PurePosixPath(photo.image.name).name
    return f"“{name}” (#{photo.pk})"


def _join(items):
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def publication_problem(*, lead_photo_id, body):
    """
    Why content with this lead photo and text cannot be published, or ``None``: the lead photo
    must be in the library with alt text, and so must each inline image of the library (its
    alt text may also be given in the text itself). Written to follow "Cannot publish: ".
    """
    images = body_images(body)
    names = list(dict.fromkeys(name for name, _ in images))
    if not lead_photo_id and not names:
        return None
    photos = list(Photo.objects.filter(Q(pk=lead_photo_id) | Q(image__in=names)))
    lead = next((photo for photo in photos if photo.pk == lead_photo_id), None)
    if lead_photo_id and lead is None:
        return f"the lead photo (#{lead_photo_id}) is no longer in the photo library. Choose another one."
    by_name = {photo.image.name: photo for photo in photos}
    lacking = {name for name, alt in images if not alt.strip()}
    missing = [f"the lead photo {_label(lead)}"] if lead and not lead.alt_text.strip() else []
    missing += [
        f"the inline image {_label(by_name[name])}"
        for name in names
        if name in by_name and name in lacking and not by_name[name].alt_text.strip()
    ]
    if not missing:
        return None
    if len(missing) == 1:
        return f"{missing[0]} has no alt text. Add it in the photo library."
    return f"{_join(missing)} have no alt text. Add it to each in the photo library."
