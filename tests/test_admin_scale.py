"""The desk at scale: list pages and autocompletes cost the same number of queries for 2 rows or 40."""

import pytest
from django.urls import reverse

from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def make_stories(count, author=None):
    authors = [author or AuthorFactory(), AuthorFactory()]
    photo = PhotoFactory()
    for number in range(count):
        factory = PublishedArticleFactory if number % 2 else ArticleFactory
        factory(authors=authors, lead_photo=photo, headline=f"Harbour story {number}")


def queries_for(client, django_assert_max_num_queries, url, params, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("admin:articles_article_changelist", {}),
        ("admin:articles_article_changelist", {"q": "harbour"}),
        ("admin:articles_article_changelist", {"queue": "review"}),
        ("admin:articles_article_changelist", {"queue": "scheduled"}),
        ("admin:articles_article_changelist", {"queue": "recent"}),
        ("admin:articles_article_changelist", {"queue": "mine"}),
        ("admin:articles_photo_changelist", {}),
        ("admin:articles_photo_changelist", {"use": "unused"}),
        ("admin:articles_workflowevent_changelist", {}),
    ],
)
def test_list_pages_cost_the_same_for_few_and_many_rows(
    client, django_assert_max_num_queries, url_name, params
):
    client.force_login(UserFactory(is_superuser=True))
    url = reverse(url_name)
    make_stories(2)
    few = queries_for(client, django_assert_max_num_queries, url, params, 20)

    make_stories(38)
    many = queries_for(client, django_assert_max_num_queries, url, params, 20)

    assert many == few


@pytest.mark.parametrize("params", [{}, {"queue": "mine"}, {"q": "harbour"}])
def test_a_reporters_list_costs_the_same_for_few_and_many_rows(client, django_assert_max_num_queries, params):
    reporter = ReporterFactory()
    client.force_login(reporter)
    url = reverse("admin:articles_article_changelist")
    make_stories(2, author=AuthorFactory(user=reporter))
    few = queries_for(client, django_assert_max_num_queries, url, params, 20)

    make_stories(38, author=reporter.author)
    many = queries_for(client, django_assert_max_num_queries, url, params, 20)

    assert many == few


def test_article_autocomplete_is_constant(client, django_assert_max_num_queries):
    client.force_login(EditorFactory())
    params = {"term": "harbour", "app_label": "articles", "model_name": "article", "field_name": "related"}
    url = reverse("admin:autocomplete")
    make_stories(2)
    few = queries_for(client, django_assert_max_num_queries, url, params, 10)

    make_stories(38)
    many = queries_for(client, django_assert_max_num_queries, url, params, 10)

    assert many == few


def test_article_list_does_not_count_everything_twice(client, django_assert_max_num_queries):
    client.force_login(UserFactory(is_superuser=True))
    make_stories(3)

    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("admin:articles_article_changelist"), {"q": "harbour"})

    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts
