"""
Reader queries: every page, block and feed the public sees is shaped here, on top of
``Article.objects.published()``.

Each selector returns rows ready to render: the relations a template touches are joined
(``select_related``) or fetched in one extra query (``prefetch_related``), so a page costs the
same number of queries whether it shows one related story or twenty.

The date archive has no selector of its own: its views narrow ``article_list()`` to a day or
a month with Django's date-based views (articles/views.py).
"""

import dataclasses
import datetime
import json

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from articles import cards, search
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleRevision,
    Author,
    EditorsPick,
    Photo,
    RelatedArticle,
    Section,
    Topic,
)
from ops.compiled import CompiledQuery

ArticleTopic = Article.topics.through

# How many stories the Related News block shows, manual links first.
RELATED_NEWS_COUNT = 5
# How many of each section's latest stories the home page lists under the section's name.
HOME_STORIES_PER_SECTION = 4

# What an article card shows: its section label, lead photo and the photo's credit, and whether
# it is a running live story (the LIVE label; the reverse one-to-one of the live app).
CARD_RELATIONS = ("section", "lead_photo__credit", "live_coverage")
# What a card never shows; lists leave these long texts in the database.
STORY_TEXT_FIELDS = ("anchor_lead", "body")


def _cards(articles):
    return articles.select_related(*CARD_RELATIONS).defer(*STORY_TEXT_FIELDS)


def _bylines():
    """The bylines and their authors in byline order, in one extra query (``Article.byline_authors``)."""
    return Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))


def _any_of(*candidates):
    """
    The ids in any of the ``candidates`` (subqueries of ids, sliced or not), as one UNION ALL
    for ``pk__in``. PostgreSQL plans each part on its own index; an OR of ``pk IN (...)``
    conditions instead makes it scan every story. Each part is wrapped in its own ``pk IN``
    because SQLite allows no LIMIT directly in a part of a UNION.
    """
    parts = [Article.objects.filter(pk__in=ids).values("pk") for ids in candidates]
    return parts[0].union(*parts[1:], all=True)


def section_list():
    """Every section in menu order (position, then name)."""
    return Section.objects.all()


def author_list():
    """Every byline, by name."""
    return Author.objects.all()


def topic_list():
    """Every topic, by name."""
    return Topic.objects.all()


def section_by_slug(slug):
    """The section with this slug, or ``None``."""
    found = _section_by_slug(slug=slug)
    return found[0] if found else None


def topic_by_slug(slug):
    """The topic with this slug, or ``None``."""
    found = _topic_by_slug(slug=slug)
    return found[0] if found else None


_section_by_slug = CompiledQuery(lambda values: section_list().filter(slug=values.slug)[:1], slug=str)
_topic_by_slug = CompiledQuery(lambda values: topic_list().filter(slug=values.slug)[:1], slug=str)


def article_list(*, section=None, author=None, topic=None):
    """
    Published stories, newest first, ready to render as cards. The long texts (``body``,
    ``anchor_lead``) are deferred: a caller that shows them should use ``article_detail``.
    """
    return _cards(
        _filed(Article.objects.published(), section=section, author=author, topic=topic).newest_first()
    )


def _filed(articles, *, section=None, author=None, topic=None):
    """``articles`` narrowed to those of ``section``, by ``author``, filed under ``topic`` (any given)."""
    if section is not None:
        articles = articles.filter(section=section)
    if author is not None:
        articles = articles.filter(authors=author)
    if topic is not None:
        # A semi-join, not a join: a story is listed once whatever else it is filed under.
        articles = articles.filter(Exists(ArticleTopic.objects.filter(article=OuterRef("pk"), topic=topic)))
    return articles


