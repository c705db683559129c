"""
Template tags for showing photos: ``<picture>`` elements with WebP and JPEG renditions
(``articles.renditions``), the story's social image, and credits for the photos in a body.

Rendition addresses are computed from the photo's row, so none of these tags touches the
database or the storage, except ``with_photo_credits``: one query for the photos of a body that
has images, none for one that has not. The row also says whether the renditions exist yet (a
task makes them after the upload): until they do, a photo is shown as a placeholder with its
width, height and alt text, so the page neither jumps when they arrive nor shows a broken image.
"""

import re
import threading
from html.parser import HTMLParser

from cachetools import LRUCache, cached
from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import cards, renditions, selectors
from articles.html import media_name
from articles.models import Photo

register = template.Library()

# How wide a photo in the story column is shown (.story is at most 42rem wide).
STORY_SIZES = "(min-width: 46rem) 42rem, 100vw"
# What stands in for a photo whose renditions are not made yet: an SVG with no size of its own,
# so it takes the width and height (the aspect) the <img> gives it, on the page's photo background.
PLACEHOLDER = "img/photo-pending.svg"


def picture_context(photo, *, crop="", sizes="100vw", eager=False, alt=None, max_width=None):
    """
    What ``includes/picture.html`` needs to show ``photo``: a ``<source>`` per modern format and
    a JPEG ``<img>`` with ``srcset``, ``sizes`` and the rendition's width and height (so the
    page keeps the photo's space before it loads). ``eager`` is for the one photo at the top of
    the page; the others load when scrolled near. ``max_width`` leaves wider renditions out of
    the ``srcset`` for a photo that is never shown large (a thumbnail).
    """
    rendition_set = renditions.rendition_set(photo, crop=crop)
    if rendition_set is not None and max_width:
        rendition_set = rendition_set.up_to(max_width)
    context = {
        "alt": photo.alt_text if alt is None else alt,
        "sizes": sizes,
        "loading": "eager" if eager else "lazy",
        "fetchpriority": "high" if eager else "",
    }
    if rendition_set is None and renditions.pending(photo):
        # Renditions on their way: a placeholder the size of the largest one this slot shows.
        # (The served image is the only picture there yet, at up to 20 MB: too much for a phone.)
        width, height = renditions.placeholder_size(photo, crop=crop, max_width=max_width)
        return {**context, "src": static(PLACEHOLDER), "width": width, "height": height}
    if rendition_set is None:
        # No known size, no renditions: the served image as it is.
        return {**context, "src": photo.image.url, "width": photo.width, "height": photo.height}
    fallback = rendition_set.fallback
    return {
        **context,
        "sources": rendition_set.sources,
        "src": fallback.url,
        "srcset": rendition_set.srcset(fallback.format),
        "width": fallback.width,
        "height": fallback.height,
    }


def _picture_key(photo, *, crop="", sizes="100vw", eager=False, alt=None, max_width=None):
    alt = photo.alt_text if alt is None else alt
    # The storage (its MEDIA_URL) and every field the markup is read from: the renditions' focal
    # point and boxes (None while pending: the placeholder is remembered apart), and the chosen
    # ones (the placeholder's size).
    made_from = (Photo._meta.get_field("image").storage, *cards.picture_fields(photo))
    return (*made_from, crop, sizes, bool(eager), alt, max_width)


# The markup of the pictures this process has shown, by everything it is made from: a photo on
# many pages (a card in every Related News block of its section) is built once. The least
# recently shown are forgotten first; a new image, size, focal point or alt text is a new key,
# so nothing here is ever out of date. The lock: threaded servers share it.
PICTURES_REMEMBERED = 2_000


@cached(LRUCache(PICTURES_REMEMBERED), key=_picture_key, lock=threading.Lock())
def picture_html(photo, *, crop="", sizes="100vw", eager=False, alt=None, max_width=None):
    """
    ``includes/picture.html`` rendered for ``photo``, a ``Photo`` or a card's ``CardPhoto``
    (see ``picture_context``).
    """
    if isinstance(photo, cards.CardPhoto):
        photo = photo.as_photo()  # only when this markup is not remembered
    context = picture_context(photo, crop=crop, sizes=sizes, eager=eager, alt=alt, max_width=max_width)
    return mark_safe(render_to_string("includes/picture.html", context).strip())


