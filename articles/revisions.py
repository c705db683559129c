"""
Article revisions: snapshots, saving an edit, comparing and restoring.

We keep our own revision model rather than django-reversion or django-simple-history because a
newsroom needs two pointers those libraries do not model: the *live* revision readers see and
the *latest* one the desk is working on (Wagtail's design). The article row holds what readers
see; an edit to a live story is stored only as a revision until an editor publishes it.

``save_edit`` is the one way the admin saves an article's content. It refuses a save based on a
stale version (optimistic locking) so that two people editing at once never overwrite each other.
"""

import datetime
import difflib
import re
from dataclasses import dataclass
from html import unescape

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe

from articles import search
from articles.html import clean_html
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleRevision,
    Audio,
    Author,
    Photo,
    RelatedArticle,
    Section,
)

# The editable content a revision holds; relations are stored as ids, times as ISO 8601 text.
EDITORIAL_FIELDS = ["headline", "slug", "section", "summary", "anchor_lead", "body", "lead_photo", "audio"]
# Approved with the revision when a story is first published; afterwards only the workflow's
# Reschedule changes them, so publishing an update never applies them.
SCHEDULE_FIELDS = ["publish_at", "expire_at"]
CONTENT_FIELDS = [*EDITORIAL_FIELDS, *SCHEDULE_FIELDS]
ORDERED_RELATIONS = ["authors", "related"]
FIELD_LABELS = {
    "headline": "Headline",
    "slug": "Address (slug)",
    "section": "Section",
    "summary": "Summary",
    "anchor_lead": "Anchor lead",
    "body": "Report",
    "lead_photo": "Lead photo",
    "audio": "Audio of the report",
    "publish_at": "Embargo until",
    "expire_at": "Take down at",
    "authors": "Authors",
    "related": "Related News",
}


class EditConflict(Exception):
    """The article changed since the editor opened it; their save was not applied."""

    def __init__(self, article, base_version):
        self.article = article
        self.base_version = base_version
        super().__init__(
            f"This story was changed by someone else while you were editing it "
            f"(you started from version {base_version}; it is now at version {article.version})."
        )


def _time_as_text(moment):
    return moment.isoformat() if isinstance(moment, datetime.datetime) else moment


def _time_from_text(text):
    return parse_datetime(text) if isinstance(text, str) else text


def snapshot(article):
    """The article row's current content, in revision form."""
    content = {field: getattr(article, Article._meta.get_field(field).attname) for field in EDITORIAL_FIELDS}
    content.update({field: _time_as_text(getattr(article, field)) for field in SCHEDULE_FIELDS})
    content["authors"] = list(article.bylines.order_by("position", "pk").values_list("author_id", flat=True))
    content["related"] = list(
        article.related_links.order_by("position", "pk").values_list("to_article_id", flat=True)
    )
    return content


def content_of(article):
    """What the desk is working on: the latest revision, or the row when there is none."""
    if article.latest_revision_id:
        return article.latest_revision.content
    return snapshot(article)


def apply_content(article, content, *, fields=CONTENT_FIELDS):
    """
    Write ``content`` to the article row and its ordered relations (caller saves nothing else).
    ``fields`` limits which fields are written; a revision older than a field leaves it as it is.
    """
    fields = [field for field in fields if field in content]
    for field in fields:
        value = _time_from_text(content[field]) if field in SCHEDULE_FIELDS else content[field]
        setattr(article, Article._meta.get_field(field).attname, value)
    article.save(update_fields=[*fields, "modified_at"])
    article.bylines.all().delete()
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author_id=author_id, position=position)
        for position, author_id in enumerate(content["authors"])
    )
    article.related_links.all().delete()
    RelatedArticle.objects.bulk_create(
        RelatedArticle(from_article=article, to_article_id=other_id, position=position)
        for position, other_id in enumerate(content["related"])
        if other_id != article.pk
    )
    # The bylines went in by bulk_create, which tells nobody: the search index reads them now.
    search.index_articles([article.pk])


