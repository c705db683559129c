"""
Full-text search over stories: one query syntax, one ranking formula, two database backends.

What a reader types is parsed here, once (``parse``): words, "quoted phrases", ``OR`` between
alternatives and ``-word`` exclusions, as search engines taught everyone. The parsed query is
then handed to the backend of the database in use (``connection.vendor``):

* PostgreSQL: a stored ``tsvector`` per story in ``articles_search`` with a GIN index, matched
  with ``websearch_to_tsquery`` (given our normalized form of the query, every term quoted, so
  both backends read the same syntax the same way), ranked with ``ts_rank`` and highlighted
  with ``ts_headline``, all in the language configuration ``settings.NEWSROOM_SEARCH_CONFIG``.
* SQLite (the embedded default): an FTS5 table ``articles_search`` (Porter stemmer), matched
  with an FTS5 expression built from the parsed terms, each one quoted (user text never reaches
  MATCH raw), ranked with ``bm25()`` and highlighted with ``snippet()``.

Both weigh the fields in the same order: headline, summary, anchor's lead, then the body text
and the author names. Both mix relevance with recency by the same formula,
``relevance / (1 + age in days × RECENCY_DECAY)``.

Both rank only the newest ``RANKED`` matches (``Results``), and count no further. A common word
matches half of 100,000 stories, and scoring, sorting and counting them all cost PostgreSQL
1–2 s a search. The newest matches instead come from a walk of the stories newest first (the
``article_live_newest`` index) with the match as a filter, which stops at ``RANKED + 1``: for a
common word a thousand-odd rows, under 10 ms. For a rarer query PostgreSQL's planner takes the
matches from the GIN index and sorts them by date instead; it chooses by the words' frequency
in its statistics. Then only those ``RANKED`` are scored (``ts_rank``; ``ts_rank_cd`` would
cost twice as much), and only the twenty rows of a page are read whole and highlighted
(``ts_headline`` parses the text again: 0.3–1 ms a story). What is given up: a story older
than the newest ``RANKED`` matches is not ranked, however well it matches (the recency
discount would place most such stories low anyway: two months old counts a third), and the
count reads "more than 500" rather than the exact number; more words or the date filter reach
the older ones. Both backends apply the same bound, so they rank alike.

This module never decides what a reader may see: ``search`` narrows a queryset it is given,
and the selectors give it ``Article.objects.published()`` (ARCHITECTURE.md, rule 2). The index
holds every story, live or not, so publishing, an embargo lifting or a take-down never has to
touch it; the join through ``published()`` keeps the others out of the results and the count.

The index follows the content: ``index_articles`` rewrites the rows of the stories given, and
is called on every save of an article row, of a byline or of an author's name (the receivers
at the bottom, connected in ``ArticlesConfig.ready``), and by ``revisions.apply_content``
after it rewrites the bylines in bulk (``bulk_create`` sends no signal). It runs in the
caller's transaction, so a rolled-back edit leaves the index as it was.
"""

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, DateTimeField, Expression, F, FloatField, TextField, Value
from django.utils.html import escape
from django.utils.safestring import mark_safe

TABLE = "articles_search"
# A query longer than this is cut (a reader's search is a handful of words, not a page of text).
MAX_QUERY_CHARS = 200
# At most this many terms are looked for; more would only slow the query down.
MAX_TERMS = 10
# Only the newest this many matches are ranked (and counted): 25 pages of 20 (see above).
RANKED = 500
# Relevance is divided by 1 + age in days × this: a story a month old counts half as much as
# the same story today, so recent coverage leads unless an older story matches far better.
RECENCY_DECAY = 1 / 30
# What the index reads, besides the bylines: a save that writes none of them changes nothing.
INDEXED_FIELDS = frozenset({"headline", "summary", "anchor_lead", "body"})
# Private-use characters around the matches in snippets. They are removed from the stories'
# text first, so once the snippet is escaped they are the only places a <mark> can appear.
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 30

_TERM = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Term:
    text: str
    excluded: bool = False


