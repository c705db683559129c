"""
Story cards: what a list of stories shows of each (``includes/article_card.html``), read as flat
rows rather than model instances.

A list page shows up to sixty cards. As ``Article`` instances with their section, lead photo,
credit and live coverage joined, each card cost five model instances (and their signals) and a
``reverse()``; as a ``Card`` it costs one small object made from one row of one query
(``selectors.card_list``), with its address built by ``models.article_paths``, the rule
``Article.get_absolute_url`` follows too.

``as_card`` makes a card of an ``Article`` too, so that the card template takes either (the
Related News and Editor's Pick blocks of a story page pass instances).
"""

import json
from dataclasses import dataclass

from articles.models import Article, Photo, article_paths, section_path

# What a card reads of its story's row, by ``values()`` name.
CARD_FIELDS = (
    "pk", "headline", "slug", "summary", "written_at", "created_at",
    "section_id", "section__slug", "section__name",
    "lead_photo_id", "lead_photo__image", "lead_photo__width", "lead_photo__height",
    "lead_photo__focal_x", "lead_photo__focal_y",
    "lead_photo__renditions_focal_x", "lead_photo__renditions_focal_y",
    "lead_photo__crop_boxes", "lead_photo__renditions_crop_boxes", "lead_photo__alt_text",
    "lead_photo__credit__name",
    "live_coverage__id", "live_coverage__started_at", "live_coverage__ended_at",
)  # fmt: skip
# The photo fields its <picture> is made from (articles.templatetags.photos).
PHOTO_FIELDS = (
    "image", "width", "height", "focal_x", "focal_y", "renditions_focal_x", "renditions_focal_y",
    "crop_boxes", "renditions_crop_boxes", "alt_text",
)  # fmt: skip
# The live app's coverage (the reverse one-to-one ``Article.live_coverage``): its own rule says
# whether it runs (the LIVE label), so a card carries the coverage, not a flag.
LiveCoverage = Article._meta.get_field("live_coverage").related_model


@dataclass(frozen=True, slots=True)
class CardSection:
    """The section label of a card: its name and address."""

    pk: int
    name: str
    slug: str
    url: str

    def get_absolute_url(self):
        return self.url


@dataclass(frozen=True, slots=True)
class CardPhoto:
    """
    A card's lead photo: the fields its ``<picture>`` markup is made from, and its credit. The
    markup is remembered per process by those fields (``photos.picture_html``); ``as_photo``
    makes the ``Photo`` it is rendered from when it is not. ``image`` is the file's name.
    """

    pk: int
    image: str
    width: int | None
    height: int | None
    focal_x: float
    focal_y: float
    renditions_focal_x: float | None
    renditions_focal_y: float | None
    crop_boxes: object
    renditions_crop_boxes: object
    alt_text: str
    credit_name: str

    def as_photo(self):
        fields = {name: getattr(self, name) for name in PHOTO_FIELDS}
        return Photo(pk=self.pk, **fields)

    @classmethod
    def of(cls, photo):
        fields = {name: getattr(photo, name) for name in PHOTO_FIELDS}
        fields["image"] = photo.image.name
        return cls(pk=photo.pk, credit_name=photo.credit.name, **fields)


def picture_fields(photo):
    """
    What the ``<picture>`` markup of ``photo`` (a ``Photo`` or a ``CardPhoto``) is made from, as
    a hashable tuple (``photos.picture_html``'s key): its image's name and ``PHOTO_FIELDS``.
    """
    image = getattr(photo.image, "name", photo.image)
    return (
        image, photo.width, photo.height, photo.focal_x, photo.focal_y,
        photo.renditions_focal_x, photo.renditions_focal_y,
        _hashable(photo.crop_boxes), _hashable(photo.renditions_crop_boxes),
    )  # fmt: skip


def _hashable(value):
    """A JSON field's value (crop boxes) as a hashable key."""
    return json.dumps(value, sort_keys=True)


@dataclass(frozen=True, slots=True, eq=False)
class Card:
    """
    One story as a list shows it. A card stands for its story: it equals the ``Article`` (or
    card) with the same primary key, as model instances compare.
    """

    pk: int
    headline: str
    summary: str
    written_at: object
    url: str
    section: CardSection
    photo: CardPhoto | None
    live_coverage: object  # the story's LiveCoverage (only its times), or None
    # In a Related News block: the story's place among the hand-picked links, None if it fills
    # the block from the section or topics (``cachetags.for_related_news`` tells them apart).
    manual_position: int | None = None

    def get_absolute_url(self):
        return self.url

    @property
    def live_running(self):
        """Whether the story's live coverage runs (the LIVE label): the coverage's own rule."""
        return self.live_coverage is not None and self.live_coverage.is_running

    def __eq__(self, other):
        if isinstance(other, Card | Article):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self):
        return hash(self.pk)


def cards_from_rows(rows):
    """``rows`` (dicts of ``CARD_FIELDS``, from ``selectors.card_list``) as cards, in their order."""
    sections = {}
    cards = []
    path = article_paths()
    for row in rows:
        section = sections.get(row["section_id"])
        if section is None:
            slug = row["section__slug"]
            section = sections[row["section_id"]] = CardSection(
                row["section_id"], row["section__name"], slug, section_path(slug)
            )
        cards.append(_card(row, section, path))
    return cards


def _card(row, section, article_path):
    photo = None
    if row["lead_photo_id"] is not None:
        fields = {name: row[f"lead_photo__{name}"] for name in PHOTO_FIELDS}
        photo = CardPhoto(pk=row["lead_photo_id"], credit_name=row["lead_photo__credit__name"], **fields)
    coverage = None
    if row["live_coverage__id"] is not None:
        coverage = LiveCoverage(
            pk=row["live_coverage__id"],
            article_id=row["pk"],
            started_at=row["live_coverage__started_at"],
            ended_at=row["live_coverage__ended_at"],
        )
    written_at = row["written_at"] or row["created_at"]
    return Card(
        pk=row["pk"],
        headline=row["headline"],
        summary=row["summary"],
        written_at=row["written_at"],
        url=article_path(section_slug=section.slug, written_at=written_at, slug=row["slug"]),
        section=section,
        photo=photo,
        live_coverage=coverage,
    )


def as_card(story):
    """``story`` as a card: a card as it is, an ``Article`` (with its relations joined) made one."""
    if isinstance(story, Card):
        return story
    section = story.section
    photo = story.lead_photo
    try:
        coverage = story.live_coverage
    except LiveCoverage.DoesNotExist:
        coverage = None
    return Card(
        pk=story.pk,
        headline=story.headline,
        summary=story.summary,
        written_at=story.written_at,
        url=story.get_absolute_url(),
        section=CardSection(section.pk, section.name, section.slug, section.get_absolute_url()),
        photo=CardPhoto.of(photo) if photo is not None else None,
        live_coverage=coverage,
    )
