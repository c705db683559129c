"""
Previews: an article rendered exactly as the public page would show it, in any state.

Staff preview the latest revision from the admin. A *share* link lets someone without an
account see one revision: its token is signed with ``django.core.signing`` (so it cannot be
forged or altered), names the article and the revision, and expires after
``NEWSROOM_PREVIEW_MAX_AGE`` seconds (48 hours by default).
"""

from copy import copy

from django.conf import settings
from django.core import signing
from django.utils import timezone

from articles.html import clean_html
from articles.models import Article, Audio, Author, Photo, Section

SALT = "articles.preview"


class PreviewLinkError(Exception):
    """The share link is expired, tampered with, or points at nothing."""


def make_share_token(*, article, revision):
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"article": article.pk, "revision": revision.number}
    )


def read_share_token(token, *, max_age=None):
    """Return ``(article, revision)`` for a valid token; raise ``PreviewLinkError`` otherwise."""
    max_age = settings.NEWSROOM_PREVIEW_MAX_AGE if max_age is None else max_age
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise PreviewLinkError("This preview link has expired. Ask the desk for a new one.") from None
    except signing.BadSignature:
        raise PreviewLinkError("This preview link is not valid.") from None
    article = Article.objects.filter(pk=data.get("article")).first()
    revision = article and article.revisions.filter(number=data.get("revision")).first()
    if revision is None:
        raise PreviewLinkError("This preview link points at a story that no longer exists.")
    return article, revision


def as_published(article, revision=None):
    """
    An unsaved copy of ``article`` carrying ``revision``'s content (default: the latest), with
    the relations the article template reads already loaded. Nothing is written.
    """
    revision = revision or article.latest_revision
    preview = copy(article)
    if revision is not None:
        content = revision.content
        for field in ("headline", "slug", "summary", "anchor_lead"):
            setattr(preview, field, content[field])
        # Revisions are stored clean; cleaning again keeps any older, raw one off the page too.
        preview.body = clean_html(content["body"])
        preview.section = Section.objects.get(pk=content["section"])
        preview.lead_photo = (
            Photo.objects.select_related("credit").filter(pk=content["lead_photo"]).first()
            if content["lead_photo"]
            else None
        )
        # .get: a revision older than the audio field has none.
        preview.audio = (
            Audio.objects.filter(pk=content.get("audio")).first() if content.get("audio") else None
        )
        authors = Author.objects.in_bulk(content["authors"])
        preview.byline_authors = [authors[pk] for pk in content["authors"] if pk in authors]
    preview.written_at = article.written_at or timezone.now()
    preview.corrections = []
    preview.shown_topics = list(article.topics.all())  # filed on the story itself, not in revisions
    return preview