@dataclass(frozen=True)
class Query:
    """
    A reader's search, parsed: ``groups`` are alternatives (``OR``), each a tuple of terms that
    must all be there (or, for ``excluded`` ones, must not). ``text`` is what was searched for,
    cleaned and capped; ``shortened`` says the cap or the term limit cut something off.
    """

    text: str
    groups: tuple
    shortened: bool = False

    def __bool__(self):
        return bool(self.groups)

    def websearch(self):
        """The query for PostgreSQL's ``websearch_to_tsquery``, every term quoted."""

        def quoted(term):
            return f'{"-" if term.excluded else ""}"{term.text}"'

        return " or ".join(" ".join(quoted(term) for term in group) for group in self.groups)

    def fts5(self):
        """The query as an FTS5 expression, every term a quoted string (NOT binds tightest)."""

        def quoted(term):
            return '"' + term.text.replace('"', '""') + '"'

        alternatives = []
        for group in self.groups:
            expression = " AND ".join(quoted(term) for term in group if not term.excluded)
            expression += "".join(f" NOT {quoted(term)}" for term in group if term.excluded)
            alternatives.append(f"({expression})")
        return " OR ".join(alternatives)


def clean(text):
    """
    ``text`` without what no reader means to search for and some databases refuse: control
    characters (NUL), invisible formatting marks (right-to-left marks, zero-width joiners),
    lone surrogates and private-use characters (our snippet marks); compatibility forms folded
    (NFKC: full-width letters are letters), spaces collapsed.
    """
    kept = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", kept)).strip()


def parse(text):
    """
    Parse what a reader typed into a ``Query``. A term is a word or a "quoted phrase", ``-``
    before one excludes it, and ``OR`` (any case, as PostgreSQL reads it) separates
    alternatives. Terms without a letter or digit are dropped; an alternative with nothing but
    exclusions is dropped too (it would match nearly every story). Never raises.
    """
    text = clean(text)
    shortened = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS].strip()
    groups, group, count = [], [], 0
    for match in _TERM.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            groups.append(group)
            group = []
            continue
        if word is not None:
            minus, phrase = ("-", word[1:]) if word.startswith("-") else ("", word)
        phrase = _SPACES.sub(" ", phrase).strip()
        if not any(char.isalnum() for char in phrase):
            continue
        if count == MAX_TERMS:
            shortened = True
            break
        group.append(Term(phrase, excluded=bool(minus)))
        count += 1
    groups.append(group)
    kept = tuple(tuple(group) for group in groups if any(not term.excluded for term in group))
    return Query(text=text, groups=kept, shortened=shortened)