@dataclasses.dataclass(frozen=True)
class StoryList:
    """
    The published stories of a section or a topic (``section``, ``topic``: ids), newest first,
    as ``article_list`` has them, read by queries compiled once per process
    (``ops.compiled.CompiledQuery``): the section and topic pages build no queryset. Every
    read sees the list as it was at ``now``.

    ``count()`` (for ``Paginator``) counts them; ``cards(start, stop, ...)`` reads a page.
    """

    section: int | None = None
    topic: int | None = None
    # The clock read through timezone.now at each list's making, as every reader query does (a
    # test patches it): default_factory=timezone.now would keep the function it was at import.
    now: datetime.datetime = dataclasses.field(default_factory=lambda: timezone.now())

    def count(self):
        [count] = _story_count(section=self.section, topic=self.topic, now=self.now)
        return count

    def cards(self, start, stop, *, from_oldest=False, count=None):
        """
        The cards of stories ``start`` to ``stop`` (newest first, as slicing), in one query: the
        database walks the list's index for the page's ids alone, from the nearer end
        (``from_oldest``, with the list's ``count``), then reads their rows by primary key.
        """
        if stop <= start:
            return []
        offset = count - stop if from_oldest else start
        rows = _story_page(
            stop - start, from_oldest, section=self.section, topic=self.topic, offset=offset, now=self.now
        )
        return cards.cards_from_rows(rows)


class _Offset(Subquery):
    """
    A subquery sliced to its first rows (``queryset[:limit]``), read from ``offset`` on, the
    offset a parameter of the SQL: Django's own slicing writes it into the SQL's text, so a
    compiled query would need one SQL per page of a list, where this one serves every page.
    """

    template = "(%(subquery)s OFFSET %%s)"

    def __init__(self, queryset, *, offset):
        if queryset.query.low_mark or queryset.query.high_mark is None:
            raise ValueError("_Offset takes a queryset sliced as [:limit].")
        super().__init__(queryset)
        self.offset = offset

    def as_sql(self, compiler, connection, template=None, **extra_context):
        sql, params = super().as_sql(compiler, connection, template, **extra_context)
        return sql, (*params, self.offset)


def _story_page_query(values, limit, from_oldest):
    """
    ``StoryList.cards``'s query: ``limit`` ids from ``offset`` on, walked from the newest (or the
    oldest, ``from_oldest``), and their cards' rows, newest first.
    """
    listed = _filed(Article.objects.published(now=values.now), section=values.section, topic=values.topic)
    ids = listed.newest_first().values("pk")
    if from_oldest:  # the order is total (newest_first), so it reverses exactly
        ids = ids.reverse()
    page = _Offset(ids[:limit], offset=values.offset)
    return (
        Article.objects.published(now=values.now)
        .filter(pk__in=page)
        .newest_first()
        .values(*cards.CARD_FIELDS)
    )


# A page of a section or topic: its length and the end its walk starts from are its shape.
_story_page = CompiledQuery(_story_page_query, section=int, topic=int, offset=int, now=datetime.datetime)
# How many stories a section or topic lists: COUNT(*) as a one-row queryset (a compiled query
# returns rows); grouped by a constant, which Django leaves out of the GROUP BY: one group.
_story_count = CompiledQuery(
    lambda values: (
        _filed(Article.objects.published(now=values.now), section=values.section, topic=values.topic)
        .order_by()
        .values(listed=Value(True))
        .annotate(count=Count("*"))
        .values_list("count", flat=True)
    ),
    section=int,
    topic=int,
    now=datetime.datetime,
)


def card_list(articles):
    """
    ``articles`` (a queryset of stories, ordered and sliced as it is to be shown) as
    ``cards.Card`` objects, in one flat query: what a card shows, without model instances.
    """
    return cards.cards_from_rows(articles.values(*cards.CARD_FIELDS))


def cards_by_id(ids, *, now=None):
    """``{id: card}`` of the published stories among ``ids``, in one query."""
    if not ids:
        return {}
    rows = _card_rows_by_id(ids=sorted(ids), now=now or timezone.now())
    return {card.pk: card for card in cards.cards_from_rows(rows)}


def newest_story_ids(*, limit, now=None):
    """The ids of the ``limit`` newest published stories: a walk of the ``article_live_newest`` index."""
    return _newest_ids(limit, now=now or timezone.now())


_newest_ids = CompiledQuery(
    lambda values, limit: (
        Article.objects.published(now=values.now).newest_first().values_list("pk", flat=True)[:limit]
    ),
    now=datetime.datetime,
)


