"""
Rich text sanitizing: the one allow-list every article body passes through before it is stored.

Bodies are cleaned when saved (``SanitizedHTMLField.pre_save``, and ``articles.revisions`` for
the content a revision keeps), so what is in the database is already safe, and templates only
ever mark cleaned HTML as safe. The allow-list matches the CKEditor 5 toolbar in settings:

- paragraphs, line breaks, h2–h4, strong/em (and b/i), lists, block quotes;
- links whose address is http, https, mailto or relative (on our site). A link that leaves
  the site (another host, or mailto) gets ``rel="noopener"``; a link to our own pages (a
  relative address, or an absolute one on a host of ``ALLOWED_HOSTS``) gets no ``rel``;
- figures with a caption, and images whose address is in our own media (``media_name``),
  whether ``MEDIA_URL`` is a path ("/media/") or another host ("https://cdn.example.com/media/").

Everything else is dropped: other tags (script-like ones with their content), every other
attribute (event handlers, style, srcset...), other URL schemes (javascript:, data:, vbscript:,
however they are spelled: nh3 parses addresses as browsers do), and comments.

The cleaned HTML is serialized by nh3 (html5ever), which escapes ``&``, ``<``, ``>`` and ``"``
in attribute values and ``&``, ``<``, ``>`` in text: every ``<`` in it starts a tag. That is
what lets ``_mark_external_links`` here and ``with_photo_credits`` (articles/templatetags/photos.py)
read tags from the cleaned text with a regular expression.
"""

import html
import re
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme

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
# Removed together with their content, not just unwrapped: what is inside them is code, or text
# a browser would never have shown as such.
DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "template",
    "svg",
    "math",
    "noscript",
    "noembed",
    "noframes",
    "xmp",
    "textarea",
    "select",
    "title",
}
EXTERNAL_LINK_REL = "noopener"


# --- our own media ------------------------------------------------------------------------------


def _media_prefix():
    """``(scheme, host, path)`` of ``MEDIA_URL``; scheme and host are "" for a path on our site."""
    parts = urlsplit(settings.MEDIA_URL)
    if parts.netloc:
        return parts.scheme.lower(), parts.netloc.lower(), parts.path or "/"
    return "", "", "/" + parts.path.lstrip("/")


def media_name(url):
    """
    The storage name of an address in our media, or ``None`` when ``url`` is anything else.

    ``/media/photos/x.jpg`` → ``photos/x.jpg`` with ``MEDIA_URL = "media/"``, and
    ``https://cdn.example.com/media/photos/x.jpg`` → ``photos/x.jpg`` with
    ``MEDIA_URL = "https://cdn.example.com/media/"`` (media on S3 or a CDN). The address must be
    spelled like ``MEDIA_URL``: a path for a path, the same scheme and host for an absolute one;
    a name with "." or ".." segments, empty segments or backslashes (which a browser would
    resolve to somewhere else) is not ours. The query and fragment are ignored.

    This is the one rule for "our media": the sanitizer keeps an ``<img>`` only when its ``src``
    passes it, and ``articles.photos`` reads which photos a body shows with it.
    """
    try:
        parts = urlsplit(url or "")
    except ValueError:  # an invalid IPv6 host, for one
        return None
    scheme, host, path = _media_prefix()
    if (parts.scheme.lower(), parts.netloc.lower()) != (scheme, host) or not parts.path.startswith(path):
        return None
    name = unquote(parts.path[len(path) :])
    segments = name.split("/")
    if not name or "\\" in name or any(segment in {"", ".", ".."} for segment in segments):
        return None
    return name


def is_own_media(url):
    return media_name(url) is not None


# --- links --------------------------------------------------------------------------------------


def _own_hosts():
    """The hosts our pages are served from: ``ALLOWED_HOSTS``, without wildcards."""
    hosts = set()
    for host in settings.ALLOWED_HOSTS:
        host = host.lower()
        if host and host != "*":
            hosts.add(host.removeprefix("."))
    return hosts


def is_internal_link(url):
    """
    Whether ``url`` stays on our site: a relative address, or http(s) on one of our hosts.
    Django's own redirect check decides (it reads ``//host``, ``/\\host`` and control characters
    the way browsers do); mailto and other hosts are external.
    """
    return url_has_allowed_host_and_scheme(url, allowed_hosts=_own_hosts())


# A start tag of a link in nh3's output, where attribute values hold neither "<", ">" nor '"'.
_LINK_START_TAG = re.compile(r"<a(?P<attributes>\s[^>]*)?>")
_HREF = re.compile(r'\shref="(?P<href>[^"]*)"')


def _mark_external_links(cleaned):
    """
    Add ``rel="noopener"`` to each link in ``cleaned`` (nh3's output) but those known to stay on
    our site; one whose address was dropped (javascript:...) gets it too.
    """

    def mark(match):
        href = _HREF.search(match["attributes"] or "")
        if href and is_internal_link(html.unescape(href["href"])):
            return match[0]
        return f'{match[0][:-1]} rel="{EXTERNAL_LINK_REL}">'

    return _LINK_START_TAG.sub(mark, cleaned)


# --- cleaning -----------------------------------------------------------------------------------


def _filter_attribute(tag, name, value):
    if tag == "img" and name == "src" and not is_own_media(value):
        return None
    return value


def clean_html(value):
    """
    Return ``value`` reduced to the allow-list; every other tag, attribute and URL is dropped.
    Cleaning cleaned HTML changes nothing (bodies are cleaned again at every save).
    """
    if not value:
        return ""
    # NUL is no character of HTML (browsers read it as U+FFFD) and PostgreSQL refuses to store it.
    cleaned = nh3.clean(
        str(value).replace("\x00", ""),
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        # Any rel given is dropped (it is not an allowed attribute); external links get theirs
        # from _mark_external_links, since nh3 would give the same rel to every link.
        link_rel=None,
        strip_comments=True,
    )
    return _mark_external_links(cleaned).strip()


class SanitizedHTMLField(models.TextField):
    """A text field whose HTML is cleaned by :func:`clean_html` every time the model is saved."""

    def pre_save(self, model_instance, add):
        cleaned = clean_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, cleaned)
        return cleaned
