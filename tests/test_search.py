"""
Search (articles/search.py, selectors.article_search, views.search): full-text over headline,
summary, anchor's lead, body text and author names, ranked by relevance mixed with recency,
on whichever database the suite runs on (CI runs it on SQLite and again on PostgreSQL).
"""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from articles import revisions, search, workflow
from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day, hour=12, minute=0):
    return datetime.datetime(2025, 4, day, hour, minute, tzinfo=UTC)


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def text(response):
    return response.content.decode()


def found(response):
    assert response.status_code == 200
    return [article.headline for article in response.context["page_obj"]]


def messages(response):
    return response.context["messages"]


def story(headline, **fields):
    """A published story whose other texts say nothing a test searches for."""
    fields = {"summary": "", "anchor_lead": "", "body": "<p>Nothing to see.</p>", **fields}
    return PublishedArticleFactory(headline=headline, **fields)


# --- the query syntax -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, websearch, fts5",
    [
        ("budget vote", '"budget" "vote"', '("budget" AND "vote")'),
        ('"bill passes" law', '"bill passes" "law"', '("bill passes" AND "law")'),
        ("budget OR tax", '"budget" or "tax"', '("budget") OR ("tax")'),
        ("budget or tax -cuts", '"budget" or "tax" -"cuts"', '("budget") OR ("tax" NOT "cuts")'),
        ('-"tax cuts" budget', '-"tax cuts" "budget"', '("budget" NOT "tax cuts")'),
        # Quotes, FTS5 operators and column filters the reader types are words, never syntax.
        ('budget" OR "x', '"budget" "OR" "x"', '("budget" AND "OR" AND "x")'),
        ("headline:budget NEAR(a b) budget* ^tax", None, None),
        # Only exclusions would match nearly everything: nothing to search for.
        ("-budget", "", ""),
        ("OR OR", "", ""),
        ("!!! ... %%% _", "", ""),
    ],
)
def test_queries_are_parsed_once_for_both_backends(typed, websearch, fts5):
    query = search.parse(typed)

    if websearch is None:
        # Every term reaches the database inside double quotes.
        assert re.fullmatch(r'(\("[^"]+"( AND "[^"]+")*\))', query.fts5())
        assert query.fts5().count('"') == 2 * len(query.groups[0])
        return
    assert query.websearch() == websearch
    assert query.fts5() == fts5
    assert bool(query) == bool(websearch)


def test_queries_are_cleaned_and_capped():
    query = search.parse("\x00bud\u200fget\ud800 \ue000tax\ue001 " + "word " * 100)

    assert query.text.startswith("budget tax word")
    assert len(query.groups[0]) == search.MAX_TERMS and query.shortened
    assert len(search.parse("x" * 5000).text) == search.MAX_QUERY_CHARS
    assert search.parse("ＢＵＤＧＥＴ").text == "BUDGET"  # full-width letters are letters


def test_snippets_escape_everything_but_our_marks():
    raw = f"<script>x</script> {search.MARK_START}budget{search.MARK_END} &amp; <mark>"

    assert str(search.highlighted(raw)) == (
        "&lt;script&gt;x&lt;/script&gt; <mark>budget</mark> &amp;amp; &lt;mark&gt;"
    )
    assert "<mark>" not in str(search.highlighted(f"{search.MARK_START}budget"))


# --- what is found ----------------------------------------------------------------------------


def test_every_field_is_searched_with_stemming(client):
    author = AuthorFactory(name="Eileen Cahill")
    story("Budget bill passes", written_at=at(1))
    story("Markets calm", summary="The BUDGET was welcomed.", written_at=at(2))
    story("Late session", anchor_lead="Lawmakers passed the budget.", written_at=at(3))
    story("Body only", body="<p>The <strong>budget</strong>, in the body only.</p>", written_at=at(4))
    story("Byline only", authors=[author], written_at=at(5))

    assert set(found(client.get("/search/", {"q": "budgets"}))) == {
        "Budget bill passes",
        "Markets calm",
        "Late session",
        "Body only",
    }
    assert found(client.get("/search/", {"q": "cahill"})) == ["Byline only"]
    assert found(client.get("/search/", {"q": "passing budget"})) == ["Budget bill passes", "Late session"]
    assert found(client.get("/search/", {"q": "budget zebra"})) == []
    # Tags are not words: the body's markup is never found.
    assert found(client.get("/search/", {"q": "strong"})) == []