class _IdList(Subquery):
    """
    The ids a one-column subquery yields, as one value of the outer row: ``ARRAY(...)`` on
    PostgreSQL, a JSON array on SQLite (``_ids`` reads either). The subquery is planned once
    and run for each outer row (a correlated index probe).
    """

    template = "ARRAY(%(subquery)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        [column] = self.query.values_select  # the subquery's one column, by its name there
        template = f"(SELECT json_group_array({connection.ops.quote_name(column)}) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _ids(value):
    return json.loads(value) if isinstance(value, str) else list(value or [])


def sections_with_newest(*, per_section, now=None):
    """
    Every section in menu order, each with ``newest_ids``: the ids of its ``per_section``
    newest published stories, newest first, in one query (one newest-first probe of the
    ``article_live_section_pages`` index per section, never a sort of them all). The ids keep
    the subquery's order (PostgreSQL's ``ARRAY(SELECT ... ORDER BY)``, SQLite's
    ``json_group_array`` over an ordered subquery).
    """
    sections = _sections_with_newest(per_section, now=now or timezone.now())
    for section in sections:
        section.newest_ids = _ids(section.newest_ids)
    return sections


def _sections_with_newest_query(values, per_section):
    newest = (
        Article.objects.published(now=values.now)
        .filter(section=OuterRef("pk"))
        .newest_first()
        .values("pk")[:per_section]
    )
    return section_list().annotate(newest_ids=_IdList(newest))


_sections_with_newest = CompiledQuery(_sections_with_newest_query, now=datetime.datetime)


def _sections_shown(*, per_section, excluded, now):
    """
    ``sections_with_newest``, each section's ``newest_ids`` cut to the ``per_section`` newest
    that are not ``excluded``: it reads as many more as are excluded (they can only be among
    the newest).
    """
    sections = sections_with_newest(per_section=per_section + len(excluded), now=now)
    for section in sections:
        section.newest_ids = [pk for pk in section.newest_ids if pk not in excluded][:per_section]
    return sections


def _section_blocks(sections, found):
    """``[(section, [card, ...])]`` of ``sections`` whose newest ids are among the ``found`` cards."""
    blocks = []
    for section in sections:
        shown = [found[pk] for pk in section.newest_ids if pk in found]
        if shown:
            blocks.append((section, shown))
    return blocks


def front_page(*, newest, lead, per_section=HOME_STORIES_PER_SECTION):
    """
    The stories of the front page, as cards, in four queries whatever their number: the
    site-wide Editor's Pick's ids, the ``newest`` newest stories' ids (with room for the picked
    ones), each section's newest ids, then every card at once.

    Returns ``(newest, picks, section_blocks)``: the newest stories (``newest`` plus as many as
    there are picks, newest first), the picks in their order, and ``[(section, [card, ...])]``:
    each section's ``per_section`` newest stories, in menu order, leaving out the ``lead`` newest
    stories and sections with nothing published.
    """
    now = timezone.now()
    pick_ids = site_pick_ids(now=now)
    newest_ids = newest_story_ids(limit=newest + len(pick_ids), now=now)
    sections = _sections_shown(per_section=per_section, excluded=set(newest_ids[:lead]), now=now)
    section_ids = [pk for section in sections for pk in section.newest_ids]
    found = cards_by_id({*pick_ids, *newest_ids, *section_ids}, now=now)
    return (
        [found[pk] for pk in newest_ids if pk in found],
        [found[pk] for pk in pick_ids if pk in found],
        _section_blocks(sections, found),
    )


def _topic_ids_text():
    """The story's topic ids as text ("3,8"; NULL for none), read within the story's own query."""
    ids = (
        ArticleTopic.objects.filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(ids=StringAgg(Cast("topic_id", CharField()), delimiter=Value(",")))
        .values("ids")
    )
    return Subquery(ids[:1])