def plain_text(body):
    """A story body's text: tags become spaces (so paragraphs do not run together), entities text."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", body or ""))).strip()


def highlighted(snippet):
    """
    A snippet as safe HTML: all of its text escaped, and our marks (only ours: the stories'
    text is cleaned of them) turned into ``<mark>`` elements, kept only when they pair up.
    """
    if not snippet:
        return ""
    text = escape(snippet)
    if text.count(MARK_START) != text.count(MARK_END):
        return mark_safe(text.replace(MARK_START, "").replace(MARK_END, ""))
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


class SearchSQL(Expression):
    """
    A piece of a backend's SQL about one story, for the ORM: ``{pk}`` and ``{written_at}`` in
    ``sql`` stand for the story's columns (compiled, so they follow the aliases Django gives
    the table in subqueries), ``{now}`` for the current time, ``%s`` for ``params``.
    """

    def __init__(self, sql, params, *, now=None, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.params = sql, tuple(params)
        self.columns = [F("pk"), F("written_at"), Value(now, output_field=DateTimeField())]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        pk, written_at, now = (compiler.compile(column) for column in self.columns)
        # Parameters must follow the order of the placeholders in the finished SQL.
        parts = re.split(r"(\{pk\}|\{written_at\}|\{now\}|%s)", self.sql)
        own, columns = iter(self.params), {"{pk}": pk, "{written_at}": written_at, "{now}": now}
        sql, params = [], []
        for part in parts:
            if part in columns:
                sql.append(columns[part][0])
                params.extend(columns[part][1])
            elif part == "%s":
                sql.append("%s")
                params.append(next(own))
            else:
                sql.append(part)
        return "".join(sql), params


class PostgresBackend:
    # ts_rank's weights for D, C, B, A: body text and names, anchor's lead, summary, headline.
    WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
    AGE_DAYS = "GREATEST(EXTRACT(EPOCH FROM ({now} - {written_at})) / 86400.0, 0)"

    @property
    def config(self):
        return settings.NEWSROOM_SEARCH_CONFIG

    def tsquery(self, query):
        return "websearch_to_tsquery(%s::regconfig, %s)", [self.config, query.websearch()]

    def create(self, cursor):
        # No foreign key: Django's flush (transactional tests) truncates the articles without
        # CASCADE and would refuse. Rows of deleted stories are removed by ``remove``, and the
        # join through published() would leave out any that were not.
        cursor.execute(f"CREATE TABLE {TABLE} (article_id integer PRIMARY KEY, document tsvector NOT NULL)")
        cursor.execute(f"CREATE INDEX {TABLE}_document ON {TABLE} USING gin (document)")

    def drop(self, cursor):
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def index(self, cursor, ids=None):
        # One statement however many stories: the parser skips the body's tags and entities
        # itself, and setweight keeps each field's positions apart, so no phrase spans two.
        where, params = ("WHERE a.id = ANY(%s)", [list(ids)]) if ids is not None else ("", [])
        field = "setweight(to_tsvector(%s::regconfig, {}), '{}')"
        document = " || ".join(
            field.format(column, weight)
            for column, weight in [
                ("a.headline", "A"),
                ("a.summary", "B"),
                ("a.anchor_lead", "C"),
                ("a.body", "D"),
                ("coalesce(names.names, '')", "D"),
            ]
        )
        cursor.execute(
            f"""
            INSERT INTO {TABLE} (article_id, document)
            SELECT a.id, {document}
            FROM articles_article a
            LEFT JOIN LATERAL (
                SELECT string_agg(au.name, ' ' ORDER BY b.position) AS names
                FROM articles_articleauthor b JOIN articles_author au ON au.id = b.author_id
                WHERE b.article_id = a.id
            ) names ON true
            {where}
            ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document
            """,
            [self.config] * 5 + params,
        )

    def remove(self, cursor, ids):
        if ids is None:
            cursor.execute(f"DELETE FROM {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [list(ids)])

    def matches(self, query):
        tsquery, params = self.tsquery(query)
        return SearchSQL(
            f"{{pk}} IN (SELECT article_id FROM {TABLE} WHERE document @@ {tsquery})",
            params,
            output_field=BooleanField(),
        )

    def score(self, query, now):
        tsquery, params = self.tsquery(query)
        relevance = (
            f"(SELECT ts_rank('{self.WEIGHTS}', document, {tsquery}) FROM {TABLE} WHERE article_id = {{pk}})"
        )
        return SearchSQL(_mixed(relevance, self.AGE_DAYS), params, now=now, output_field=FloatField())

    def snippet(self, query):
        tsquery, params = self.tsquery(query)
        options = f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords={SNIPPET_WORDS}, MinWords=12'
        # The anchor's lead and body as they are stored (ts_headline skips tags as its parser
        # does), without our mark characters; tags and entities are undone in Python.
        text = "translate(a.anchor_lead || ' ' || a.body, %s, '')"
        return SearchSQL(
            f"(SELECT ts_headline(%s::regconfig, {text}, {tsquery}, %s)"
            " FROM articles_article a WHERE a.id = {pk})",
            [self.config, MARK_START + MARK_END, *params, options],
            output_field=TextField(),
        )

    def snippet_text(self, raw):
        return plain_text(raw)


class SqliteBackend:
    # bm25's weight for each column, in the table's order.
    COLUMNS = ("headline", "summary", "anchor_lead", "body", "authors")
    WEIGHTS = "10.0, 4.0, 2.0, 1.0, 1.0"
    AGE_DAYS = "max(julianday({now}) - julianday({written_at}), 0)"

    def create(self, cursor):
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5({', '.join(self.COLUMNS)},"
            " tokenize='porter unicode61 remove_diacritics 2')"
        )

    def drop(self, cursor):
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def index(self, cursor, ids=None):
        # FTS5 has no HTML parser: the body's text is taken out here, in Python.
        where, params = ("", []) if ids is None else (f"WHERE a.id IN {_IDS}", [_json(ids)])
        cursor.execute(
            f"""
            SELECT a.id, a.headline, a.summary, a.anchor_lead, a.body,
                (SELECT group_concat(name, ' ') FROM (
                    SELECT au.name AS name FROM articles_articleauthor b
                    JOIN articles_author au ON au.id = b.author_id
                    WHERE b.article_id = a.id ORDER BY b.position))
            FROM articles_article a {where}
            """,
            params,
        )
        rows = [
            (pk, headline, summary, anchor_lead, plain_text(body), names or "")
            for pk, headline, summary, anchor_lead, body, names in cursor.fetchall()
        ]
        self.remove(cursor, ids)
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, {', '.join(self.COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s)",
            [tuple(_unmarked(value) for value in row) for row in rows],
        )

    def remove(self, cursor, ids):
        if ids is None:
            cursor.execute(f"DELETE FROM {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN {_IDS}", [_json(ids)])

    def matches(self, query):
        return SearchSQL(
            f"{{pk}} IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s)",
            [query.fts5()],
            output_field=BooleanField(),
        )

    def score(self, query, now):
        # bm25() is lower for better matches, so its negation is the relevance.
        relevance = (
            f"(SELECT -bm25({TABLE}, {self.WEIGHTS}) FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid = {{pk}})"
        )
        return SearchSQL(_mixed(relevance, self.AGE_DAYS), [query.fts5()], now=now, output_field=FloatField())

    def snippet(self, query):
        # The body's best passage when the body matches, else the anchor's lead: as on
        # PostgreSQL, which looks in those two (the card shows the headline and summary).
        body, lead = (f"snippet({TABLE}, {column}, %s, %s, %s, {SNIPPET_WORDS})" for column in (3, 2))
        marks = [MARK_START, MARK_END, "…"]
        return SearchSQL(
            f"(SELECT CASE WHEN instr({body}, %s) THEN {body} ELSE {lead} END FROM {TABLE}"
            f" WHERE {TABLE} MATCH %s AND rowid = {{pk}})",
            [*marks, MARK_START, *marks, *marks, query.fts5()],
            output_field=TextField(),
        )

    def snippet_text(self, raw):
        return raw


def _mixed(relevance, age_days):
    """The one ranking formula, in either backend's SQL: relevance discounted by age."""
    return f"{relevance} / (1 + {age_days} * {RECENCY_DECAY!r})"