def test_phrases_or_and_exclusions(client):
    story("Bill passes the senate", written_at=at(1))
    story("Senate passes a bill", written_at=at(2))
    story("Tax cuts announced", written_at=at(3))

    assert found(client.get("/search/", {"q": '"bill passes"'})) == ["Bill passes the senate"]
    assert found(client.get("/search/", {"q": "bill senate"})) == [
        "Senate passes a bill",
        "Bill passes the senate",
    ]
    assert set(found(client.get("/search/", {"q": "bill OR tax"}))) == {
        "Bill passes the senate",
        "Senate passes a bill",
        "Tax cuts announced",
    }
    assert found(client.get("/search/", {"q": 'senate -"senate passes"'})) == ["Bill passes the senate"]


def test_the_same_corpus_ranks_the_same_on_every_database(client):
    """
    Headline, summary, anchor's lead, body: in that order of weight; at equal relevance the
    newer story first; and a story three years old ranks below a fresh one that matches less
    well. Asserted as one explicit order, on SQLite (FTS5, bm25) and PostgreSQL (ts_rank) alike.
    """
    common = {"body": "<p>Ships wait outside while the pilots strike.</p>"}
    story("Harbour reopens", written_at=days_ago(1095), **common)
    story("Port news", body="<p>The harbour is quiet today as the ships wait.</p>", written_at=days_ago(2))
    story("Quay update", anchor_lead="The harbour is open again.", written_at=days_ago(2), **common)
    story("Harbour closes", written_at=days_ago(2), **common)
    story("Coast report", body="<p>The harbour is quiet today as the ships wait.</p>", written_at=days_ago(0))
    story("Dock strike", summary="The harbour is closed.", written_at=days_ago(2), **common)

    assert found(client.get("/search/", {"q": "harbour"})) == [
        "Harbour closes",
        "Dock strike",
        "Quay update",
        "Coast report",
        "Port news",
        "Harbour reopens",
    ]


def test_only_published_stories_are_found_or_counted(client):
    editor = EditorFactory()
    story("Budget published")
    ArticleFactory(headline="Budget draft")
    in_review = ArticleFactory(headline="Budget in review")
    workflow.submit_for_review(article=in_review, user=editor)
    embargoed = ArticleFactory(
        headline="Budget embargoed", publish_at=timezone.now() + datetime.timedelta(days=1)
    )
    workflow.submit_for_review(article=embargoed, user=editor)
    workflow.publish(article=embargoed, user=editor)
    expired = story("Budget expired")
    Article.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - datetime.timedelta(minutes=1))
    withdrawn = story("Budget withdrawn")
    workflow.unpublish(article=withdrawn, user=editor, comment="Legal hold.")

    response = client.get("/search/", {"q": "budget"})

    assert found(response) == ["Budget published"]
    assert response.context["page_obj"].paginator.count == 1
    assert "1 story found for" in text(response)
    for hidden in ["draft", "review", "embargoed", "expired", "withdrawn"]:
        assert f"Budget {hidden}" not in text(response)
        assert found(client.get("/search/", {"q": hidden})) == []


