"""
Reader pages. Readers never change state: these views only read through ``selectors``.

Every page is the same for every anonymous reader (no session, no CSRF cookie, nothing per
user), so a shared cache can sit in front of them.
"""

import functools

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.views.generic.dates import DayArchiveView, MonthArchiveView, YearArchiveView

import pagecache
from articles import cachetags, preview, selectors, structured_data
from articles import search as search_query
from articles.cachetags import LISTING, PICKS, SITE
from articles.forms import SearchFilters
from articles.models import Article
from ops.dbrouter import reads_primary
from pagecache import tag, uses_params

STORIES_PER_PAGE = 20


class IdPaginator(Paginator):
    """
    Fetches a page as "the rows whose ids are on it": the database walks the list's index for
    the page's ids alone (an index-only scan, even 40,000 rows deep), then reads twenty rows by
    primary key, instead of building and skipping every full row before the page.

    The walk starts from the nearer end of the list: page 2,000 of 2,400 is found by skipping
    the 8,000 oldest stories, not the 40,000 newest (the order must be total, as
    ``newest_first`` is, so that it reverses exactly).

    A ``selectors.StoryList`` (a section's or topic's stories, read by compiled queries) is
    paged the same way, by its own query, and its page is cards already.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        from_oldest = bottom > self.count - top
        if isinstance(self.object_list, selectors.StoryList):
            stories = self.object_list.cards(bottom, top, from_oldest=from_oldest, count=self.count)
            return self._get_page(stories, number, self)
        if not isinstance(self.object_list, QuerySet):
            return self._get_page(self.object_list[bottom:top], number, self)
        ids = self.object_list.values("pk")
        ids = ids.reverse()[self.count - top : self.count - bottom] if from_oldest else ids[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


def paginate(request, articles, per_page=STORIES_PER_PAGE, *, counted_as=None):
    """
    The ``?page=N`` page of ``articles``, its stories as cards (``selectors.card_list``). A page
    that is not a number or out of range is a 404.

    ``counted_as``, ``(name, tags)``: the list's length is kept by the page cache like a block,
    until one of ``tags`` (those of every story the list could hold) moves. "Page 1 of 2,379"
    otherwise counts the whole list, the biggest section's 47,000 index entries, on every page
    of it: more than the rest of the page's queries together.
    """
    paginator = IdPaginator(articles, per_page)
    if counted_as is not None:
        paginator.count = _kept_count(articles, *counted_as)
    try:
        page_obj = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error
    if isinstance(page_obj.object_list, QuerySet):
        page_obj.object_list = selectors.card_list(page_obj.object_list)
    return page_obj


def _kept_count(articles, name, tags):
    # The count reads nothing before its block is read: the block's own read of the version
    # clock comes first, and no ``since`` is needed. A request that bypasses the page cache (with
    # a session) would otherwise read the clock in a round trip of its own (pagecache.started).
    [(count, _)] = pagecache.cached_blocks([(f"count:{name}", lambda: (str(articles.count()), tags))])
    return int(count)


# The front page as a broadcaster lays it out: the top story with secondary stories beside it,
# then a side column of Editor's Pick and Latest that is as long as those (Latest fills what the
# picks leave), and below them a full-width block for each section.
HOME_SECONDARY_STORIES = 3
HOME_SIDE_STORIES = 8
HOME_LATEST_AT_LEAST = 3


@uses_params()
def home(request):
    """
    The front page, its stories as cards (``articles.cards``). Context: ``top_story``,
    ``secondary_stories`` (the next newest), ``picks`` (the site-wide Editor's Pick), ``latest``
    (newer stories not picked, more when the picks are few) and ``section_blocks`` (each
    section's latest, leaving out the top and secondary ones).
    """
    lead_count = 1 + HOME_SECONDARY_STORIES
    # The top, the secondary and the Latest stories, with room for the picked ones that Latest
    # leaves out; the section blocks leave out the top and secondary ones.
    newest, picks, section_blocks = selectors.front_page(
        newest=lead_count + HOME_SIDE_STORIES, lead=lead_count
    )
    lead, rest = newest[:lead_count], newest[lead_count:]
    # A picked story already at the top is not listed again beside it.
    picks = [card for card in picks if card not in lead]
    picked = {card.pk for card in picks}
    latest_count = max(HOME_LATEST_AT_LEAST, HOME_SIDE_STORIES - len(picks))
    context = {
        "top_story": lead[0] if lead else None,
        "secondary_stories": lead[1:],
        "picks": picks,
        "latest": [card for card in rest if card.pk not in picked][:latest_count],
        "section_blocks": section_blocks,
    }
    return tag(render(request, "articles/home.html", context), SITE, LISTING, PICKS)


@uses_params("page")
def section_detail(request, section_slug):
    """A section's published stories, newest first, 20 a page. Context: ``section``, ``page_obj``."""
    section = selectors.section_by_slug(section_slug)
    if section is None:
        raise Http404("No such section.")
    section_tag = cachetags.section(section.pk)
    stories = selectors.StoryList(section=section.pk)
    page_obj = paginate(request, stories, counted_as=(f"section:{section.pk}", [section_tag]))
    response = render(request, "articles/section.html", {"section": section, "page_obj": page_obj})
    return tag(response, SITE, section_tag)


@uses_params("page")
def topic_detail(request, topic_slug):
    """A topic's published stories from every section, newest first, 20 a page.
    Context: ``topic``, ``page_obj``.
    """
    topic = selectors.topic_by_slug(topic_slug)
    if topic is None:
        raise Http404("No such topic.")
    topic_tag = cachetags.topic(topic.pk)
    stories = selectors.StoryList(topic=topic.pk)
    page_obj = paginate(request, stories, counted_as=(f"topic:{topic.pk}", [topic_tag]))
    response = render(request, "articles/topic.html", {"topic": topic, "page_obj": page_obj})
    return tag(response, SITE, topic_tag)


@uses_params("page")
def author_detail(request, author_slug):
    """An author's published stories, newest first. Context: ``author``, ``page_obj``."""
    author = get_object_or_404(selectors.author_list(), slug=author_slug)
    page_obj = paginate(request, selectors.article_list(author=author))
    response = render(request, "articles/author.html", {"author": author, "page_obj": page_obj})
    return tag(response, SITE, LISTING)


class _Archive:
    """
    What the year, month and day archives share; Django's date-based views do the rest: the
    date in the URL (a 404 for one that does not exist) and the period as a range of
    ``written_at`` (first publication) in the site's time zone, so a story written at 00:30 in
    Seoul is in that Seoul day although it is the previous day in UTC. Context: ``period``
    (see ``period()``), ``page_obj``, and Django's own ``year``/``month``/``day``.

    Fitted to the site by small hooks: the stories come from ``selectors.article_list()``
    (``published()``, as cards, newest first), paging is the site's ``paginate``, and the page
    is tagged for the page cache.
    """

    template_name = "articles/archive.html"
    date_field = "written_at"
    month_format = "%m"  # /archive/2025/04/, not Django's default /archive/2025/apr/
    # An empty day or month is a page that says so, not a 404. published() already keeps
    # stories that are not live yet out, so the view's own "nothing in the future" filter is off.
    allow_empty = True
    allow_future = True
    paginate_by = STORIES_PER_PAGE

    def get_queryset(self):
        return selectors.article_list()

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        # The page lists no dates: skip the DISTINCT query the month view would make for them.
        return None

    def paginate_queryset(self, queryset, page_size):
        # The site's one rule for ?page= (ids first; a number in range, or a 404). Django's own
        # would also take ?page=last: a second address, and cache entry, for a page.
        page_obj = paginate(self.request, queryset, page_size)
        return page_obj.paginator, page_obj, page_obj.object_list, page_obj.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["period"] = self.period(context)
        return context

    def period(self, context):
        """
        What the page covers, for the template: ``datetime`` (for ``<time>``), ``label``, ``when``
        ("in April 2025"), and ``up``, the enclosing period's ``(url, text)`` or ``None``.
        """
        raise NotImplementedError

    def render_to_response(self, context, **response_kwargs):
        return tag(super().render_to_response(context, **response_kwargs), SITE, LISTING)


class ArchiveYearView(_Archive, YearArchiveView):
    """Stories first published in one year."""

    make_object_list = True  # the stories themselves, not only the months that have some

    def period(self, context):
        year = context["year"].strftime("%Y")
        return {"datetime": year, "label": year, "when": f"in {year}", "up": None}


class ArchiveMonthView(_Archive, MonthArchiveView):
    """Stories first published in one month, with a link to their year."""

    def period(self, context):
        month = context["month"]
        label = date_format(month, "F Y")
        up = (reverse("articles:archive_year", kwargs={"year": month.year}), f"All stories of {month.year}")
        return {"datetime": month.strftime("%Y-%m"), "label": label, "when": f"in {label}", "up": up}


class ArchiveDayView(_Archive, DayArchiveView):
    """Stories first published on one day, with a link to their month."""

    def period(self, context):
        day = context["day"]
        label = day.strftime("%Y-%m-%d")
        month_url = reverse("articles:archive_month", kwargs={"year": day.year, "month": day.month})
        up = (month_url, f"All stories of {date_format(day, 'F Y')}")
        return {"datetime": label, "label": label, "when": f"on {label}", "up": up}


archive_year = uses_params("page")(ArchiveYearView.as_view())
archive_month = uses_params("page")(ArchiveMonthView.as_view())
archive_day = uses_params("page")(ArchiveDayView.as_view())


@uses_params("q", "section", "from", "to", "page")
def search(request):
    """
    Full-text search of published stories (``articles.search``): ``?q=`` with "phrases", OR
    and -exclusions, best matches first (relevance mixed with recency), 20 a page, each with a
    highlighted snippet; optionally one ``section`` (slug) and ``from``/``to`` dates.

    Whatever the query string holds, the answer is this page: a value that cannot be used (an
    unknown section, a bad date or page number, a query of punctuation alone) is left out and
    said so in ``messages``. Without words it shows the form only. Context: ``query`` (the
    cleaned, capped words, escaped by the template), ``filters`` (``SearchFilters``),
    ``sections``, ``messages``, ``search_params`` (for the page links), ``page_obj`` (``None``
    without words) and ``more_found`` (more stories matched than the newest ``RANKED`` that
    are ranked and counted: ``articles.search``).
    """
    query = search_query.parse(request.GET.get("q", ""))
    filters = SearchFilters(request.GET)
    messages = filters.messages()
    if query.shortened:
        messages.append(
            f"Only the first {search_query.MAX_QUERY_CHARS} characters and {search_query.MAX_TERMS} "
            "words of your search were used."
        )
    page_obj, more_found = None, False
    if query:
        results = selectors.article_search(query=query, **filters.filters())
        page_obj, page_problem = _search_page(request, results)
        messages.extend(page_problem)
        more_found = results.more
    elif query.text:
        messages.append("There is nothing to search for here: type a word (letters or digits) to look for.")
    context = {
        "query": query.text,
        "filters": filters,
        "sections": selectors.section_list(),
        "messages": messages,
        "search_params": {"q": query.text, **filters.params()},
        "page_obj": page_obj,
        "more_found": more_found,
    }
    return tag(render(request, "articles/search.html", context), SITE, LISTING)


def _search_page(request, results):
    """
    The ``?page=N`` page of search ``results`` with its snippets made safe HTML, and a message:
    a page number that does not exist shows the first page and says so (unlike the section
    pages' 404: a search address is typed and edited by hand).
    """
    # ``results`` counts without a query of its own and reads a page's rows by their ids.
    paginator = Paginator(results, STORIES_PER_PAGE)
    problem = []
    try:
        page_obj = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        page_obj = paginator.page(1)
        problem = ["There is no such page of results: here is the first."]
    page_obj.object_list = search_query.snippets(list(page_obj.object_list))
    return page_obj, problem


# Any other query string (utm_source=...) is the story's page; ?page=N is a page of a live
# story's stream (a 404 on any other story: live/templatetags/live.py).
@uses_params("page")
def article_detail(request, section_slug, year, month, day, slug):
    """
    One published story with its Related News and Editor's Pick blocks.

    Any other address of it (an old section, another date format) answers 301 to the canonical
    one; a story that was published and then withdrawn answers 410; anything else 404.
    Context: ``article``, and the HTML of its blocks (``_article_blocks``), each kept by the page
    cache until what it shows changes (``cached_blocks``).
    """
    since = pagecache.started(request)  # before reading what the blocks will show
    article = selectors.article_detail(slug=slug)
    if article is None:
        withdrawn = selectors.withdrawn_article_pk(slug=slug)
        if withdrawn is not None:
            # Tagged as the story's page: an edge keeping this 410 drops it when it comes back.
            return tag(render(request, "410.html", status=410), cachetags.article(withdrawn))
        raise Http404("No such story.")
    canonical_url = article.get_absolute_url()
    if request.path != canonical_url:
        return HttpResponsePermanentRedirect(canonical_url)
    # Related News and the Editor's Pick read their cards in one query when both are rendered.
    cards = selectors.StoryCards()
    picks = _SectionPicks(article, cards=cards)
    blocks = _article_blocks(article, origin=structured_data.origin_of(request), picks=picks, cards=cards)
    if not pagecache.store.is_on() and picks.include(article):
        # Nothing is kept: the section's block would be rendered only to be replaced below.
        blocks["editors_pick"] = _editors_pick(article, picks=picks, without_it=True)
    rendered = dict(zip(blocks, pagecache.cached_blocks(list(blocks.values()), since=since), strict=True))
    if cachetags.article(article.pk) in rendered["editors_pick"][1]:
        # The story is one of its section's picks: its own page lists the others instead.
        [rendered["editors_pick"]] = pagecache.cached_blocks(
            [_editors_pick(article, picks=picks, without_it=True)], since=since
        )
    context = {"article": article, **{name: html for name, (html, _) in rendered.items()}}
    response = render(request, "articles/article.html", context)
    return tag(response, *(block_tag for _, tags in rendered.values() for block_tag in tags))


def _article_blocks(article, *, origin, picks=None, cards=None, **story_context):
    """
    The blocks of a story's page, by their name in the page's context, each as
    ``(cache name, render)`` for ``cached_blocks``: ``render()`` reads what its block needs and
    returns ``(html, tags)``. They are apart because they change apart: the story and its head
    metadata when it is updated, Related News when a story it shows or could show changes, the
    Editor's Pick when the picks change. The head metadata (JSON-LD, Open Graph) has full addresses on
    ``origin``, so it is kept per host. ``cards``: the ``selectors.StoryCards`` the blocks read
    their cards with (``picks``' too).
    """
    cards = cards or selectors.StoryCards()
    picks = picks or _SectionPicks(article, cards=cards)

    def story_head():
        json_ld = []
        # A preview (never indexed, perhaps of a draft) gets no structured data: JSON-LD only
        # ever describes a story that published() shows.
        if not story_context:
            selectors.load_story_details(article)
            json_ld = [
                structured_data.news_article(article, origin=origin),
                structured_data.breadcrumbs(article, origin=origin),
            ]
        meta = structured_data.article_open_graph(article, origin=origin)
        context = {"meta": meta, "json_ld": json_ld, "article": article}
        html = render_to_string("includes/story_head.html", context)
        return html, cachetags.for_story(article)

    def story():
        if not story_context:  # a preview brings its own bylines and no corrections
            selectors.load_story_details(article)
        html = render_to_string("includes/story.html", {"article": article, **story_context})
        return html, cachetags.for_story(article)

    def related_news():
        topics = selectors.topic_ids(article)
        related = selectors.related_news(article=article, topics=topics, cards=cards)
        html = render_to_string("includes/related_news.html", {"related": related})
        limit = selectors.RELATED_NEWS_COUNT
        return html, cachetags.for_related_news(article, shown=related, limit=limit, topics=topics)

    return {
        "story_head": (f"story-head:{article.pk}:{article.version}:{origin}", story_head),
        "story": (f"story:{article.pk}:{article.version}", story),
        "related_news": (f"related-news:{article.pk}", related_news),
        # The section's picks: a story moved to another section gets the other section's.
        "editors_pick": _editors_pick(article, picks=picks, without_it=False),
    }


class _SectionPicks:
    """
    The Editor's Pick of a story's section, read once for its page (at the first block that
    needs it): the section's block lists the first ``NEWSROOM_PICKS_LIMIT``, and when the story
    is one of them its own block lists the others, from the same query (one more is read for it).
    Whether the story is one of them takes the ids alone; their cards are read with ``cards``
    (a ``selectors.StoryCards``), with Related News's when that block is rendered too.
    """

    def __init__(self, article, *, cards=None):
        self.article = article
        self.cards = cards or selectors.StoryCards()

    @functools.cached_property
    def _candidates(self):
        limit = settings.NEWSROOM_PICKS_LIMIT
        if limit <= 0:
            return []
        ids = selectors.editors_pick_ids(section=self.article.section, limit=limit + 1, now=self.cards.now)
        self.cards.expect(ids)
        return ids

    def include(self, article):
        """Whether ``article`` is in the section's block."""
        return article.pk in self._shown_ids(without_it=False)

    def shown(self, *, without_it):
        return self.cards.in_order(self._shown_ids(without_it=without_it))

    def _shown_ids(self, *, without_it):
        candidates = self._candidates
        if without_it:
            candidates = [pk for pk in candidates if pk != self.article.pk]
        return candidates[: settings.NEWSROOM_PICKS_LIMIT]


def _editors_pick(article, *, picks, without_it):
    """
    ``(cache name, render)`` of the Editor's Pick block on ``article``'s page: its section's
    picks (``picks``, a ``_SectionPicks``), one block shared by every story of the section, so
    that a change to a picked story renders it once per section rather than once per page;
    ``without_it``, the block of a story that is itself one of them, which lists the others.
    """

    def editors_pick():
        shown = picks.shown(without_it=without_it)
        html = render_to_string("includes/picks.html", {"picks": shown})
        return html, cachetags.for_editors_pick(shown=shown)

    if without_it:
        return f"editors-pick:{article.section_id}:{article.pk}", editors_pick
    return f"editors-pick:{article.section_id}", editors_pick


def _render_preview(request, article, revision, status=200):
    """The public article page for an unsaved preview copy, kept out of caches and indexes."""
    copy = preview.as_published(article, revision)
    story_context = {"is_preview": True, "preview_revision": revision}
    article_blocks = _article_blocks(copy, origin=structured_data.origin_of(request), **story_context)
    # Never kept: no need to share.
    article_blocks["editors_pick"] = _editors_pick(copy, picks=_SectionPicks(copy), without_it=True)
    blocks = {name: render()[0] for name, (_, render) in article_blocks.items()}
    context = {"article": copy, **blocks, **story_context}
    response = render(request, "articles/article.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@reads_primary
@staff_member_required
def article_preview(request, pk):
    """Staff preview of an article's latest revision, in any state."""
    article = get_object_or_404(Article, pk=pk)
    if not request.user.has_perm("articles.view_article"):
        raise PermissionDenied
    return _render_preview(request, article, article.latest_revision)


@reads_primary  # the revision the desk just saved, never a replica's older copy
def shared_preview(request, token):
    """A signed, expiring preview link of one revision; works logged out."""
    try:
        article, revision = preview.read_share_token(token)
    except preview.PreviewLinkError as error:
        response = render(request, "preview_refused.html", {"message": str(error)}, status=403)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    return _render_preview(request, article, revision)
