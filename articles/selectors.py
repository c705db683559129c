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
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONArray
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
        count_query = _section_story_count if self.topic is None else _topic_story_count
        [count] = count_query(section=self.section, topic=self.topic, now=self.now)
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
        page_query = _section_story_page if self.topic is None else _topic_story_page
        rows = page_query(
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


def _story_count_query(values):
    """How many stories a section or topic lists: COUNT(*) as a one-row queryset (a compiled
    query returns rows); grouped by a constant, which Django leaves out of the GROUP BY."""
    return (
        _filed(Article.objects.published(now=values.now), section=values.section, topic=values.topic)
        .order_by()
        .values(listed=Value(True))
        .annotate(count=Count("*"))
        .values_list("count", flat=True)
    )


# A page of a section or topic: its length and the end its walk starts from are its shape. A
# topic's are planned for its own values on every run: how many of the stories it holds decides
# the walk, and one plan for every topic took a big topic's page from 6 to 13 ms (newsroom_bench).
_LIST_VALUES = {"section": int, "topic": int, "now": datetime.datetime}
_section_story_page = CompiledQuery(_story_page_query, offset=int, **_LIST_VALUES)
_topic_story_page = CompiledQuery(_story_page_query, plan_each_run=True, offset=int, **_LIST_VALUES)
_section_story_count = CompiledQuery(_story_count_query, **_LIST_VALUES)
_topic_story_count = CompiledQuery(_story_count_query, plan_each_run=True, **_LIST_VALUES)


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

    # How SQLite puts each value of the column in its array.
    sqlite_item = "%s"

    def as_sqlite(self, compiler, connection, **extra_context):
        # The subquery's one column, by its name there (a field's, or an annotation's).
        [column] = self.query.values_select or tuple(self.query.annotation_select)
        item = self.sqlite_item % connection.ops.quote_name(column)
        template = f"(SELECT json_group_array({item}) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _ids(value):
    return json.loads(value) if isinstance(value, str) else list(value or [])


class _RowList(_IdList):
    """
    ``_IdList`` of a subquery whose one column is ``_json_row(...)``: the rows, in its order,
    as one value of the outer row (``_rows`` reads it as a list of lists).
    """

    sqlite_item = "json(%s)"  # the row itself in the array, not its text as a string


def _json_row(*fields):
    """The values of ``fields`` as the text of one JSON array, for a ``_RowList`` subquery."""
    return Cast(JSONArray(*fields), TextField())


def _rows(value):
    if isinstance(value, str):  # SQLite: one JSON array of the rows
        return json.loads(value)
    return [json.loads(row) for row in value or []]  # PostgreSQL: an array of each row's text


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


# What a story's page shows of its bylines' authors and of its topics, read within its own query.
BYLINE_AUTHOR_FIELDS = ("id", "name", "slug", "affiliation")
SHOWN_TOPIC_FIELDS = ("id", "name", "slug")


def _byline_rows():
    """The story's bylines' authors in byline order, as ``_RowList`` rows of ``BYLINE_AUTHOR_FIELDS``."""
    bylines = ArticleAuthor.objects.filter(article=OuterRef("pk")).order_by("position", "pk")
    return _RowList(bylines.values(data=_json_row(*(f"author__{name}" for name in BYLINE_AUTHOR_FIELDS))))


def _topic_rows():
    """The story's topics by name, as ``_RowList`` rows of ``SHOWN_TOPIC_FIELDS``."""
    filed = ArticleTopic.objects.filter(article=OuterRef("pk")).order_by("topic__name")
    return _RowList(filed.values(data=_json_row(*(f"topic__{name}" for name in SHOWN_TOPIC_FIELDS))))


def article_detail(*, slug):
    """
    The published story with this slug, or ``None``, with what its page shows besides its long
    texts and correction notes, in one query: its section, lead photo and credit (the page's
    meta tags and address), its audio, its bylines' authors in byline order
    (``byline_authors``: the sign-off, the author links), its topics by name (``shown_topics``:
    the topic links; their ids are what Related News looks for) and ``has_corrections`` (most
    stories have none: no query for them). ``load_story_details`` reads the corrections.

    The bylines and topics come as rows of a subquery each: as queries of their own they cost the
    page's render more than the subqueries cost the story's.
    """
    found = _article_detail(slug=slug, now=timezone.now())
    if not found:
        return None
    [article] = found
    db = article._state.db
    article.byline_authors = [
        Author.from_db(db, BYLINE_AUTHOR_FIELDS, row) for row in _rows(article.byline_rows)
    ]
    article.shown_topics = [Topic.from_db(db, SHOWN_TOPIC_FIELDS, row) for row in _rows(article.topic_rows)]
    return article


_article_detail = CompiledQuery(
    lambda values: (
        Article.objects.published(now=values.now)
        .select_related(*CARD_RELATIONS, "audio")
        .annotate(
            byline_rows=_byline_rows(),
            topic_rows=_topic_rows(),
            has_corrections=Exists(published_corrections().filter(article=OuterRef("pk"))),
        )
        .filter(slug=values.slug)[:1]
    ),
    slug=str,
    now=datetime.datetime,
)


def topic_ids(article):
    """The ids of ``article``'s topics: its ``shown_topics`` (``article_detail``, a preview), else a query."""
    if hasattr(article, "shown_topics"):
        return [topic.pk for topic in article.shown_topics]
    return list(ArticleTopic.objects.filter(article=article).values_list("topic_id", flat=True))


def load_story_details(article):
    """
    Load what the story's text shows besides its row: its public correction notes, oldest first,
    as ``article.corrections`` (one query, only for a story that has some, when ``article_detail``
    says). A story that ``article_detail`` did not read gets its bylines' authors
    (``Article.byline_authors``) and its topics by name (``shown_topics``) too, in a query each.
    """
    if "byline_authors" not in article.__dict__:
        article.byline_authors = [byline.author for byline in article.bylines.select_related("author")]
    if not hasattr(article, "corrections"):
        has_corrections = getattr(article, "has_corrections", True)
        article.corrections = _corrections_of(article=article.pk) if has_corrections else []
    if not hasattr(article, "shown_topics"):
        article.shown_topics = list(article.topics.all())
    return article


_corrections_of = CompiledQuery(
    lambda values: published_corrections().filter(article=values.article), article=int
)


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


def related_news(*, article, topics=None, limit=RELATED_NEWS_COUNT, cards=None):
    """
    The Related News block for ``article``, as cards (``topics``: the ids of its topics,
    ``topic_ids(article)`` by default; ``cards``, a ``StoryCards`` its cards are read with): a
    query of their ids, and one of the cards.

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
    cards = cards or StoryCards()
    candidates = _related_candidates(
        limit,
        article=article.pk,
        section=article.section_id,
        written_at=article.written_at,
        topics=sorted(topics),
        now=cards.now,
    )
    positions = {pk: position for pk, position, _, _ in _related_order(candidates)[:limit]}
    # The block's cache tags tell the hand-picked links from the fill.
    shown = cards.in_order(list(positions))
    return [dataclasses.replace(card, manual_position=positions[card.pk]) for card in shown]


def _related_candidates_query(values, limit):
    """
    ``related_news``'s candidates, each as ``(id, manual position, shares a topic, written_at)``:
    its manual links, and the ``limit`` newest earlier stories of its topics and of its section
    (a story may come twice), all published, never the story itself.

    The candidate lists are the parts of one UNION ALL, and ``_related_order`` puts them in
    order. Ordered and cut by the database, the choice cost PostgreSQL a new plan on every run
    (a millisecond, more than the rest of the story page's queries together), because its plan
    for any values was a hundred times slower still. Each part alone has a plan that is good for
    any values, kept with the prepared statement.
    """
    published = Article.objects.published(now=values.now).exclude(pk=values.article)
    earlier = published
    if values.written_at is not None:
        earlier = earlier.filter(written_at__lte=values.written_at)
    shares_topic = link_shares_topic = Value(False)
    fills = [earlier.filter(section=values.section)]
    if values.topics:
        filed = ArticleTopic.objects.filter(topic__in=values.topics)
        shares_topic = Exists(filed.filter(article=OuterRef("pk")))
        link_shares_topic = Exists(filed.filter(article=OuterRef("to_article")))
        fills.append(earlier.filter(shares_topic))
    links = (
        RelatedArticle.objects.filter(from_article=values.article, to_article__in=published.values("pk"))
        .order_by()
        .values_list("to_article", "position", link_shares_topic, "to_article__written_at")
    )
    # Each fill wrapped in a ``pk IN``: SQLite allows no LIMIT directly in a part of a UNION.
    parts = [
        Article.objects.filter(pk__in=fill.newest_first().values("pk")[:limit])
        .order_by()
        .values_list("pk", Value(None, output_field=IntegerField()), shares_topic, "written_at")
        for fill in fills
    ]
    return links.union(*parts, all=True).order_by()


_related_candidates = CompiledQuery(
    _related_candidates_query,
    article=int,
    section=int,
    written_at=datetime.datetime,
    topics=[int],
    now=datetime.datetime,
)


def _related_order(candidates):
    """
    ``candidates`` (``_related_candidates``' rows), each story once, in the block's order: the
    manual links by position, then the stories sharing a topic with it, then the others, each
    newest first.
    """
    rows = {}
    for pk, position, shares_topic, written_at in candidates:
        if pk not in rows or position is not None:  # a linked story keeps its link's position
            rows[pk] = (pk, position, bool(shares_topic), written_at)
    newest_first = sorted(rows.values(), key=lambda row: (row[3], row[0]), reverse=True)
    # Python's sort is stable: within the same place and topic, the newest stay first.
    return sorted(newest_first, key=lambda row: (row[1] is None, row[1] or 0, not row[2]))


class StoryCards:
    """
    The cards of the stories a page's blocks show, read together. A block's stories are chosen
    by one query of ids and read by a second one: PostgreSQL plans two small queries in a tenth
    of the time it takes to plan the choice joined to every table a card shows. A block that
    knows its ids before another reads its cards says so (``expect``), and the first of them to
    read (``in_order``) reads every card named so far in that one query: a story page's Editor's
    Pick and Related News cost one query of cards, not two. Cards are read as ``published()``
    shows them at ``now`` (when it was made, by default), which blocks use for their choice too.
    """

    def __init__(self, *, now=None):
        self.now = now or timezone.now()
        self._expected = set()
        self._read = set()
        self._found = {}

    def expect(self, ids):
        """The stories ``ids`` will be asked for: read with the next cards read."""
        self._expected.update(ids)

    def in_order(self, ids):
        """The cards of the stories ``ids`` that ``published()`` shows, in the order of ``ids``."""
        if not self._read.issuperset(ids):
            unread = ({*ids} | self._expected) - self._read
            self._found.update(cards_by_id(unread, now=self.now))
            self._read |= unread
        return [self._found[pk] for pk in ids if pk in self._found]


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


def editors_picks(*, section=None, exclude=None, limit=None, cards=None):
    """
    The Editor's Pick block, as cards (read with ``cards``, a ``StoryCards``, if given): the
    section's picks first, then the site-wide ones.

    Only picks on display now (``EditorsPick.objects.showing()``: inside their time window, of
    published stories). A story picked in both lists appears once, in the section's place.
    Returns at most ``limit`` (default ``settings.NEWSROOM_PICKS_LIMIT``) articles.
    """
    cards = cards or StoryCards()
    return cards.in_order(editors_pick_ids(section=section, exclude=exclude, limit=limit, now=cards.now))


def editors_pick_ids(*, section=None, exclude=None, limit=None, now=None):
    """The ids of ``editors_picks``'s stories, in their order, in one query."""
    limit = settings.NEWSROOM_PICKS_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    picked = _picked_ids(
        limit,
        section=getattr(section, "pk", section),
        exclude=getattr(exclude, "pk", exclude),
        now=now or timezone.now(),
    )
    return list(dict.fromkeys(picked))[:limit]


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
