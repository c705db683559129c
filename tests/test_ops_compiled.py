"""ops/compiled.py: reader queries compiled once, run with each call's values."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from ops.compiled import CompiledQuery, CompileError
from tests.factories import ArticleFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def _stories(values):
    return (
        Article.objects.published(now=values.now)
        .select_related("section")
        .filter(section=values.section)
        .annotate(section_name=F("section__name"))
        .order_by("-written_at", "-pk")
    )


def test_each_call_runs_the_compiled_sql_with_its_own_values(django_assert_num_queries):
    world, sport = SectionFactory(name="World"), SectionFactory(name="Sport")
    old = PublishedArticleFactory(section=world, written_at=timezone.now() - datetime.timedelta(days=1))
    new = PublishedArticleFactory(section=world)
    other = PublishedArticleFactory(section=sport)
    ArticleFactory(section=world)  # a draft: published() leaves it out
    query = CompiledQuery(_stories, section=int, now=datetime.datetime)
    now = timezone.now()

    assert query(section=world.pk, now=now) == [new, old]
    with django_assert_num_queries(1):
        [found] = query(section=sport.pk, now=now)
        assert found == other
        assert found.section.name == "Sport"  # select_related, in the same query
        assert found.section_name == "Sport"  # annotations too
    # The clock is a value like any other: an embargoed story shows once its time has come.
    later = now + datetime.timedelta(hours=1)
    embargoed = PublishedArticleFactory(section=sport, publish_at=later)
    assert query(section=sport.pk, now=now) == [other]
    assert embargoed in query(section=sport.pk, now=later)


def test_the_results_are_the_querysets_own():
    section = SectionFactory()
    stories = [PublishedArticleFactory(section=section) for _ in range(3)]
    ids = [stories[2].pk, stories[0].pk]
    query = CompiledQuery(
        lambda values: Article.objects.published(now=values.now).filter(pk__in=values.ids).order_by("pk"),
        ids=[int],
        now=datetime.datetime,
    )
    now = timezone.now()

    expected = Article.objects.published(now=now).filter(pk__in=ids).order_by("pk")
    assert query(ids=ids, now=now) == list(expected)
    # Another length of list is another shape, compiled on its own.
    assert query(ids=[stories[1].pk], now=now) == [stories[1]]
    assert query(ids=[*ids, stories[1].pk], now=now) == sorted(stories, key=lambda s: s.pk)


def test_a_value_left_out_is_part_of_the_shape():
    section = SectionFactory()
    story = PublishedArticleFactory(section=section)

    def build(values):
        stories = Article.objects.all()
        if values.section is not None:
            stories = stories.filter(section=values.section)
        return stories.values_list("pk", flat=True)

    query = CompiledQuery(build, section=int)
    assert query(section=None) == [story.pk]
    assert query(section=section.pk + 1) == []
    assert query(section=section.pk) == [story.pk]


def test_a_value_that_is_not_a_parameter_is_refused():
    # Changed on its way into the SQL, the value could not be replaced by a call's.
    query = CompiledQuery(lambda values: Article.objects.filter(pk=values.pk + 1), pk=int)

    with pytest.raises(CompileError):
        query(pk=3)


def test_the_values_must_be_the_declared_ones():
    query = CompiledQuery(lambda values: Article.objects.filter(slug=values.slug), slug=str)

    with pytest.raises(TypeError):
        query(headline="x")


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_the_sql_is_a_prepared_statement_unless_turned_off(settings, prepared):
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    story = PublishedArticleFactory()
    query = CompiledQuery(lambda values: Article.objects.filter(slug=values.slug), slug=str)
    before = _prepared_statements()

    assert query(slug=story.slug) == [story]
    assert query(slug="no-such-story") == []
    new = [statement for statement in _prepared_statements() if statement not in before]
    assert len(new) == (1 if prepared else 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_a_query_planned_each_run_is_never_a_prepared_statement(settings):
    settings.DATABASE_PREPARED_STATEMENTS = True
    story = PublishedArticleFactory()
    query = CompiledQuery(
        lambda values: Article.objects.filter(slug=values.slug), plan_each_run=True, slug=str
    )
    before = _prepared_statements()

    for _ in range(3):
        assert query(slug=story.slug) == [story]
    assert query(slug="no-such-story") == []
    assert [statement for statement in _prepared_statements() if statement not in before] == []


def _statement_plans(text):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{text}%"],
        )
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_only_the_values_are_parameters_and_the_statement_is_planned_for_any(settings):
    settings.DATABASE_PREPARED_STATEMENTS = True
    stories = [PublishedArticleFactory() for _ in range(3)]
    query = CompiledQuery(
        lambda values: Article.objects.published(now=values.now).filter(slug=values.slug),
        slug=str,
        now=datetime.datetime,
    )

    for story in stories * 3:  # more runs than PostgreSQL makes before it may keep one plan
        assert query(slug=story.slug, now=timezone.now()) == [story]

    [(statement, generic, custom)] = _statement_plans(Article._meta.db_table)
    # The statuses published() allows are in the SQL (a partial index's condition can match
    # them), not parameters; the slug and the time are.
    assert "'published'" in statement
    assert sorted(set(re.findall(r"\$\d+", statement))) == ["$1", "$2", "$3"]  # the time twice, the slug
    assert (generic, custom) == (9, 0)
