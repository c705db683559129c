"""
The newsroom's data: sections, bylines, photos and their credits, articles, Editor's Pick
entries and the append-only workflow audit trail.

Two rules are kept here and nowhere else:
- ``ArticleQuerySet.published()`` alone decides what a reader may see.
- ``Article.status`` is only ever written by ``articles.workflow``; the admin form never offers it.
"""

import re
import typing

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import LazyObject, cached_property

from articles import audio
from articles.html import SanitizedHTMLField
from articles.validators import validate_image_content, validate_section_slug

# The routes ``_route`` builds without a reverse() each time, with what it reverses them with:
# values their converters accept and that appear nowhere else in an address.
_ROUTE_MARKERS = {
    "articles:section": {"section_slug": "section-marker"},
    "articles:article": {
        "section_slug": "section-marker",
        "year": "1234",
        "month": "98",
        "day": "76",
        "slug": "slug-marker",
    },
}
_route_formats = {}
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _route_format(name):
    """
    Route ``name`` as a format string for ``str.format``, reversed once per URLconf and script
    prefix: ``reverse`` stays the one rule, and a list page of sixty cards, each with a story's
    and a section's address, no longer calls it 120 times. ``None`` when a marker would be
    ambiguous in the reversed address.
    """
    key = (name, get_resolver(get_urlconf()), get_script_prefix())
    if key not in _route_formats:
        markers = _ROUTE_MARKERS[name]
        path = reverse(name, kwargs=markers).replace("{", "{{").replace("}", "}}")
        if all(path.count(marker) == 1 for marker in markers.values()):
            for field, marker in markers.items():
                path = path.replace(marker, "{" + field + "}")
        else:
            path = None
        _route_formats[key] = path
    return _route_formats[key]


def _router(name):
    """
    ``route(**kwargs)``, which is ``reverse(name, kwargs=kwargs)`` for a route of
    ``_ROUTE_MARKERS``, made from its format, looked up once (for a list of addresses).
    """
    path_format = _route_format(name)

    def route(**kwargs):
        # Slugs of ASCII letters, digits, "-" and "_" are what reverse() would put in as they are.
        slugs = (value for field, value in kwargs.items() if field.endswith("slug"))
        if path_format is None or not all(_PLAIN_SLUG.fullmatch(slug) for slug in slugs):
            return reverse(name, kwargs=kwargs)
        return path_format.format(**kwargs)

    return route


def _route(name, **kwargs):
    return _router(name)(**kwargs)


@receiver(setting_changed)
def _forget_route_formats(**kwargs):
    _route_formats.clear()  # a test's URLconf: its resolver is a new key already; be sure


def section_path(slug):
    """A section's front page address (``Section.get_absolute_url``; cards build it from their row)."""
    return _route("articles:section", section_slug=slug)


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, validators=[validate_section_slug])
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the menu, lowest first.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return section_path(self.slug)


class Author(models.Model):
    """A reporter's byline. Linked to a user account when the reporter works in the admin."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    affiliation = models.CharField(
        max_length=120, blank=True, help_text='Used in the sign-off, e.g. "Newsroom World Radio News".'
    )
    bio = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="author"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"author_slug": self.slug})


class PhotoCredit(models.Model):
    """The source a photo is credited to: an agency, a broadcaster or a photographer."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class _OriginalsStorage(LazyObject):
    """
    ``storages["originals"]``, looked up on every use rather than once when the model is
    defined, so that a change of ``STORAGES`` (tests use temporary folders) is followed.
    """

    def _setup(self):
        self._wrapped = storages["originals"]

    def __getattr__(self, name):
        return getattr(storages["originals"], name)


# The aspect ratios a photo may have a chosen crop box for, by the name renditions use for the
# crop (articles/renditions.py cuts each around the focal point when no box was chosen).
CROP_RATIOS = {"16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}


def default_crop_boxes():
    """No box chosen for any ratio: every crop is cut around the focal point."""
    return dict.fromkeys(CROP_RATIOS)


def crop_box_error(name, box, *, width, height):
    """
    Why ``box`` cannot be the ``name`` crop box of a ``width`` x ``height`` photo, or ``None``.
    A box is ``[left, top, width, height]`` in whole pixels of the served image: inside the
    image and of the crop's ratio, give or take a pixel of rounding.
    """
    label = name.replace("x", ":")
    if name not in CROP_RATIOS:
        return f"“{name}” is not a crop: one of {', '.join(CROP_RATIOS)}."
    if (
        not isinstance(box, (list, tuple))
        or len(box) != 4
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in box)
    ):
        return f"The {label} crop needs four whole numbers: left, top, width and height."
    left, top, box_w, box_h = box
    if left < 0 or top < 0 or box_w < 1 or box_h < 1:
        return f"The {label} crop must start inside the photo and have a width and a height."
    if width and height and (left + box_w > width or top + box_h > height):
        return (
            f"The {label} crop ({box_w} × {box_h} from {left}, {top}) goes past the edge of the "
            f"photo ({width} × {height})."
        )
    ratio_w, ratio_h = CROP_RATIOS[name]
    if abs(box_h * ratio_w - box_w * ratio_h) > max(ratio_w, ratio_h):
        expected = round(box_w * ratio_h / ratio_w)
        return (
            f"The {label} crop is {box_w} × {box_h}, not {label}: for that width, its height is {expected}."
        )
    return None


def originals_storage():
    """Originals are kept out of the public media storage (settings.STORAGES["originals"])."""
    return _OriginalsStorage()


class Photo(models.Model):
    image = models.ImageField(
        upload_to="photos/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[validate_image_content],
        help_text="The served image: orientation applied, private metadata (GPS, camera) removed.",
    )
    original = models.FileField(
        upload_to="originals/%Y/%m/",
        storage=originals_storage,
        blank=True,
        editable=False,
        help_text="The file as uploaded, kept privately for re-cropping.",
    )
    # Where the subject is, as fractions of width and height: crops keep it in frame.
    focal_x = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    focal_y = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    # The focal point of the renditions made so far (articles/renditions.py), set by the task that
    # makes them: null until they exist, so pages offer only files that are there, without asking
    # the storage. It trails focal_x/focal_y while the crops of a new focal point are being made.
    renditions_focal_x = models.FloatField(null=True, editable=False)
    renditions_focal_y = models.FloatField(null=True, editable=False)
    # The crop box chosen for each aspect ratio of ``CROP_RATIOS``, as {"16x9": [left, top,
    # width, height], "4x3": None, ...} in pixels of the served image; None: cut around the focal
    # point. Every ratio is always there, in that order, so the two fields compare as written.
    crop_boxes = models.JSONField(default=default_crop_boxes, blank=True)
    # The crops whose renditions are made, with the box each was cut to (None: around the focal
    # point), set with renditions_focal_x/_y by the task that makes them. It trails crop_boxes
    # while a new box is being made (pages keep offering the files it names), and a crop missing
    # from it (4:3 for photos of before it existed) has no files yet.
    renditions_crop_boxes = models.JSONField(default=dict, editable=False)
    caption = models.CharField(max_length=300, blank=True)
    alt_text = models.CharField(
        max_length=300, blank=True, help_text="What the photo shows, for readers who cannot see it."
    )
    credit = models.ForeignKey(PhotoCredit, on_delete=models.PROTECT, related_name="photos")
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_point_inside",
                violation_error_message="The focal point must be inside the photo.",
            ),
        ]

    def __str__(self):
        return self.caption or self.alt_text or self.image.name

    def clean(self):
        super().clean()
        if not isinstance(self.crop_boxes, dict):
            raise ValidationError({"crop_boxes": "Crop boxes must map a ratio to its box."})
        errors = [
            crop_box_error(name, box, width=self.width, height=self.height)
            for name, box in self.crop_boxes.items()
            if box is not None or name not in CROP_RATIOS
        ]
        if any(errors):
            raise ValidationError({"crop_boxes": [error for error in errors if error]})


class Topic(models.Model):
    """
    What a story is about across sections (an election, a storm, a trade deal): its own page and
    feed, and the first thing Related News looks for. Filed by the desk, a story has any number.
    """

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"topic_slug": self.slug})


class Audio(models.Model):
    """
    The broadcast audio of a report, kept in the media storage like a photo's served image and
    chosen on a story like its lead photo (part of the story's revisions: a recording added to a
    live story reaches readers when that revision is published). A model of its own rather than
    fields on Article for the same reasons as Photo: a recording has its own facts (duration,
    size, format, credit) read once on upload, the desk finds it in a library, and replacing a
    story's recording is choosing another row, never rewriting a file readers may have cached.
    """

    recording = models.FileField(
        upload_to=audio.upload_name,
        help_text=f"Upload {audio.ACCEPTED_DESCRIPTION}. The report's text is its transcript.",
    )
    title = models.CharField(max_length=200, help_text="What is heard, for the library and podcast apps.")
    credit = models.CharField(
        max_length=120, help_text="Who is heard or made the recording, e.g. the broadcaster."
    )
    duration = models.FloatField(editable=False, help_text="Seconds, read from the file.")
    size = models.PositiveBigIntegerField(editable=False, help_text="Bytes.")
    mime_type = models.CharField(max_length=32, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audio"

    def __str__(self):
        return f"{self.title} ({self.duration_text})" if self.duration else self.title

    def clean(self):
        super().clean()
        # A new file is read once, here; a file already stored was read on its way in.
        if self.recording and not getattr(self.recording, "_committed", True):
            try:
                facts = audio.inspect_audio(self.recording)
            except ValidationError as error:
                raise ValidationError({"recording": error}) from None
            self.duration, self.size, self.mime_type = facts.duration, facts.size, facts.mime_type

    @property
    def duration_text(self):
        return audio.describe_duration(self.duration)

    @property
    def iso_duration(self):
        return audio.iso_duration(self.duration)


class ArticleStatus(models.TextChoices):
    """Where a story is in the workflow (``articles.workflow`` is the only writer)."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    UPDATED = "updated", "Updated"

    @classmethod
    def live(cls):
        """Statuses of a story readers have (once its embargo passed, until it expires)."""
        return [cls.PUBLISHED, cls.UPDATED]

    @classmethod
    def approved(cls):
        """Statuses an editor has approved for readers, embargoed or not."""
        return [cls.SCHEDULED, cls.PUBLISHED, cls.UPDATED]


class ReaderState(typing.NamedTuple):
    """What readers see of a story, in the desk's words (``Article.reader_state``)."""

    is_live: bool
    label: str

    @classmethod
    def of(cls, article, *, visible, now):
        if visible:
            until = f" until {_local(article.expire_at)}" if article.expire_at else ""
            return cls(True, f"Live{until}")
        if article.status in ArticleStatus.approved():
            if article.publish_at and article.publish_at > now:
                return cls(False, f"Scheduled for {_local(article.publish_at)}")
            if article.expire_at and article.expire_at <= now:
                return cls(False, f"Taken down at {_local(article.expire_at)}")
        return cls(False, f"Not on the site ({article.get_status_display().lower()})")


def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _approved():
    """The condition of the reader indexes: the same statuses ``published()`` filters on."""
    return Q(status__in=ArticleStatus.approved())


def _scheduled_by(field):
    """The condition of the indexes of embargo and take-down times: approved stories with ``field`` set."""
    return _approved() & Q(**{f"{field}__isnull": False})


class ArticleQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """
        The one definition of what a reader may see: an approved story whose embargo has passed
        and which has not expired. It compares with the clock itself, so a late cron run of
        ``publish_scheduled`` never shows a story early or keeps it up late.
        """
        now = now or timezone.now()
        return self.filter(
            _approved(),
            Q(publish_at__isnull=True) | Q(publish_at__lte=now),
            Q(expire_at__isnull=True) | Q(expire_at__gt=now),
        )

    def with_reader_visibility(self, *, now=None):
        """Each story annotated with ``reader_visible``: whether ``published()`` includes it."""
        visible = Article.objects.published(now=now).filter(pk=OuterRef("pk"))
        return self.annotate(reader_visible=Exists(visible))

    def newest_first(self):
        return self.order_by("-written_at", "-pk")

    def for_user(self, user):
        """Articles this user wrote (through their byline) or created."""
        return self.filter(Q(authors__user=user) | Q(created_by=user)).distinct()


def article_path(*, section_slug, written_at, slug):
    """
    A story's address: its section, the day it was first published in the site's time zone,
    and its slug (``Article.get_absolute_url``; cards build theirs with ``article_paths``).
    """
    return article_paths()(section_slug=section_slug, written_at=written_at, slug=slug)


def article_paths():
    """``article_path`` for a list of stories: the route and the time zone looked up once."""
    route = _router("articles:article")
    zone = timezone.get_current_timezone()

    def article_path(*, section_slug, written_at, slug):
        written = timezone.localtime(written_at, zone)
        day = {"year": f"{written.year:04d}", "month": f"{written.month:02d}", "day": f"{written.day:02d}"}
        return route(section_slug=section_slug, slug=slug, **day)

    return article_path


class Article(models.Model):
    Status = ArticleStatus

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="Part of the public address; fixed once published."
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    lead_photo = models.ForeignKey(
        Photo, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_articles"
    )
    audio = models.ForeignKey(
        Audio,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The broadcast audio of the report, played above it.",
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="articles", help_text="What the story is about, across sections."
    )
    anchor_lead = models.TextField(
        blank=True, help_text="The short introduction the anchor reads before the report."
    )
    body = SanitizedHTMLField(blank=True, help_text="The reporter's report.")
    summary = models.CharField(
        max_length=300, blank=True, help_text="One or two sentences for lists, search and social cards."
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False, db_index=False
    )
    written_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="First publication.")
    updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Latest published update."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    related = models.ManyToManyField(
        "self", through="RelatedArticle", symmetrical=False, blank=True, related_name="+"
    )
    publish_at = models.DateTimeField(
        "embargo until",
        null=True,
        blank=True,
        help_text="Goes live at this time (site time zone) once approved; empty means on publish.",
    )
    expire_at = models.DateTimeField(
        "take down at", null=True, blank=True, help_text="Taken down at this time, if set."
    )
    # Revisions: the row holds what readers see; edits to a live story wait in the latest
    # revision until an editor publishes it (Wagtail's design).
    latest_revision = models.ForeignKey(
        "ArticleRevision", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    live_revision = models.ForeignKey(
        "ArticleRevision", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    # The revision sent for review: an approval applies to it and to no later one.
    submitted_revision = models.ForeignKey(
        "ArticleRevision", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    has_unpublished_changes = models.BooleanField(default=False, editable=False)
    # Bumped on every save and transition; a save based on an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("publish_article", "Can review, publish, update and unpublish articles"),
        ]
        indexes = [
            # The desk's list (the admin's order, Meta.ordering then the key): its page is a walk
            # of this index that stops after a page, and the date drill-down's first and last
            # dates are its two ends. Without it every list page sorted all 100,000 stories.
            models.Index(fields=["-created_at", "-id"], name="article_desk_newest"),
            models.Index(fields=["status", "-written_at"], name="article_status_written"),
            models.Index(fields=["section", "status", "-written_at"], name="article_section_status_written"),
            # The reader lists walk these in order (newest first) and stop after a page: without
            # them every list sorts all approved stories (status IN (...) breaks the order above).
            # With the embargo and take-down times in the index, published() is decided in the
            # walk itself (an index-only scan): a topic's page walks past the stories of other
            # topics and the embargoed ones (whose time, ahead, puts them first) without reading
            # each one's row.
            models.Index(
                fields=["-written_at", "-id"],
                include=["publish_at", "expire_at"],
                condition=_approved(),
                name="article_live_newest",
            ),
            # A section's pages: the newest first, and (with the embargo and take-down times
            # in the index) counted and paged through by an index-only scan.
            models.Index(
                fields=["section", "-written_at", "-id"],
                include=["publish_at", "expire_at"],
                condition=_approved(),
                name="article_live_section_pages",
            ),
            # The newest change readers can see (the home and articles sitemaps' lastmod): the
            # first visible entry, where a MAX over every live story read them all.
            models.Index(
                Coalesce("updated_at", "written_at").desc(),
                condition=_approved(),
                name="article_live_last_change",
            ),
            # The desk's "Recently published" queue: the few stories changed in the last day, by
            # the same expression over every story. PostgreSQL's planner estimates a filter from
            # a whole-table index's statistics only (not a partial one's): with the index above
            # alone it expected a third of the stories and read them all.
            models.Index(Coalesce("updated_at", "written_at"), name="article_last_change"),
            # The next embargo to lift and the next take-down (``selectors.next_visibility_change``,
            # after every change readers see): one probe each, in indexes of the few stories that
            # have such a time, not a scan of every live story.
            models.Index(
                fields=["publish_at"], condition=_scheduled_by("publish_at"), name="article_embargoes"
            ),
            models.Index(
                fields=["expire_at"], condition=_scheduled_by("expire_at"), name="article_take_downs"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review"]) | Q(written_at__isnull=False),
                name="article_live_has_written_at",
                violation_error_message="A published article must have a first-publication time.",
            ),
            models.CheckConstraint(
                condition=~Q(status="updated") | Q(updated_at__isnull=False),
                name="article_updated_has_updated_at",
                violation_error_message="An updated article must have an update time.",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False),
                name="article_scheduled_has_publish_at",
                violation_error_message="A scheduled article must have a publication time.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(publish_at__isnull=True) | Q(expire_at__isnull=True) | Q(expire_at__gt=F("publish_at"))
                ),
                name="article_expires_after_publication",
                violation_error_message="A story must be taken down after it goes live.",
            ),
        ]

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return article_path(
            section_slug=self.section.slug,
            written_at=self.written_at or self.created_at or timezone.now(),
            slug=self.slug,
        )

    def reader_state(self, *, now=None):
        """
        What readers see of this story now, for the desk: "Live", "Scheduled for …",
        "Taken down at …" or the workflow stage. Whether it is live is ``published()``'s
        answer (``with_reader_visibility`` saves the query in lists); the rest only explains.
        """
        now = now or timezone.now()
        visible = getattr(self, "reader_visible", None)
        if visible is None:
            visible = self.pk is not None and Article.objects.published(now=now).filter(pk=self.pk).exists()
        return ReaderState.of(self, visible=visible, now=now)

    @property
    def is_published(self):
        """Whether readers see it now (``published()`` decides)."""
        return self.reader_state().is_live

    def clean(self):
        if self.publish_at and self.expire_at and self.expire_at <= self.publish_at:
            raise ValidationError({"expire_at": "The take-down time must be after the embargo time."})

    @property
    def has_been_published(self):
        return self.written_at is not None

    @cached_property
    def byline_authors(self):
        """Authors in byline order (prefetch ``bylines__author`` to avoid a query per article)."""
        return [byline.author for byline in self.bylines.all()]

    @property
    def sign_off(self):
        """The reporter's closing line, e.g. "Eileen Cahill, Newsroom World Radio News."."""
        authors = self.byline_authors
        if not authors:
            return ""
        names = " and ".join(author.name for author in authors)
        affiliation = authors[0].affiliation or settings.NEWSROOM_SITE_NAME
        return f"{names}, {affiliation}."


class ArticleAuthor(models.Model):
    """An ordered byline: the first author signs off first."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_author_once"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"


class InlinePhotoUse(models.Model):
    """
    A library photo shown in a story's text. Rewritten by ``articles.photos`` after every save
    of the text, so the photo library finds where its photos are used from this table instead
    of reading every story's text.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="inline_photo_uses")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="inline_uses")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "photo"], name="inline_photo_use_once"),
        ]

    def __str__(self):
        return f"Photo {self.photo_id} in the text of {self.article_id}"


class RelatedArticle(models.Model):
    """A manual Related News link, shown before the ones filled in from the same section."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    to_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"], name="related_link_once"),
            models.CheckConstraint(
                condition=~Q(from_article=F("to_article")),
                name="related_link_not_self",
                violation_error_message="A story cannot be related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.from_article} → {self.to_article}"


class EditorsPickQuerySet(models.QuerySet):
    def showing(self, *, section=None, now=None):
        """Picks on display now: within their time window, of published stories only."""
        now = now or timezone.now()
        lists = Q(section__isnull=True)
        if section is not None:
            lists |= Q(section=section)
        return self.filter(
            lists,
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            article__in=Article.objects.published(now=now),
        )


class EditorsPick(models.Model):
    """A story in an Editor's Pick list: a section's list, or the site-wide one when blank."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="picks")
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="picks",
        help_text="Leave blank for the site-wide list.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    objects = EditorsPickQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "editor's pick"
        verbose_name_plural = "editor's picks"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "section"],
                condition=Q(section__isnull=False),
                name="pick_once_per_section",
                violation_error_message="This story is already in this section's Editor's Pick.",
            ),
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(section__isnull=True),
                name="pick_once_site_wide",
                violation_error_message="This story is already in the site-wide Editor's Pick.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at"))
                ),
                name="pick_ends_after_start",
                violation_error_message="A pick must end after it starts.",
            ),
        ]

    def __str__(self):
        where = self.section.name if self.section_id else "site-wide"
        return f"{self.article} ({where})"

    def clean(self):
        if self.article_id and not self.article.is_published:
            raise ValidationError({"article": "Only published stories can be picked."})


class AppendOnlyModel(models.Model):
    """A record of something that happened: written once, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(f"{self._name()} are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self._name()} are append-only and cannot be deleted.")

    def _name(self):
        return str(self._meta.verbose_name_plural).capitalize()


class ArticleRevision(models.Model):
    """
    An immutable snapshot of an article's editable content, taken at every save.

    ``content`` holds the fields in ``articles.revisions.CONTENT_FIELDS`` with related rows as
    ids (authors and related stories as ordered lists). Only the publication record
    (``published_at``, ``correction_note``, ``minor``) is written later, once, when an editor
    publishes this revision.
    """

    # The trail outlives the story: deleting a story (one readers never saw) keeps its
    # revisions, holding its id, so no database constraint may tie them to the row.
    article = models.ForeignKey(
        Article, on_delete=models.DO_NOTHING, db_constraint=False, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    content = models.JSONField()
    # The article's version this revision produced, for finding what a stale editor started from.
    article_version = models.PositiveIntegerField()
    message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    correction_note = models.TextField(blank=True)
    minor = models.BooleanField(default=False)

    PUBLICATION_FIELDS = frozenset({"published_at", "correction_note", "minor"})

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_once"),
        ]

    def __str__(self):
        return f"Revision {self.number} of {self.article_id}"

    def save(self, *args, update_fields=None, **kwargs):
        if not self._state.adding and not (update_fields and set(update_fields) <= self.PUBLICATION_FIELDS):
            raise ValidationError("A revision's content is immutable: save a new revision instead.")
        super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Revisions are never deleted.")


class WorkflowEvent(AppendOnlyModel):
    """
    One state change of an article: who, from, to, why, when. Rows are never changed, and they
    outlive the story: a deleted story's events keep its id and its headline as it was.
    """

    DELETED = "deleted"
    STATUS_CHOICES = [*Article.Status.choices, (DELETED, "Deleted")]

    article = models.ForeignKey(
        Article, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    # The headline when the event happened: the trail reads the same after the story is gone.
    headline = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=32, blank=True)
    revision = models.ForeignKey(
        ArticleRevision, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Article.Status.choices)
    to_status = models.CharField(max_length=16, choices=STATUS_CHOICES)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        get_latest_by = "created_at"

    def __str__(self):
        return f"{self.headline or self.article_id}: {self.from_status} → {self.to_status}"

    @cached_property
    def article_or_none(self):
        """The story, or None once it was deleted (its id and headline stay on the event)."""
        return Article.objects.filter(pk=self.article_id).first()


class PendingNotification(models.Model):
    """
    A workflow event whose emails are not sent yet. Written in the transition's own transaction
    and deleted once the emails went, so an email that failed after the commit (the mail server
    away, the process dying) is still on record and is sent again (``notifications``).
    """

    event = models.OneToOneField(WorkflowEvent, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Emails of {self.event}"


class CurationEvent(AppendOnlyModel):
    """One change to an Editor's Pick list: the audit trail of curation."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"
        MOVED = "moved", "Moved"
        RESCHEDULED = "rescheduled", "Changed times"

    action = models.CharField(max_length=16, choices=Action.choices)
    article = models.ForeignKey(Article, null=True, on_delete=models.SET_NULL, related_name="+")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.article}"


class EditingPresence(models.Model):
    """Who has an article's change form open; a row older than a minute or two means gone."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="presence_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user} on {self.article}"


class WorkingCopy(models.Model):
    """
    One person's unsaved work on a story's change form, kept by autosave (``articles.admin.autosave``)
    so that a closed tab or a crash loses nothing. It is not a revision: the history holds only what
    someone saved. An explicit save makes the revision and deletes this; the copy remembers the
    version its form was opened at, so restoring it and saving merges with what others saved since.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="working_copies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The form's own fields as it would post them ({name: [values]}), so a restore fills the form
    # exactly as it was, whatever was half-typed.
    data = models.JSONField()
    base_version = models.PositiveIntegerField()
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="working_copy_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user}'s unsaved work on {self.article}"