def test_only_the_newest_matches_are_ranked_and_counted(client, monkeypatch):
    """
    Search ranks and counts the newest ``RANKED`` matches only (what keeps a common word fast
    at 100,000 stories), after ``published()``: a newer draft takes no place among them. Older
    matches are reached with the date filter.
    """
    monkeypatch.setattr(search, "RANKED", 3)
    story("Budget in the headline, long ago", written_at=days_ago(400))
    story("Old news", body="<p>The budget.</p>", written_at=days_ago(3))
    story("Recent news", body="<p>The budget.</p>", written_at=days_ago(2))
    story("Budget passes", written_at=days_ago(1))
    story("Fresh news", body="<p>The budget.</p>", written_at=days_ago(0))
    ArticleFactory(headline="Budget draft")

    response = client.get("/search/", {"q": "budget"})

    # The three newest, best first: the headline match leads the two newer body matches.
    assert found(response) == ["Budget passes", "Fresh news", "Recent news"]
    assert response.context["page_obj"].paginator.count == 3
    assert "More than 3 stories found for" in text(response)
    assert "More words, a section or dates find older ones." in text(response)
    before = days_ago(100).date().isoformat()
    assert found(client.get("/search/", {"q": "budget", "to": before})) == [
        "Budget in the headline, long ago"
    ]
    monkeypatch.setattr(search, "RANKED", 5)
    response = client.get("/search/", {"q": "budgets"})  # another address: not the cached page
    assert "5 stories found for" in text(response) and "More than" not in text(response)


def test_the_index_follows_edits_bylines_and_renamed_authors(client):
    editor = EditorFactory()
    author = AuthorFactory(name="Eileen Cahill")
    article = story("Harbour reopens", authors=[author])

    content = {**revisions.content_of(article), "body": "<p>Fishermen cheered the news.</p>"}
    revisions.save_edit(article=article, content=content, user=editor, base_version=article.version)
    assert found(client.get("/search/", {"q": "fishermen"})) == []  # waiting for publication
    workflow.publish_update(article=Article.objects.get(pk=article.pk), user=editor)
    assert found(client.get("/search/", {"q": "fishermen"})) == ["Harbour reopens"]

    author.name = "Eileen Murphy"
    author.save()
    assert found(client.get("/search/", {"q": "murphy"})) == ["Harbour reopens"]
    assert found(client.get("/search/", {"q": "cahill"})) == []


def test_a_deleted_story_leaves_the_index():
    article = story("Harbour reopens")
    pk = article.pk
    Article.objects.filter(pk=pk).delete()

    table_ids = "rowid" if connection.vendor == "sqlite" else "article_id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {search.TABLE} WHERE {table_ids} = %s", [pk])
        assert cursor.fetchone()[0] == 0


def test_filters_by_section_and_dates(client):
    politics, sport = (
        SectionFactory(name="Politics", slug="politics"),
        SectionFactory(name="Sport", slug="sport"),
    )
    story("Budget in politics", section=politics, written_at=at(1, 20))
    story("Budget in sport", section=sport, written_at=at(3))
    story("Budget later", section=politics, written_at=at(10))

    assert found(client.get("/search/", {"q": "budget", "section": "sport"})) == ["Budget in sport"]
    # 2025-04-01 20:00 UTC is already 2 April in Seoul (the site's time zone).
    assert found(client.get("/search/", {"q": "budget", "from": "2025-04-02", "to": "2025-04-03"})) == [
        "Budget in sport",
        "Budget in politics",
    ]
    response = client.get("/search/", {"q": "budget", "section": "politics", "from": "2025-04-05"})
    assert found(response) == ["Budget later"]
    assert '<option value="politics" selected>Politics</option>' in text(response)
    assert 'name="from" value="2025-04-05"' in text(response)


# --- the page ---------------------------------------------------------------------------------


def test_empty_query_shows_the_form_only(client):
    PublishedArticleFactory(headline="Budget passes")

    for params in [{}, {"q": ""}, {"q": "   "}]:
        response = client.get("/search/", params)
        content = text(response)
        assert response.status_code == 200
        assert response.context["page_obj"] is None
        assert messages(response) == []
        assert '<form class="search-form" role="search" method="get" action="/search/">' in content
        assert "Budget passes" not in content
        assert "found for" not in content


