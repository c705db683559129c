"""
The in-process half of `make bench`, run by bench/run.py with the benchmark's environment:

    python bench/probe.py pick            which pages to measure (JSON on stdout)
    python bench/probe.py count < specs   SQL queries and application CPU per request
    python bench/probe.py touch PK        a real "Publish update" of one story, for the freshness check
    python bench/probe.py live            a live story with posts, and its update endpoint (JSON on stdout)
    python bench/probe.py post PK         a new post on live story PK, for the live freshness check

``count`` sends each page through Django's test client, that is through the whole middleware
stack (the page cache included) as gunicorn would, and counts the queries with
``CaptureQueriesContext``; it also times the process's own CPU per request (``time.process_time``:
Python only, the database's time is not in it). Nothing here is routed or served.
"""

import json
import math
import os
import re
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from articles import revisions, views, workflow  # noqa: E402
from articles.models import Article, Section, Topic  # noqa: E402
from bench.generator import GENERATOR_USERNAME  # noqa: E402

HOST = "127.0.0.1"
REPEATS = 5


def pick():
    """
    The second newest live story of the first (biggest) section, that section and its page
    count, and the newest story of the section: its Related News (the section's stories
    published before it) lists the measured one first; and the biggest topic, if any.
    """
    section = Section.objects.order_by("position", "name").first()
    if section is None:
        raise SystemExit("No sections: generate the newsroom first.")
    live = Article.objects.published().filter(section=section)
    newest_two = list(live.select_related("section").order_by("-written_at", "-pk")[:2])
    if len(newest_two) < 2:
        raise SystemExit(f"Fewer than two published stories in {section}.")
    newest, article = newest_two
    return {
        **biggest_topic(),
        "article_pk": article.pk,
        "article": article.get_absolute_url(),
        "related": newest.get_absolute_url(),
        "section": section.get_absolute_url(),
        "section_pages": math.ceil(live.count() / views.STORIES_PER_PAGE),
        "articles": Article.objects.count(),
        "published": Article.objects.published().count(),
    }


def biggest_topic():
    """The topic with the most published stories, its address and its count (none: ``{}``)."""
    topic = (
        Topic.objects.annotate(stories=Count("articles", filter=Q(articles__in=Article.objects.published())))
        .order_by("-stories", "pk")
        .first()
    )
    if topic is None or not topic.stories:
        return {}
    return {"topic": topic.get_absolute_url(), "topic_stories": topic.stories}


def count(specs):
    """
    ``specs``: ``[{"key", "path", "cookie", "prime", "cold"}]``; a primed page is requested once
    first; a cold one is requested with the page cache and its blocks off (as the second gunicorn
    of (e0) runs), so that the page is rendered whole, every block included.
    """
    client = Client(HTTP_HOST=HOST)
    results = {}
    for spec in specs:
        extra = {"HTTP_COOKIE": spec["cookie"]} if spec.get("cookie") else {}
        if spec.get("prime"):
            client.get(spec["path"], **extra)
        queries, cpu, wall = [], [], []
        settings = override_settings(NEWSROOM_PAGE_CACHE_TTL=0) if spec.get("cold") else nullcontext()
        for _ in range(REPEATS):
            with settings, CaptureQueriesContext(connection) as captured:
                started_cpu, started = time.process_time(), time.perf_counter()
                response = client.get(spec["path"], **extra)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured.captured_queries))
        results[spec["key"]] = {
            "status": response.status_code,
            "queries": max(queries),
            "app_cpu_ms": round(statistics.median(cpu), 2),
            "wall_ms": round(statistics.median(wall), 2),
            "x_page_cache": response.get("X-Page-Cache"),
            "bytes": len(response.content),
        }
    return results


def touch(pk):
    """Publish an update of story ``pk`` through the workflow (a minor correction of its headline)."""
    user = _editor()
    marker = f"checked {time.time():.3f}"
    with transaction.atomic():
        article = Article.objects.get(pk=pk)
        content = revisions.content_of(article)
        headline = re.sub(r" \(checked [0-9.]+\)$", "", content["headline"])
        content["headline"] = f"{headline} ({marker})"[:200]
        revisions.save_edit(
            article=article, content=content, user=user, base_version=article.version, message="make bench"
        )
        workflow.publish_update(
            article=Article.objects.get(pk=pk), user=user, minor=True, comment="Freshness check (make bench)."
        )
    # Back from atomic(): committed, and the on-commit invalidation has run.
    return {"marker": marker, "committed_at": time.time()}


# The live story's posts, enough for the update endpoint to send its full ten.
LIVE_POSTS = 30


def live():
    """
    The live story of the live scenarios: the fourth newest story of the first section (not one
    the other scenarios measure or list first) made live with ``LIVE_POSTS`` posts, once.
    """
    from live import actions  # noqa: PLC0415
    from live.models import LiveCoverage  # noqa: PLC0415

    section = Section.objects.order_by("position", "name").first()
    article = Article.objects.published().filter(section=section).order_by("-written_at", "-pk")[3]
    coverage = LiveCoverage.objects.filter(article=article).first()
    if coverage is None:
        user = _editor()
        coverage = actions.start_coverage(user=user, article=article)
        for number in range(1, LIVE_POSTS + 1):
            body = f"<p>Post {number}.</p>"
            actions.add_post(user=user, coverage=coverage, title=f"Update {number}", body=body)
    return {
        "live_pk": article.pk,
        "live_page": article.get_absolute_url(),
        "live_updates": reverse("live:updates", args=[article.pk]),
    }


def post(pk):
    """A new post on live story ``pk``, through the live desk's action; committed on return."""
    from live import actions  # noqa: PLC0415
    from live.models import LiveCoverage  # noqa: PLC0415

    marker = f"posted {time.time():.3f}"
    coverage = LiveCoverage.objects.get(article_id=pk)
    actions.add_post(user=_editor(), coverage=coverage, body=f"<p>{marker}</p>")
    return {"marker": marker, "committed_at": time.time()}


def _editor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=GENERATOR_USERNAME)


def main(argv):
    if len(argv) < 2 or argv[1] not in {"pick", "count", "touch", "live", "post"}:
        raise SystemExit(__doc__)
    if argv[1] == "pick":
        result = pick()
    elif argv[1] == "count":
        result = count(json.load(sys.stdin))
    elif argv[1] == "live":
        result = live()
    elif argv[1] == "post":
        result = post(int(argv[2]))
    else:
        result = touch(int(argv[2]))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