def article_detail(*, slug):
    """
    The published story with this slug, or ``None``, with its section, lead photo and credit
    (what the page's meta tags and address need), its audio, the ids of its topics
    (``topic_ids``: Related News and the topic links need them, and a story without topics then
    costs no query for them) and ``has_corrections`` (most stories have none: no query for them
    either). Its bylines and corrections are loaded by ``load_story_details`` when its text is
    shown.
    """
    found = _article_detail(slug=slug, now=timezone.now())
    return found[0] if found else None


_article_detail = CompiledQuery(
    lambda values: (
        Article.objects.published(now=values.now)
        .select_related(*CARD_RELATIONS, "audio")
        .annotate(
            topic_ids_text=_topic_ids_text(),
            has_corrections=Exists(published_corrections().filter(article=OuterRef("pk"))),
        )
        .filter(slug=values.slug)[:1]
    ),
    slug=str,
    now=datetime.datetime,
)


def topic_ids(article):
    """The ids of ``article``'s topics: from ``article_detail``'s row, else one query (a preview)."""
    if hasattr(article, "topic_ids_text"):
        return [int(pk) for pk in (article.topic_ids_text or "").split(",") if pk]
    return list(ArticleTopic.objects.filter(article=article).values_list("topic_id", flat=True))


def load_story_details(article):
    """
    Load what the story's text shows besides its row: its bylines and their authors, in byline
    order, for the sign-off (``Article.sign_off``) and the author links
    (``Article.byline_authors``); its public correction notes, oldest first, as
    ``article.corrections`` (a second query, only for a story that has some, when
    ``article_detail`` says); its topics by name as ``article.shown_topics`` (a third query, only
    for a story that has topics).
    """
    if "byline_authors" not in article.__dict__:
        article.byline_authors = [byline.author for byline in _bylines_of(article=article.pk)]
    if not hasattr(article, "corrections"):
        has_corrections = getattr(article, "has_corrections", True)
        article.corrections = _corrections_of(article=article.pk) if has_corrections else []
    if not hasattr(article, "shown_topics"):
        ids = topic_ids(article)
        article.shown_topics = _topics_by_id(ids=ids) if ids else []
    return article


_bylines_of = CompiledQuery(
    lambda values: ArticleAuthor.objects.filter(article=values.article).select_related("author"), article=int
)
_corrections_of = CompiledQuery(
    lambda values: published_corrections().filter(article=values.article), article=int
)
_topics_by_id = CompiledQuery(lambda values: topic_list().filter(pk__in=values.ids), ids=[int])


def published_corrections():
    """Correction notes published with updates, oldest first (shown below the story)."""
    return (
        ArticleRevision.objects.filter(published_at__isnull=False)
        .exclude(correction_note="")
        .only("article_id", "published_at", "correction_note")
        .order_by("published_at")
    )


def photos_by_image(*, names):
    """
    The photos whose image files are ``names`` (storage names), with their credits, in one
    query: ``{image name: photo}``. For the photos placed in a story's body.
    """
    photos = Photo.objects.select_related("credit").filter(image__in=names)
    return {photo.image.name: photo for photo in photos}


def withdrawn_article_pk(*, slug):
    """
    The id of the story with this slug if readers once saw it and no longer can (it answers
    410 Gone): unpublished, or taken down at its expiry time; otherwise ``None``.

    A story never published has no ``written_at``, and an embargoed one has it in the future
    (its embargo time); both answer 404, which tells nobody that such a story exists.
    """
    # The published() subquery is narrowed to the slug too: unnarrowed, PostgreSQL hashes every
    # live story (95,000 rows at 100k stories) for each request to a withdrawn address.
    showing = Article.objects.published().filter(slug=slug).values("pk")
    withdrawn = Article.objects.filter(slug=slug, written_at__lte=timezone.now()).exclude(pk__in=showing)
    return withdrawn.values_list("pk", flat=True).first()


