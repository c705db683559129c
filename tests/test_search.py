"""Search: published stories with every word in the headline, summary or anchor's lead."""

import datetime
import re

import pytest

from articles import workflow
from tests.factories import ArticleFactory, EditorFactory, PhotoFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day, hour=12, minute=0):
    return datetime.datetime(2025, 4, day, hour, minute, tzinfo=UTC)


def text(response):
    return response.content.decode()


def found(response):
    return [article.headline for article in response.context["page_obj"]]


def test_empty_query_shows_the_form_only(client):
    PublishedArticleFactory(headline="Budget passes")

    for params in [{}, {"q": ""}, {"q": "   "}]:
        response = client.get("/search/", params)
        content = text(response)
        assert response.status_code == 200
        assert response.context["page_obj"] is None
        assert '<form class="search-form" role="search" method="get" action="/search/">' in content
        assert "Budget passes" not in content
        assert "found for" not in content


def test_every_word_must_match_in_headline_summary_or_anchor_lead(client):
    PublishedArticleFactory(headline="Budget bill passes", summary="The assembly voted.", written_at=at(1))
    PublishedArticleFactory(headline="Markets calm", summary="The BUDGET was welcomed.", written_at=at(2))
    PublishedArticleFactory(
        headline="Late session", anchor_lead="Lawmakers passed the budget.", written_at=at(3)
    )
    PublishedArticleFactory(
        headline="Unrelated", body="<p>The budget, in the body only.</p>", written_at=at(4)
    )

    assert found(client.get("/search/", {"q": "budget"})) == [
        "Late session",
        "Markets calm",
        "Budget bill passes",
    ]
    assert found(client.get("/search/", {"q": "  PASSES   budget "})) == ["Budget bill passes"]
    assert found(client.get("/search/", {"q": "budget zebra"})) == []


def test_only_published_stories_are_found(client):
    PublishedArticleFactory(headline="Budget published")
    ArticleFactory(headline="Budget draft")
    withdrawn = PublishedArticleFactory(headline="Budget withdrawn")
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")

    assert found(client.get("/search/", {"q": "budget"})) == ["Budget published"]


def test_results_page_shows_cards_and_count(client):
    article = PublishedArticleFactory(headline="Budget bill passes", summary="The assembly voted.")

    response = client.get("/search/", {"q": "budget"})
    content = text(response)

    assert "<title>Search: budget | Newsroom World Radio News</title>" in content
    assert '<meta name="robots" content="noindex, follow">' in content
    assert "1 story found for" in content
    assert f'href="{article.get_absolute_url()}"' in content
    assert 'value="budget"' in content
    assert content.count("<h1") == 1
    # This page's own form holds the query; the header's is left out, so there is one search landmark.
    assert content.count('role="search"') == 1


def test_no_results_says_so(client):
    response = client.get("/search/", {"q": "zebra"})
    assert response.status_code == 200
    assert "0 stories found for" in text(response)
    assert "No published story has all of these words." in text(response)


def test_query_is_echoed_escaped(client):
    PublishedArticleFactory(headline="<script>alert('headline')</script> budget")
    query = "\"><script>alert('q')</script> budget"

    content = text(client.get("/search/", {"q": query}))

    assert "<script>alert" not in content
    assert 'value="&quot;&gt;&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt; budget"' in content


def test_wildcards_are_taken_literally(client):
    PublishedArticleFactory(headline="Rates rise 5%")
    PublishedArticleFactory(headline="Rates rise 50 points")

    assert found(client.get("/search/", {"q": "5%"})) == ["Rates rise 5%"]
    assert found(client.get("/search/", {"q": "_"})) == []


def test_results_paginate_twenty_a_page_keeping_the_query(client):
    for n in range(45):
        PublishedArticleFactory(headline=f"Budget story {n:02d}", written_at=at(1, 0, n))
    PublishedArticleFactory(headline="Something else")

    first, second, third = (client.get("/search/", {"q": "budget", "page": n}) for n in (1, 2, 3))

    assert found(first)[0] == "Budget story 44" and len(found(first)) == 20
    assert len(found(second)) == 20 and len(found(third)) == 5
    assert '<a rel="next" href="?q=budget&amp;page=2">' in text(first)
    assert 'rel="prev"' not in text(first)
    assert '<a rel="prev" href="?q=budget">' in text(second)
    assert '<a rel="next" href="?q=budget&amp;page=3">' in text(second)
    assert "<title>Search: budget (page 2) |" in text(second)


@pytest.mark.parametrize("page", ["abc", "0", "4", "-1", "1.5"])
def test_bad_page_numbers_are_404(client, page):
    for n in range(45):
        PublishedArticleFactory(headline=f"Budget story {n:02d}")

    assert client.get("/search/", {"q": "budget", "page": page}).status_code == 404


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


@pytest.mark.parametrize("params", [{}, {"q": "budget"}, {"q": "budget", "page": "2"}])
def test_search_is_the_same_for_everyone(client, params):
    for n in range(25):
        PublishedArticleFactory(headline=f"Budget story {n:02d}")
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

    with django_assert_max_num_queries(3):
        assert client.get("/search/", {"q": "budget story"}).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/search/").status_code == 200
