"""Validators for uploads: trust the file's content, never its name or the browser's Content-Type."""

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_content(file):
    """Refuse anything Pillow cannot open and verify as a JPEG, PNG, WebP or GIF."""
    if file.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            "This file is not a readable image (it may be corrupt or truncated).", code="invalid_image"
        ) from None
    finally:
        file.seek(position)
    if image_format not in ACCEPTED_IMAGE_FORMATS:
        raise ValidationError(
            f"{image_format} images are not accepted: upload a JPEG, PNG, WebP or GIF.",
            code="unsupported_format",
        )


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
        "media",
        "preview",
        "search",
        "sitemap.xml",
        "static",
    }
)


def validate_section_slug(slug):
    if slug.lower() in RESERVED_SECTION_SLUGS:
        raise ValidationError(
            f"“{slug}” is used by the site itself; choose another address for this section.",
            code="reserved",
        )