def related_news(*, article, topics=None, limit=RELATED_NEWS_COUNT):
    """
    The Related News block for ``article``, in one query (``topics``: the ids of its topics,
    ``topic_ids(article)`` by default).

    The editors' manual links come first in their order, then stories that went live before
    this one (the coverage that led up to it) fill the block up to ``limit``: first those
    sharing a topic with it, from any section, then the rest of its section, each newest first.
    Never the story itself, never an unpublished one, never the same story twice. Every
    candidate list is a small subquery (the links, and a newest-first index walk of ``limit``
    stories of the topics, and of the section, from this story's time), so the cost does not
    grow with the size of the section or the topics.

    Why earlier stories rather than the section's newest: a story published now never enters
    the block of an older story, so publishing does not make every story page of its section
    render again; only the pages whose block spans the day of a change do
    (``cachetags.for_related_news``). A story not yet live (a preview) fills from the newest.
    """
    topics = topic_ids(article) if topics is None else topics
    now = timezone.now()
    chosen = dict(
        _related_ids(
            limit,
            article=article.pk,
            section=article.section_id,
            written_at=article.written_at,
            topics=sorted(topics),
            now=now,
        )
    )
    # The block's cache tags tell the hand-picked links from the fill.
    return [
        dataclasses.replace(card, manual_position=chosen[card.pk])
        for card in _cards_in_order(list(chosen), now=now)
    ]


def _related_choice(values, limit):
    """``related_news``'s choice: ``(id, manual position)`` of the stories it shows, in order."""
    published = Article.objects.published(now=values.now).exclude(pk=values.article)
    linked = RelatedArticle.objects.filter(from_article=values.article).values("to_article")
    earlier = published
    if values.written_at is not None:
        earlier = earlier.filter(written_at__lte=values.written_at)
    candidates = [linked, earlier.filter(section=values.section).newest_first().values("pk")[:limit]]
    order = [F("manual_position").asc(nulls_last=True), "-written_at", "-pk"]
    if values.topics:
        shares_topic = Exists(ArticleTopic.objects.filter(article=OuterRef("pk"), topic__in=values.topics))
        candidates.append(earlier.filter(shares_topic).newest_first().values("pk")[:limit])
        order.insert(1, shares_topic.desc())
    manual_position = RelatedArticle.objects.filter(
        from_article=values.article, to_article=OuterRef("pk")
    ).values("position")[:1]
    return (
        published.filter(pk__in=_any_of(*candidates))
        .annotate(manual_position=Subquery(manual_position))
        .order_by(*order)
        .values_list("pk", "manual_position")[:limit]
    )


_related_ids = CompiledQuery(
    _related_choice,
    article=int,
    section=int,
    written_at=datetime.datetime,
    topics=[int],
    now=datetime.datetime,
)


def _cards_in_order(ids, *, now):
    """
    The cards of the stories ``ids`` that ``published()`` shows, in the order of ``ids``.

    A block's stories are chosen by one query of ids and read by this second one: PostgreSQL
    plans two small queries in a tenth of the time it takes to plan the choice joined to
    every table a card shows (which it did anew on every render).
    """
    if not ids:
        return []
    found = {card.pk: card for card in cards.cards_from_rows(_card_rows_by_id(ids=ids, now=now))}
    return [found[pk] for pk in ids if pk in found]


# The flat rows of ``card_list``, compiled once: no order (the ids give it).
_card_rows_by_id = CompiledQuery(
    lambda values: (
        Article.objects.published(now=values.now)
        .filter(pk__in=values.ids)
        .order_by()
        .values(*cards.CARD_FIELDS)
    ),
    ids=[int],
    now=datetime.datetime,
)


def editors_picks(*, section=None, exclude=None, limit=None):
    """
    The Editor's Pick block: the section's picks first, then the site-wide ones.

    Only picks on display now (``EditorsPick.objects.showing()``: inside their time window, of
    published stories). A story picked in both lists appears once, in the section's place.
    Returns at most ``limit`` (default ``settings.NEWSROOM_PICKS_LIMIT``) articles.
    """
    limit = settings.NEWSROOM_PICKS_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    now = timezone.now()
    picked = _picked_ids(
        limit,
        section=getattr(section, "pk", section),
        exclude=getattr(exclude, "pk", exclude),
        now=now,
    )
    return _cards_in_order(list(dict.fromkeys(picked))[:limit], now=now)