def schedule_problem(content):
    """Why ``content``'s embargo and take-down times cannot be saved together, or ``""``."""
    publish_at, expire_at = (_time_from_text(content.get(field)) for field in SCHEDULE_FIELDS)
    if publish_at and expire_at and expire_at <= publish_at:
        return "The take-down time must be after the embargo time."
    return ""


def without_nul(content):
    """``content`` without NUL characters: forms refuse them, PostgreSQL cannot store them."""
    return {
        key: value.replace("\x00", "") if isinstance(value, str) else value for key, value in content.items()
    }


def create_revision(*, article, content, user, message=""):
    """
    Store ``content`` as the article's next revision and point ``latest_revision`` at it.

    The body is cleaned (``articles.html``) before it is kept: previews and share links show a
    revision's content without its passing through the article row's save. NUL characters are
    dropped from every text (``without_nul``).
    """
    content = as_stored(content)
    number = (article.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    revision = ArticleRevision.objects.create(
        article=article,
        number=number,
        content=content,
        article_version=article.version,
        created_by=user,
        message=message,
    )
    article.latest_revision = revision
    article.save(update_fields=["latest_revision"])
    return revision


def edits_wait_for_publication(article):
    """Whether an edit must wait in a revision instead of changing what readers see (or will see)."""
    return article.status in Article.Status.approved()


@transaction.atomic
def save_edit(*, article, content, user, base_version, message=""):
    """
    Save an edit of ``article`` as ``user`` and return the new revision.

    Raises ``EditConflict`` when the article's version is no longer ``base_version``. For a
    draft or a story in review the row changes too; for a scheduled or live story only the new
    revision is stored, marked as unpublished changes, and readers keep the live version.
    """
    content = without_nul(content)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.version != base_version:
        raise EditConflict(locked, base_version)
    if locked.latest_revision_id is None:
        # A story made outside the desk (an import, the demo) keeps its original as revision 1.
        create_revision(article=locked, content=snapshot(locked), user=None, message="Original version")
    locked.version += 1
    if edits_wait_for_publication(locked):
        locked.has_unpublished_changes = True
        locked.save(update_fields=["version", "has_unpublished_changes", "modified_at"])
    else:
        locked.save(update_fields=["version", "modified_at"])
        apply_content(locked, content)
    return create_revision(article=locked, content=content, user=user, message=message)


def restore(*, article, revision, user, base_version):
    """Save an old revision's content as a new revision; nothing is overwritten or lost."""
    return save_edit(
        article=article,
        content=revision.content,
        user=user,
        base_version=base_version,
        message=f"Restored revision {revision.number}",
    )


def revision_before(article, version):
    """The revision an editor who opened the article at ``version`` was looking at."""
    return article.revisions.filter(article_version__lte=version).order_by("-number").first()


# --- comparing ----------------------------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    label: str
    html: str  # a word-level diff, safe to render


def _display_values(field, ids):
    """Readable text for an id or list of ids (one query per related model at most)."""
    models = {"section": Section, "lead_photo": Photo, "audio": Audio, "authors": Author, "related": Article}
    model = models.get(field)
    if model is None:
        return ids
    wanted = ids if isinstance(ids, list) else [ids]
    names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=[i for i in wanted if i])}
    if isinstance(ids, list):
        return "; ".join(names.get(i, f"#{i}") for i in ids)
    return names.get(ids, "—") if ids else "—"


def _local_time(text):
    moment = _time_from_text(text)
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "none"


def _word_diff(old, new):
    """``old`` → ``new`` word by word: unchanged words as they are, the rest in ``<del>``/``<ins>``."""
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old_words[a1:a2])))
            continue
        if op in {"replace", "delete"}:
            parts.append(f"<del>{escape(' '.join(old_words[a1:a2]))}</del>")
        if op in {"replace", "insert"}:
            parts.append(f"<ins>{escape(' '.join(new_words[b1:b2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every piece above is escaped


# Fields written in paragraphs: compared paragraph by paragraph, so that the comparison reads
# like the story ("exits." and "The review" stay in their own paragraphs).
PARAGRAPH_FIELDS = {"body", "anchor_lead", "summary"}
# Where a paragraph of a body ends: the block elements articles.html allows, and <br>.
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|figure|ul|ol)\s*>|<br\s*/?>", re.IGNORECASE)
# Paragraphs this much alike are one paragraph edited, not one removed and another added.
_SAME_PARAGRAPH = 0.5