def test_results_show_cards_count_and_highlighted_snippets(client):
    article = story(
        "Budget bill passes",
        summary="The assembly voted.",
        body="<p>After a long night the <em>budget</em> passed &amp; lawmakers went home.</p>",
    )

    response = client.get("/search/", {"q": "budget"})
    content = text(response)

    assert "<title>Search: budget | Newsroom World Radio News</title>" in content
    assert '<meta name="robots" content="noindex, follow">' in content
    assert "1 story found for" in content
    assert f'href="{article.get_absolute_url()}"' in content
    assert 'value="budget"' in content
    assert content.count("<h1") == 1
    assert content.count('role="search"') == 1
    snippet = re.search(r'<p class="search-results__snippet">(.*?)</p>', content, re.S).group(1)
    assert "<mark>budget</mark>" in snippet
    assert "&amp; lawmakers" in snippet and "<em>" not in snippet and "&amp;amp;" not in snippet


def test_nothing_in_a_story_can_inject_markup_into_its_snippet(client):
    story(
        "Budget",
        body=f"<p>&lt;script&gt;alert(1)&lt;/script&gt; budget {search.MARK_START}x{search.MARK_END}</p>",
    )

    content = text(client.get("/search/", {"q": "budget"}))

    assert "<script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert content.count("<mark>") == 1  # the match (the summary line's mark has a class)
    assert search.MARK_START not in content and search.MARK_END not in content


def test_no_results_says_so(client):
    response = client.get("/search/", {"q": "zebra"})
    assert response.status_code == 200
    assert "0 stories found for" in text(response)
    assert "No published story matches this search." in text(response)


def test_query_is_echoed_escaped(client):
    story("<script>alert('headline')</script> budget")
    query = "\"><script>alert('q')</script> budget"

    content = text(client.get("/search/", {"q": query}))

    assert "<script>alert" not in content
    assert 'value="&quot;&gt;&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt; budget"' in content


@pytest.mark.parametrize(
    "query",
    [
        "!!!",
        "%",
        "_",
        '"',
        '""',
        "-",
        "OR",
        "-budget",
        "\x00",
        "\u200f\u200e",
        "🎉🎉",
        "NEAR(",
        "*",
        "(((",
        "headline:",
        "'; DROP TABLE articles_article; --",
    ],
)
def test_queries_with_nothing_to_search_get_a_page_with_a_message(client, query):
    story("Budget")

    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert response.context["page_obj"] is None or found(response) == []


@pytest.mark.parametrize("query", ["!!!", "-budget", "🎉", "\u200f-\u200f"])
def test_unusable_queries_say_why(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["page_obj"] is None
    assert messages(response) == [
        "There is nothing to search for here: type a word (letters or digits) to look for."
    ]


@pytest.mark.parametrize(
    "query_string",
    [
        "q=budget%00",  # NUL
        "q=%ED%A0%80budget",  # a lone surrogate, as UTF-8 bytes
        "q=%FF%FEbudget",  # not UTF-8 at all
        "q=%E2%80%8Fbudget%E2%80%8E",  # right-to-left and left-to-right marks
        "q=budget%F0%9F%8E%89",  # an emoji
        "q=" + "budget+" * 400,  # far over the cap
    ],
)
def test_odd_unicode_and_long_queries_still_find(client, query_string):
    story("Budget passes")

    response = client.generic("GET", "/search/", QUERY_STRING=query_string)

    assert response.status_code == 200
    assert found(response) == ["Budget passes"]


def test_a_long_query_is_capped_and_says_so(client):
    story("Budget passes")

    response = client.get("/search/", {"q": "budget " + "x" * 1000})

    assert response.status_code == 200
    assert len(response.context["query"]) == search.MAX_QUERY_CHARS
    assert any("first 200 characters" in message for message in messages(response))


def test_a_lone_surrogate_in_the_query_is_dropped():
    """Django decodes bad UTF-8 with replacement characters; a caller passing text may not."""
    query = search.parse("\ud800budget")
    assert query.websearch() == '"budget"'
    query.websearch().encode()  # would raise for a surrogate (psycopg cannot send one)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"section": "junk"}, "There is no such section"),
        ({"section": "\x00"}, "Null characters are not allowed"),
        ({"from": "2026-13-45"}, "“From” is not a date"),
        ({"to": "yesterday"}, "“To” is not a date"),
        ({"to": "9999-12-31"}, "Ensure this value is less than"),
        ({"from": "0001-01-01"}, "Ensure this value is greater than"),
        ({"from": "2025-04-10", "to": "2025-04-01"}, "“To” is before “From”"),
        ({"page": "-1"}, "There is no such page of results"),
        ({"page": "abc"}, "There is no such page of results"),
        ({"page": "99"}, "There is no such page of results"),
    ],
)
def test_hostile_filter_values_are_left_out_and_said(client, params, message):
    story("Budget passes", written_at=at(5))

    response = client.get("/search/", {"q": "budget", **params})

    assert response.status_code == 200
    assert found(response) == ["Budget passes"]
    assert any(message in m for m in messages(response)), messages(response)
    assert message.split("“")[0] in text(response)