# The ids of a JSON array, in SQLite: one parameter however many there are.
_IDS = "(SELECT value FROM json_each(%s))"


def _json(ids):
    return "[" + ",".join(str(int(pk)) for pk in ids) + "]"


def _unmarked(value):
    return value.replace(MARK_START, "").replace(MARK_END, "") if isinstance(value, str) else value


BACKENDS = {"postgresql": PostgresBackend, "sqlite": SqliteBackend}


def backend(using=None):
    """The search backend of ``using`` (a connection; the default one if not given)."""
    vendor = (using or connection).vendor
    try:
        return BACKENDS[vendor]()
    except KeyError:
        raise NotImplementedError(f"Search has no backend for {vendor!r} databases.") from None


# --- reading ----------------------------------------------------------------------------------


def search_articles(articles, query, *, now):
    """
    The stories of ``articles`` (a queryset: the caller's, already limited to what readers may
    see) that match ``query`` (a ``Query``), as ``Results``.
    """
    return Results(articles, query, now=now)


class Results:
    """
    The newest ``RANKED`` stories of ``articles`` that match ``query``, best first: relevance
    mixed with recency, then the newest. A sequence as Django's ``Paginator`` takes one:
    ``count()`` and slices. A slice is a list of ``articles``' rows, each with ``search_score``
    and ``search_snippet`` (raw: see ``snippets``); ``more`` says that more stories matched
    than were ranked.

    Two queries, however many stories match: the matches' ids, dates and scores, newest first
    and no more than ``RANKED + 1`` of them (sorted by score here, in Python, the same on both
    backends); then the rows of one page, with the snippets, which only those rows cost.
    """

    def __init__(self, articles, query, *, now):
        self.articles, self.query, self.now = articles, query, now
        self.engine = backend()

    @cached_property
    def _newest(self):
        """``(search_score, written_at, pk)`` of the newest ``RANKED + 1`` matches."""
        return list(
            self.articles.filter(self.engine.matches(self.query))
            .annotate(search_score=self.engine.score(self.query, self.now))
            .order_by("-written_at", "-pk")
            .values_list("search_score", "written_at", "pk")[: RANKED + 1]
        )

    @cached_property
    def ranked(self):
        """The ``(pk, search_score)`` of the stories ranked, best first."""
        # A score is NULL only for a story whose index row went away mid-query: it sorts last.
        rows = sorted(self._newest[:RANKED], key=lambda row: (row[0] or 0.0, row[1], row[2]), reverse=True)
        return [(pk, score) for score, _, pk in rows]

    @property
    def more(self):
        return len(self._newest) > RANKED

    def count(self):
        return len(self.ranked)

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("Results are read a page (a slice) at a time.")
        scores = dict(self.ranked[key])
        snippet = self.engine.snippet(self.query)
        rows = self.articles.filter(pk__in=list(scores)).annotate(search_snippet=snippet).order_by()
        found = {article.pk: article for article in rows}
        page = []
        for pk, score in scores.items():
            # A story taken down between the two queries is left out, never shown.
            if pk in found:
                found[pk].search_score = score
                page.append(found[pk])
        return page


