"""
``manage.py generate_newsroom`` (the bench app's): a consistent newsroom, in bulk, only into an
empty one, and emptied with --reset only on a database named for benchmarks.

The bench app is not installed in the test settings, as in the product's: the tests call the
command object itself (``call_command`` takes one), so that they cannot install it by accident.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import renditions
from articles.html import clean_html
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    CurationEvent,
    EditorsPick,
    Photo,
    RelatedArticle,
    Section,
    WorkflowEvent,
)
from bench.generator import GENERATED_COMMENT, GENERATOR_USERNAME
from bench.management.commands.generate_newsroom import Command, named_for_benchmarks

Status = Article.Status

SMALL = {
    "articles": 200,
    "sections": 4,
    "photos": 20,
    "authors": 10,
    "related": 2,
    "picks": 6,
    "image_files": 2,
    "batch_size": 50,
    "no_renditions": True,
}


def generate(**options):
    out, err = io.StringIO(), io.StringIO()
    call_command(Command(), stdout=out, stderr=err, **{**SMALL, **options})
    return out.getvalue(), err.getvalue()


def counts():
    models = (Article, ArticleAuthor, Author, Photo, Section, WorkflowEvent, RelatedArticle, EditorsPick)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_generates_the_requested_newsroom():
    out, err = generate()

    assert Article.objects.count() == 200
    assert Section.objects.count() == 4
    assert Photo.objects.count() == 20
    assert Author.objects.count() == 10
    assert "Generated" in out and "200 articles" in out
    assert "articles" in err and "100%" in err  # the progress bar

    statuses = dict(Article.objects.values_list("status").annotate(n=Count("id")))
    live = statuses.get(Status.PUBLISHED, 0) + statuses.get(Status.UPDATED, 0)
    assert set(statuses) <= set(Status.values)
    assert live >= 0.85 * 200  # mostly published or updated
    # What readers see is exactly the live stories: none is embargoed or expired.
    assert Article.objects.published().count() == live

    # One big section, so that a deep page exists at full size.
    first = Section.objects.order_by("position").first()
    assert first.articles.count() >= 70


@pytest.mark.django_db
def test_rows_are_consistent_with_the_workflow_and_the_model():
    generate()
    now = timezone.now()
    assert set(WorkflowEvent.objects.values_list("actor__username", flat=True)) == {GENERATOR_USERNAME}

    for article in Article.objects.prefetch_related("events", "bylines"):
        actions = [event.action for event in sorted(article.events.all(), key=lambda e: e.created_at)]
        expected = {
            Status.DRAFT: [],
            Status.REVIEW: ["submit"],
            Status.SCHEDULED: ["submit", "publish"],
            Status.PUBLISHED: ["submit", "publish"],
            Status.UPDATED: ["submit", "publish", "publish_update"],
        }[article.status]
        assert actions == expected, article.status
        if actions:
            last = max(article.events.all(), key=lambda e: e.created_at)
            assert last.to_status == article.status
            assert all(event.comment == GENERATED_COMMENT for event in article.events.all())
            assert all(event.headline == article.headline for event in article.events.all())
        assert 1 <= len(article.bylines.all()) <= 2
        # Sanitized as the field would have stored it.
        assert clean_html(article.body) == article.body
        if article.status in Status.live():
            assert article.created_at < article.written_at <= now
            assert article.written_at > now - timedelta(days=3 * 366)
            assert article.modified_at >= article.written_at
        if article.status == Status.UPDATED:
            assert article.written_at < article.updated_at <= now
        if article.status == Status.SCHEDULED:
            assert article.publish_at > now and article.written_at == article.publish_at
    # Spread over time, not all stamped with the moment of the run.
    assert Article.objects.values("created_at").distinct().count() > 150


@pytest.mark.django_db
def test_links_and_picks_are_between_live_stories():
    generate()
    live = set(Article.objects.published().values_list("pk", flat=True))

    links = list(RelatedArticle.objects.values_list("from_article_id", "to_article_id"))
    assert len(links) == 2 * len(live)
    assert all(source in live and target in live and source != target for source, target in links)

    picks = EditorsPick.objects.all()
    assert picks.count() == 6
    assert picks.filter(section__isnull=True).count() == 2
    assert set(picks.values_list("article_id", flat=True)) <= live
    # Through the curation service: each pick has its audit event.
    assert CurationEvent.objects.filter(action=CurationEvent.Action.ADDED).count() == 6
    # All on display: the site-wide list, and each section's (which also shows the site-wide).
    assert EditorsPick.objects.showing().count() == 2
    for section in Section.objects.filter(picks__isnull=False).distinct():
        assert EditorsPick.objects.showing(section=section).filter(section=section).count() == 1


@pytest.mark.django_db
def test_writes_in_bulk_not_row_by_row():
    with CaptureQueriesContext(connection) as captured:
        generate()

    statements = [query["sql"] for query in captured.captured_queries]
    article_inserts = [sql for sql in statements if sql.startswith('INSERT INTO "articles_article"')]
    # 200 stories 50 at a time: 4 INSERTs on SQLite, none on PostgreSQL (COPY, not captured).
    assert len(article_inserts) <= 4
    # A few queries per batch and per pick, never per story, byline, link or event.
    assert len(statements) < 200


@pytest.mark.django_db
def test_refuses_a_newsroom_that_has_articles():
    generate()
    before = counts()

    with pytest.raises(CommandError, match="already holds 200 articles.*--reset"):
        generate()

    assert counts() == before


@pytest.fixture
def benchmark_database(monkeypatch):
    """
    The test database, as if it were named for benchmarks. Its name only gains a suffix, so that
    should anything reconnect meanwhile it could never reach a real database (nor, on SQLite, stop
    being the in-memory one).
    """
    name = f"{connection.settings_dict['NAME']}_bench"
    monkeypatch.setitem(connection.settings_dict, "NAME", name)
    assert named_for_benchmarks(name)
    return name


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("newsroom_bench", True),
        ("NEWSROOM_BENCH_OTHER", True),
        ("/srv/newsroom/var/newsroom-bench.sqlite3", True),
        ("newsroom", False),
        ("test_newsroom", False),
        # A folder named bench does not make the newsroom in it a benchmark's.
        ("/srv/bench/newsroom.sqlite3", False),
        ("file:memorydb_default?mode=memory&cache=shared", False),
    ],
)
def test_named_for_benchmarks(name, allowed):
    assert named_for_benchmarks(name) is allowed


@pytest.mark.django_db
def test_reset_refuses_a_database_not_named_for_benchmarks():
    generate()
    before = counts()

    refused = pytest.raises(CommandError, match=r"Refusing --reset.*not named for benchmarks.*Nothing")
    with CaptureQueriesContext(connection) as captured, refused:
        generate(articles=50, sections=2, reset=True)

    assert captured.captured_queries == []  # refused before touching the database at all
    assert counts() == before


@pytest.mark.django_db
def test_reset_replaces_the_newsroom_on_a_benchmark_database(benchmark_database):
    generate()

    generate(articles=50, sections=2, reset=True)

    assert Article.objects.count() == 50
    assert Section.objects.count() == 2
    assert Photo.objects.count() == 20
    assert WorkflowEvent.objects.exclude(article__in=Article.objects.all()).count() == 0
    assert EditorsPick.objects.count() == 6


@pytest.mark.django_db
def test_photos_share_a_few_files_and_their_renditions():
    generate(image_files=1, no_renditions=False, articles=20, photos=5)

    names = set(Photo.objects.values_list("image", flat=True))
    assert names == {"photos/generated/newsroom-01.jpg"}
    assert default_storage.exists("photos/generated/newsroom-01.jpg")
    # Rendition names come from the file name and focal point: one set serves every row.
    for photo in Photo.objects.all():
        assert photo.width and photo.height and photo.alt_text
        assert all(default_storage.exists(rendition.name) for rendition in renditions.all_renditions(photo))


@pytest.mark.django_db
def test_refuses_nonsense_options():
    with pytest.raises(CommandError, match="--articles"):
        generate(articles=0)
    with pytest.raises(CommandError, match="--big-section-share"):
        generate(big_section_share=1.5)