def test_results_paginate_twenty_a_page_keeping_the_query_and_filters(client):
    politics = SectionFactory(name="Politics", slug="politics")
    for n in range(45):
        story(
            f"Budget story {n:02d}", section=politics, written_at=days_ago(0) - datetime.timedelta(minutes=n)
        )
    story("Something else", section=politics)

    params = {"q": "budget", "section": "politics"}
    first, second, third = (client.get("/search/", {**params, "page": n}) for n in (1, 2, 3))

    assert found(first)[0] == "Budget story 00" and len(found(first)) == 20
    assert len(found(second)) == 20 and len(found(third)) == 5
    assert '<a rel="next" href="?q=budget&amp;section=politics&amp;page=2">' in text(first)
    assert 'rel="prev"' not in text(first)
    assert '<a rel="prev" href="?q=budget&amp;section=politics">' in text(second)
    assert "<title>Search: budget (page 2) |" in text(second)


def test_every_page_has_the_search_form_in_its_header(client):
    content = text(client.get("/"))

    header = content[content.index('<header class="site-header">') : content.index("</header>")]
    form = re.search(
        r'<form class="site-search" role="search" method="get" action="/search/">.*?</form>', header, re.S
    )
    assert form
    assert '<label class="visually-hidden" for="site-search-q">Search stories</label>' in form.group()
    assert 'id="site-search-q" type="search" name="q"' in form.group()
    assert "csrfmiddlewaretoken" not in form.group()


def test_search_declares_the_parameters_it_reads(client):
    """Any other parameter is dropped before the view (and the page cache key) sees it."""
    story("Budget passes")

    response = client.get("/search/", {"q": "budget", "utm_source": "x", "section": "junk", "junk": "1"})

    assert set(response.wsgi_request.GET) == {"q", "section"}


@pytest.mark.parametrize("params", [{}, {"q": "budget"}, {"q": "budget", "page": "2"}])
def test_search_is_the_same_for_everyone(client, params):
    for n in range(25):
        story(f"Budget story {n:02d}")
    client.cookies["newsroom_consent"] = "v1:closed"

    response = client.get("/search/", params)

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "csrfmiddlewaretoken" not in text(response)


@pytest.mark.parametrize("count", [0, 25])
def test_search_query_count_is_constant(client, django_assert_max_num_queries, count):
    for n in range(count):
        PublishedArticleFactory(
            headline=f"Budget story {n:02d}", lead_photo=PhotoFactory(), written_at=at(1, 0, n)
        )

    # The menu's sections, the filter's, the breaking-news banners, the matches (ranked and
    # counted), and the page's rows with their snippets.
    with django_assert_max_num_queries(5):
        assert client.get("/search/", {"q": "budget story"}).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/search/").status_code == 200