@receiver(setting_changed)
def _forget_pictures(**kwargs):
    picture_html.cache_clear()  # MEDIA_URL or the storages changed (tests): addresses may differ


@register.simple_tag
def picture(photo, crop="", sizes="100vw", eager=False, alt=None, max_width=None):
    """
    ``{% picture photo crop="16x9" sizes="..." eager=True %}``: the photo as a ``<picture>``.
    ``crop`` is "" (the photo's own shape), "16x9" or "1x1", cut around its focal point;
    ``max_width=640`` offers nothing wider (for thumbnails).
    """
    return picture_html(photo, crop=crop, sizes=sizes, eager=eager, alt=alt, max_width=max_width)


# --- Photos in a story's body -----------------------------------------------------------------

# A start tag whose attribute values may hold ">" (quoted values are skipped whole).
_IMG = r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
_BODY_IMAGE = re.compile(
    rf"(?P<figure><figure\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>\s*(?P<figure_img>{_IMG})\s*"
    rf"(?:<figcaption>(?P<caption>.*?)</figcaption>\s*)?</figure>)"
    rf"|(?P<paragraph><p>\s*(?P<paragraph_img>{_IMG})\s*</p>)"
    rf"|(?P<inline>{_IMG})",
    re.IGNORECASE | re.DOTALL,
)


class _StartTag(HTMLParser):
    """Reads the attributes of one start tag, character references decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes = {}

    def handle_starttag(self, tag, attrs):
        self.attributes = {name: value or "" for name, value in attrs}


def _attributes(tag):
    parser = _StartTag()
    parser.feed(tag)
    parser.close()
    return parser.attributes


def _image_of(match):
    tag = match["figure_img"] or match["paragraph_img"] or match["inline"]
    attributes = _attributes(tag)
    return media_name(attributes.get("src", "")), attributes.get("alt", "")


def _credit(photo):
    return format_html('<span class="credit">Photo : {}</span>', photo.credit.name)


def _photo_markup(match, photo, alt):
    picture = picture_html(photo, sizes=STORY_SIZES, alt=alt or photo.alt_text)
    if match["inline"]:
        # Inside running text (a paragraph cannot hold a figure): the picture and its credit.
        return format_html('<span class="photo photo--inline">{}{}</span>', picture, _credit(photo))
    caption = ""
    if match["caption"]:
        # The editor's own caption: part of the body, cleaned by articles.html like the rest of it.
        caption = format_html('<span class="photo__caption">{}</span>', mark_safe(match["caption"]))
    return format_html(
        '<figure class="photo photo--body">{}<figcaption>{}{}</figcaption></figure>',
        picture,
        caption,
        _credit(photo),
    )


@register.filter
def with_photo_credits(body):
    """
    ``{{ article.body|with_photo_credits }}``: the story's body (HTML cleaned by articles.html
    when saved, so marked safe like ``|safe`` would) with each of our photos in it shown as a
    ``<picture>`` with renditions and a "Photo : <credit>" line.

    Only ``<img>`` tags whose address is in our media and belongs to a Photo are rewritten,
    from nothing but that address and their alt text; anything else is left as it is. The
    photos are found in one query, and only when the body has an image at all.
    """
    body = str(body or "")
    if "<img" not in body.lower():
        return mark_safe(body)
    matches = list(_BODY_IMAGE.finditer(body))
    names = {name for name, _ in map(_image_of, matches) if name}
    if not names:
        return mark_safe(body)
    photos = selectors.photos_by_image(names=names)

    def rewrite(match):
        name, alt = _image_of(match)
        photo = photos.get(name)
        return _photo_markup(match, photo, alt) if photo else match[0]

    return mark_safe(_BODY_IMAGE.sub(rewrite, body))
