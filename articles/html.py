"""
Rich text sanitizing: the one allow-list every article body passes through before it is stored.

Bodies are cleaned when saved (``SanitizedHTMLField.pre_save``), so what is in the database is
already safe, and templates only ever mark cleaned HTML as safe. The allow-list matches the
CKEditor 5 toolbar in settings: paragraphs, h2–h4, links (http, https, mailto), emphasis,
lists, block quotes and figures with images from our own media.
"""

from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.db import models

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "b",
    "i",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "img",
    "figcaption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "svg", "math"}


def _is_own_media(url):
    parts = urlsplit(url)
    media_url = "/" + settings.MEDIA_URL.lstrip("/")
    return not parts.scheme and not parts.netloc and parts.path.startswith(media_url)


def _filter_attribute(tag, name, value):
    if tag == "img" and name == "src" and not _is_own_media(value):
        return None
    return value


def clean_html(value):
    """Return ``value`` reduced to the allow-list; every other tag, attribute and URL is dropped."""
    if not value:
        return ""
    cleaned = nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
    )
    return cleaned.strip()


class SanitizedHTMLField(models.TextField):
    """A text field whose HTML is cleaned by :func:`clean_html` every time the model is saved."""

    def pre_save(self, model_instance, add):
        cleaned = clean_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, cleaned)
        return cleaned