def snippets(articles):
    """Turn each fetched story's raw ``search_snippet`` into safe HTML with ``<mark>`` tags."""
    engine = backend()
    for article in articles:
        article.search_snippet = highlighted(engine.snippet_text(article.search_snippet or ""))
    return articles


# --- the index --------------------------------------------------------------------------------


def index_articles(ids=None, *, using=None):
    """Rewrite the index rows of the stories ``ids`` (every story when ``None``), in one go."""
    using = using or connection
    ids = None if ids is None else sorted(set(ids))
    if ids == []:
        return
    with using.cursor() as cursor:
        backend(using).index(cursor, ids)


def article_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    # Workflow steps (status, times, version) write none of the indexed fields: nothing to do.
    if raw or (update_fields is not None and not INDEXED_FIELDS & set(update_fields)):
        return
    index_articles([instance.pk])


def article_deleted(sender, instance, **kwargs):
    with connection.cursor() as cursor:
        backend().remove(cursor, [instance.pk])


def byline_saved(sender, instance, raw=False, **kwargs):
    # Bylines are removed only with their story or by ``apply_content``, which reindexes after
    # writing them anew; a post_delete receiver would also cost every such delete a query per row.
    if not raw:
        index_articles([instance.article_id])


def author_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    # A renamed author is found under the new name in every story of theirs.
    if raw or (update_fields is not None and "name" not in update_fields):
        return
    index_articles(instance.bylines.values_list("article_id", flat=True))


def connect_signals():
    """Keep the index following every save (called from ``ArticlesConfig.ready``)."""
    from django.db.models.signals import post_delete, post_save

    from articles.models import Article, ArticleAuthor, Author

    post_save.connect(article_saved, sender=Article, dispatch_uid="articles.search.article_saved")
    post_delete.connect(article_deleted, sender=Article, dispatch_uid="articles.search.article_deleted")
    post_save.connect(byline_saved, sender=ArticleAuthor, dispatch_uid="articles.search.byline_saved")
    post_save.connect(author_saved, sender=Author, dispatch_uid="articles.search.author_saved")