def _pick_choice(values, limit):
    """``editors_picks``'s choice: the ids of the picked stories in order (a story may come twice)."""
    picks = EditorsPick.objects.showing(section=values.section, now=values.now)
    if values.exclude is not None:
        picks = picks.exclude(article=values.exclude)
    # A story is in each list at most once, so twice the limit always yields enough distinct ones.
    return picks.order_by(F("section").asc(nulls_last=True), "position", "pk").values_list(
        "article_id", flat=True
    )[: limit * 2]


_picked_ids = CompiledQuery(_pick_choice, section=int, exclude=int, now=datetime.datetime)


def site_pick_ids(*, now=None, limit=None):
    """
    The site-wide Editor's Pick (``editors_picks()`` without a section) as story ids in their
    order, at most ``limit`` (default ``settings.NEWSROOM_PICKS_LIMIT``): picks on display now,
    of published stories (``EditorsPick.objects.showing()``). A story is in that list once.
    """
    limit = settings.NEWSROOM_PICKS_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    return _site_pick_ids(limit, now=now or timezone.now())


_site_pick_ids = CompiledQuery(
    lambda values, limit: (
        EditorsPick.objects.showing(now=values.now)
        .filter(section__isnull=True)
        .order_by("position", "pk")
        .values_list("article_id", flat=True)[:limit]
    ),
    now=datetime.datetime,
)


# How many stories a feed carries, newest first.
FEED_ITEMS = 30


def feed_articles(*, section=None, author=None, topic=None, limit=FEED_ITEMS):
    """
    The newest ``limit`` published stories (of one section, of one author, or of all) for a
    feed, with their lead photos and credits.

    Like ``article_list`` with the bylines and their authors in one extra query, for the feed's
    author names (``Article.byline_authors``); the long texts stay in the database.
    """
    return list(
        article_list(section=section, author=author, topic=topic).prefetch_related(_bylines())[:limit]
    )


def podcast_episodes(*, section, limit=FEED_ITEMS):
    """
    The newest ``limit`` published stories of ``section`` that have their report's audio, for
    its podcast feed: as ``feed_articles``, with the recording joined.
    """
    return list(
        article_list(section=section)
        .filter(audio__isnull=False)
        .select_related("audio")
        .prefetch_related(_bylines())[:limit]
    )


# What a sitemap entry of a story needs: its address (slug, section slug, first publication), its
# last change (``updated_at``) and its lead photo's renditions (computed from the photo's row).
SITEMAP_PHOTO_FIELDS = (
    "image", "width", "height", "focal_x", "focal_y", "renditions_focal_x", "renditions_focal_y",
)  # fmt: skip
SITEMAP_FIELDS = (
    "pk", "slug", "written_at", "updated_at", "created_at", "section__slug", "lead_photo_id",
    *(f"lead_photo__{name}" for name in SITEMAP_PHOTO_FIELDS),
)  # fmt: skip
# Google News lists stories first published this recently, at most this many of them.
NEWS_SITEMAP_WINDOW = datetime.timedelta(hours=48)
NEWS_SITEMAP_ITEMS = 1000


def sitemap_articles():
    """
    Every published story, newest first, as rows of what a sitemap entry needs (``values()`` of
    ``SITEMAP_FIELDS``). A page of the articles sitemap holds a thousand: as model instances (a
    story, its section and its photo each) they took a worker's memory to a peak it then kept.
    """
    return Article.objects.published().values(*SITEMAP_FIELDS).newest_first()


def news_sitemap_articles(*, now=None):
    """
    The stories for Google News: first published in the last ``NEWS_SITEMAP_WINDOW``, newest
    first, at most ``NEWS_SITEMAP_ITEMS`` of them, with their headlines.
    """
    now = now or timezone.now()
    return (
        Article.objects.published(now=now)
        .filter(written_at__gte=now - NEWS_SITEMAP_WINDOW)
        .select_related("section")
        .only("slug", "headline", "written_at", "created_at", "section__slug")
        .newest_first()[:NEWS_SITEMAP_ITEMS]
    )


