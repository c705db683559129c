"""
Validators for uploads and section addresses.

An uploaded image is judged by its content, never by its name or the browser's Content-Type.
Only the parsers of the four formats we serve (JPEG, PNG, WebP, GIF) ever read an upload: any
other format is recognised by its first bytes and refused by name without being parsed, so a
flaw in an exotic Pillow plugin cannot be reached from the upload form. Every refusal has its
own message, written for the person uploading. The messages live here and nowhere else: the
upload handler, the photo service and the model field all raise them from this module.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# Pillow's format name → the extension a served file gets.
ACCEPTED_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ACCEPTED_DESCRIPTION = "a JPEG, PNG, WebP or GIF image"
# The Pillow plugins allowed to parse an upload. "MPO" (the multi-picture JPEG some phones make)
# comes out of the JPEG plugin; we serve its first picture as a JPEG.
IMAGE_PARSERS = ["JPEG", "PNG", "WEBP", "GIF"]
_STILL_FORMATS = {"JPEG", "MPO"}

# Files refused by their first bytes, never parsed: (signature, the name editors know).
_SIGNATURES = [
    (b"%PDF-", "PDF"),
    (b"%!PS-Adobe", "EPS"),
    (b"%!", "PostScript"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"SIMPLE  =", "FITS"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
    (b"BM", "BMP"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"\x76\x2f\x31\x01", "OpenEXR"),
    (b"gimp xcf", "GIMP (XCF)"),
    (b"#?RADIANCE", "HDR"),
]
# ISO base media files (HEIC, AVIF): "ftyp" at byte 4, then the brand.
_FTYP_BRANDS = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"hevc": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
}
_SNIFF_BYTES = 1024

MEGABYTE = 1024 * 1024

# Pillow's own decompression-bomb guard (a warning above MAX_IMAGE_PIXELS, an error above twice
# that) stays on for every image the site opens, renditions included. It is never set below our
# limit, so the refusal an editor sees is always ours, naming the limit.
Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, settings.NEWSROOM_UPLOAD_MAX_PIXELS)


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an accepted image says: read without decoding a pixel."""

    format: str  # one of ACCEPTED_IMAGE_FORMATS
    width: int
    height: int
    frames: int  # frames that will be decoded: 1 for a still image

    @property
    def extension(self):
        return ACCEPTED_IMAGE_FORMATS[self.format]

    @property
    def animated(self):
        return self.frames > 1


def max_upload_bytes():
    return settings.NEWSROOM_UPLOAD_MAX_BYTES


def max_upload_pixels():
    return settings.NEWSROOM_UPLOAD_MAX_PIXELS


def _describe_bytes(size):
    if size >= MEGABYTE:
        megabytes = size / MEGABYTE
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _describe_pixels(pixels):
    if pixels >= 1_000_000:
        return f"{pixels / 1_000_000:g} megapixels"
    return f"{pixels:,} pixels"


def too_large_error():
    """The refusal of a file over ``NEWSROOM_UPLOAD_MAX_BYTES`` (raised while it streams in, too)."""
    return ValidationError(
        f"This file is larger than the {_describe_bytes(max_upload_bytes())} limit. "
        "Export a smaller version of the photo and upload that.",
        code="too_large",
    )


def empty_file_error():
    return ValidationError("The file is empty (0 bytes): choose the photo again.", code="empty")


def truncated_error():
    return ValidationError(
        "This image is incomplete: the file ends before the picture does (an interrupted "
        "download or copy). Upload a complete copy.",
        code="truncated",
    )


def corrupt_error():
    return ValidationError(
        f"This file is not a readable image (it may be damaged). Upload {ACCEPTED_DESCRIPTION}.",
        code="invalid_image",
    )


def validate_upload_size(size):
    """Refuse an empty file or one over the size limit (before anything reads its content)."""
    if not size:
        raise empty_file_error()
    if size > max_upload_bytes():
        raise too_large_error()