def paragraphs(text):
    """
    The paragraphs of a field as plain text: a body's blocks (HTML), or the blank-line or
    line-separated paragraphs of a plain text field (the anchor's lead, the summary).
    """
    text = text or ""
    pieces = _BLOCK_END.split(text) if "<" in text else text.splitlines()
    texts = (" ".join(unescape(strip_tags(piece)).split()) for piece in pieces)
    return [text for text in texts if text]


def _alike(old, new):
    # By characters, not words: a short paragraph with one word changed is still itself.
    return difflib.SequenceMatcher(a=old, b=new, autojunk=False).ratio() >= _SAME_PARAGRAPH


def _paired(old, new):
    """
    Old and new paragraphs of a changed stretch, in reading order: ``(old, new)`` for one
    paragraph edited, ``(old, None)`` removed, ``(None, new)`` added.
    """
    i = j = 0
    while i < len(old) and j < len(new):
        if _alike(old[i], new[j]):
            yield old[i], new[j]
            i, j = i + 1, j + 1
        elif any(_alike(old[i], later) for later in new[j + 1 :]):
            yield None, new[j]
            j += 1
        else:
            yield old[i], None
            i += 1
    yield from ((paragraph, None) for paragraph in old[i:])
    yield from ((None, paragraph) for paragraph in new[j:])


def _paragraph_diff(old, new):
    """
    ``old`` → ``new`` as paragraphs, each a ``<p>``: unchanged ones as they are, edited ones
    with the word diff inside, removed and added ones whole in ``<del>``/``<ins>``.
    """
    old_paragraphs, new_paragraphs = paragraphs(old), paragraphs(new)
    matcher = difflib.SequenceMatcher(a=old_paragraphs, b=new_paragraphs, autojunk=False)
    rendered = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rendered += [format_html('<p class="diff-same">{}</p>', text) for text in old_paragraphs[a1:a2]]
            continue
        for before, after in _paired(old_paragraphs[a1:a2], new_paragraphs[b1:b2]):
            if after is None:
                rendered.append(format_html('<p class="diff-removed"><del>{}</del></p>', before))
            elif before is None:
                rendered.append(format_html('<p class="diff-added"><ins>{}</ins></p>', after))
            else:
                rendered.append(format_html('<p class="diff-changed">{}</p>', _word_diff(before, after)))
    return mark_safe("".join(rendered))  # noqa: S308 - each paragraph went through format_html


def compare(old_content, new_content):
    """The fields that differ between two contents, each with a readable word-level diff."""
    changes = []
    for field in [*CONTENT_FIELDS, *ORDERED_RELATIONS]:
        old, new = old_content.get(field), new_content.get(field)
        if old == new:
            continue
        if field in PARAGRAPH_FIELDS:
            changes.append(FieldChange(field, FIELD_LABELS[field], _paragraph_diff(old, new)))
            continue
        if field in {"headline", "slug"}:
            old_text, new_text = strip_tags(old or ""), strip_tags(new or "")
        elif field in SCHEDULE_FIELDS:
            old_text, new_text = _local_time(old), _local_time(new)
        else:
            old_text, new_text = str(_display_values(field, old)), str(_display_values(field, new))
        changes.append(FieldChange(field, FIELD_LABELS[field], _word_diff(old_text, new_text)))
    return changes


def as_stored(content):
    """
    ``content`` as ``create_revision`` would keep it (no NUL, the body cleaned), so that a form's
    submission compares equal to the revision it came from when nobody changed anything.
    """
    content = {key: _time_as_text(value) for key, value in without_nul(content).items()}
    if content.get("body"):
        content = {**content, "body": clean_html(content["body"])}
    return content