def _newest_story(**where):
    """When the newest published story matching ``where`` (an ``OuterRef`` lookup) was first published."""
    return Subquery(
        Article.objects.published().filter(**where).order_by("-written_at").values("written_at")[:1]
    )


def sitemap_sections():
    """Every section in menu order, with ``newest``: when its newest story was published (or None)."""
    return section_list().annotate(newest=_newest_story(section=OuterRef("pk")))


def sitemap_topics():
    """Every topic by name, with ``newest``: when its newest story was published (or None)."""
    filed = ArticleTopic.objects.filter(topic=OuterRef(OuterRef("pk"))).values("article")
    return topic_list().annotate(newest=_newest_story(pk__in=filed))


def sitemap_authors():
    """
    The authors with at least one published story (an author page with none is empty), by name.
    Their lastmods come from ``newest_story_by_author`` (one grouped query for all of them).
    """
    bylines = Article.objects.published().filter(bylines__author=OuterRef("pk"))
    return author_list().filter(Exists(bylines)).only("slug")


def newest_story_by_author():
    """``{author id: when their newest published story was first published}``, in one grouped query."""
    return dict(
        Article.objects.published()
        .filter(bylines__isnull=False)
        .order_by()
        .values_list("bylines__author")
        .annotate(newest=Max("written_at"))
    )


def sitemap_authors_lastmod():
    """When the newest published story with a byline was first published: the newest of the authors'."""
    return (
        Article.objects.published()
        .filter(Exists(ArticleAuthor.objects.filter(article=OuterRef("pk"))))
        .newest_first()
        .values_list("written_at", flat=True)
        .first()
    )


def sitemap_articles_lastmod():
    """
    When the newest change to a published story was made (its update, or first publication):
    the first visible entry of the ``article_live_last_change`` index.
    """
    return sitemap_articles().aggregate(lastmod=Max(Coalesce("updated_at", "written_at")))["lastmod"]


def article_search(*, query, section=None, since=None, until=None, now=None):
    """
    Published stories matching ``query`` (an ``articles.search.Query``), best first (relevance
    mixed with recency, ``articles.search``), as cards with ``search_score`` and a raw
    ``search_snippet`` (``search.snippets`` makes it HTML). Optionally only one ``section``'s,
    and only those first published from the day ``since`` to the day ``until`` (dates, both
    included, in the site's time zone). The full-text matches are joined through
    ``published()``, so neither the results nor their count ever include a story readers
    cannot see.
    """
    now = now or timezone.now()
    articles = Article.objects.published(now=now)
    if section is not None:
        articles = articles.filter(section=section)
    if since is not None:
        articles = articles.filter(written_at__gte=_start_of(since))
    if until is not None:
        articles = articles.filter(written_at__lt=_start_of(until + datetime.timedelta(days=1)))
    return search.search_articles(_cards(articles), query, now=now)


def _start_of(day):
    """The first moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def next_visibility_change(*, now=None):
    """
    The next moment what readers see changes by the clock alone (an embargo lifting, a
    take-down time, an Editor's Pick starting or ending), or ``None``. The page cache never
    keeps a page or block past it.
    """
    now = now or timezone.now()
    approved = Article.objects.filter(status__in=Article.Status.approved())
    # The first entry after now of each partial index of that time (``article_embargoes``,
    # ``article_take_downs``, whose condition the filter repeats): one probe each, O(log n),
    # however many stories have such a time. The page cache asks again only when a schedule
    # changes (``pagecache.SCHEDULES``).
    stories = {
        field: approved.filter(**{f"{field}__gt": now}).order_by(field).values_list(field, flat=True).first()
        for field in ("publish_at", "expire_at")
    }
    picks = EditorsPick.objects.aggregate(
        starts=Min("starts_at", filter=Q(starts_at__gt=now)),
        ends=Min("ends_at", filter=Q(ends_at__gt=now)),
    )
    moments = [moment for moment in [*stories.values(), *picks.values()] if moment is not None]
    return min(moments) if moments else None