def _too_many_pixels(width=None, height=None, frames=1):
    limit = _describe_pixels(max_upload_pixels())
    if width is None:
        size = "This image has more pixels"
    elif frames > 1:
        size = f"This animation ({frames} frames of {width} × {height} pixels) has more pixels"
    else:
        size = f"This image ({width} × {height} pixels) has more pixels"
    return ValidationError(
        f"{size} than the {limit} limit. Upload a smaller version.", code="too_many_pixels"
    )


# Refused formats that are documents or drawings rather than images, for the wording.
_DOCUMENTS = {"PDF", "EPS", "PostScript", "XML or HTML"}


def _refused_format(name):
    if name == "SVG":
        return ValidationError(
            "This file is an SVG drawing, not a readable image: SVG files can carry scripts and "
            f"are not accepted. Upload {ACCEPTED_DESCRIPTION}.",
            code="svg",
        )
    kind = "files" if name in _DOCUMENTS else "images"
    return ValidationError(
        f"{name} {kind} are not accepted here. Upload {ACCEPTED_DESCRIPTION}.",
        code="unsupported_format",
    )


def _sniff(head):
    """The name of a format we refuse, recognised by its first bytes, or ``None``."""
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in _FTYP_BRANDS:
        return _FTYP_BRANDS[head[8:12]]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        return "SVG" if b"<svg" in text else "XML or HTML"
    return None


def _read_head(file):
    file.seek(0)
    head = file.read(_SNIFF_BYTES)
    file.seek(0)
    return head


def _frames(image):
    # Every frame of an animation is decoded and served; only the first of an MPO is.
    if image.format in _STILL_FORMATS:
        return 1
    return getattr(image, "n_frames", 1)


def inspect_image(file):
    """
    Return the ``ImageInfo`` of an uploaded image, or raise ``ValidationError`` with the reason
    it is refused: empty, over the size limit, a format we do not serve (SVG, PDF, EPS, PSD,
    FITS, TIFF, BMP, HEIC...), over the pixel limit (frames of an animation count), or
    unreadable. Reads headers only: no pixel is decoded here, so a decompression bomb costs
    nothing. (Truncated pixel data shows when the photo service decodes the image.)
    """
    validate_upload_size(file.size)
    position = file.tell() if hasattr(file, "tell") else 0
    head = _read_head(file)
    try:
        with Image.open(file, formats=IMAGE_PARSERS) as image:
            image_format = image.format
            width, height = image.size
            frames = _frames(image)
            if width * height * frames > max_upload_pixels():
                raise _too_many_pixels(width, height, frames)
            image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        name = _sniff(head)
        raise (_refused_format(name) if name else corrupt_error()) from None
    except Exception as error:  # noqa: BLE001 - a parser fed hostile bytes may raise anything
        raise (truncated_error() if "truncated" in str(error) else corrupt_error()) from None
    finally:
        file.seek(position)
    if image_format == "MPO":
        image_format = "JPEG"
    return ImageInfo(format=image_format, width=width, height=height, frames=frames)


def validate_image_content(file):
    """
    Model-field validator: a new file must be an image we accept (see ``inspect_image``). A file
    already in storage was checked on its way in and is not read back to be checked again.
    """
    if getattr(file, "_committed", False):
        return
    inspect_image(file)


# Top-level addresses the site uses for itself; a section slugged like one would lose its page.
RESERVED_SECTION_SLUGS = frozenset(
    {
        "admin",
        "archive",
        "authors",
        "ckeditor5",
        "consent",
        "cookie-policy",
        "feeds",
        "live-updates",
        "media",
        "preview",
        "search",
        "sitemap.xml",
        "static",
        "topics",
    }
)


def validate_section_slug(slug):
    if slug.lower() in RESERVED_SECTION_SLUGS:
        raise ValidationError(
            f"“{slug}” is used by the site itself; choose another address for this section.",
            code="reserved",
        )
