"""
Where a listing page's render time goes, in process, with the benchmark's settings and data:

    NEWSROOM_BENCH=1 NEWSROOM_PAGE_CACHE_TTL=0 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench REDIS_URL=redis://127.0.0.1:6379/12 \\
    .venv/bin/python bench/profile_listing.py home|section|section-deep|topic [N]

Renders the page ``N`` times (200 by default) through Django's test client (the whole middleware
stack, as gunicorn would; with ``NEWSROOM_PAGE_CACHE_TTL=0`` nothing is kept, so every request is
a full render), then prints the CPU milliseconds of this process per request (``process_time``:
Python only), the queries and the database's wall time per request, and a cProfile of a further
``N`` renders with each function's own time grouped by where it lives: ORM query building, SQL
compiling, rows to objects (model instances, or ``articles.cards``), the database, templates
(Django's and Jinja2's), URL reversing, middleware, other.

The pages are those of ``make bench``: the home page (f), the first section's page 1 (g1) and
page 2,000 (g2000), and the topic with the most stories (its page 1).
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.profiling import set_up_django  # noqa: E402

set_up_django(cache_key_prefix="newsroom-profile")

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Section, Topic  # noqa: E402

HOST = "127.0.0.1"
DEEP_PAGE = 2000

# Where a function's own time is counted, by the first fragment of its file's path that matches.
GROUPS = (
    ("SQL compile", ("django/db/models/sql/compiler.py", "django/db/models/sql/where.py",
                     "django/db/models/lookups.py", "django/db/models/expressions.py",
                     "django/db/models/functions/", "django/db/backends/base/operations.py",
                     "django/db/backends/postgresql/operations.py",
                     "django/db/backends/sqlite3/operations.py",
                     "django/db/backends/postgresql/compiler.py")),
    ("rows to objects", ("articles/cards.py", "django/db/models/base.py",
                         "django/db/models/fields/related_descriptors.py",
                         "django/db/models/fields/__init__.py", "django/db/backends/postgresql/base.py",
                         "django/db/models/sql/converters")),
    ("queryset building", ("django/db/models/",)),
    ("database", ("psycopg", "django/db/backends/", "django/db/utils.py", "sqlite3")),
    ("templates", ("django/template/", "django/templatetags/", "/templatetags/", "/jinja2/", "/markupsafe/",
                   "articles/jinja2.py", "django/utils/html.py",
                   "django/utils/safestring.py", "django/utils/formats.py", "django/utils/dateformat.py",
                   "django/utils/timezone.py", "templates/")),
    ("URL reversing", ("django/urls/",)),
    ("middleware", ("django/middleware/", "pagecache/", "consent/", "whitenoise/", "django/contrib/")),
)  # fmt: skip


def path_of(page):
    """The address measured for ``page`` (one of home, section, section-deep, topic)."""
    if page == "home":
        return "/"
    section = Section.objects.order_by("position", "name").first()
    if page == "section":
        return section.get_absolute_url()
    if page == "section-deep":
        return f"{section.get_absolute_url()}?page={DEEP_PAGE}"
    if page == "topic":
        topic = Topic.objects.annotate(stories=Count("articles")).order_by("-stories").first()
        if topic is None or not topic.stories:
            raise SystemExit("No topic has stories in this database (bench/generator.py files none).")
        return topic.get_absolute_url()
    raise SystemExit(__doc__)


class DatabaseTimer:
    """Counts the queries and their wall time (``connection.execute_wrapper``)."""

    def __init__(self):
        self.queries, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def measure(client, path, repeats):
    cpu = []
    timer = DatabaseTimer()
    with connection.execute_wrapper(timer):
        for _ in range(repeats):
            started = time.process_time()
            response = client.get(path)
            cpu.append((time.process_time() - started) * 1000)
            assert response.status_code == 200, response.status_code
    database_ms = timer.seconds * 1000 / repeats
    return statistics.median(cpu), timer.queries / repeats, database_ms, len(response.content)


def group_of(filename):
    for group, fragments in GROUPS:
        if any(fragment in filename for fragment in fragments):
            return group
    return "other"


def grouped(stats):
    """Each function's own time, by group; a built-in's goes to its heaviest caller's group."""
    totals = {}
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():
        group = group_of(counted_in(filename, callers))
        totals[group] = totals.get(group, 0.0) + own
    return totals


def counted_in(filename, callers):
    """The file whose group a function's own time goes to: a built-in's heaviest caller's."""
    if filename == "~" and callers:
        return max(callers.items(), key=lambda item: item[1][2])[0][0]
    return filename


def print_group(stats, group, repeats, count=25):
    functions = [
        (own, calls, f"{filename}:{line}({name})")
        for (filename, line, name), (_, calls, own, _, callers) in stats.stats.items()
        if group_of(counted_in(filename, callers)) == group
    ]
    for own, calls, where in sorted(functions, reverse=True)[:count]:
        print(f"      {own * 1000 / repeats:6.2f} ms {calls / repeats:7.1f} calls  {where[-110:]}")


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    repeats = int(argv[2]) if len(argv) > 2 else 200
    path = path_of(argv[1])
    client = Client(HTTP_HOST=HOST)
    client.get(path)  # warm: templates compiled, URL resolvers filled, connection open
    cpu, queries, database_ms, size = measure(client, path, repeats)
    print(f"{argv[1]} {path}: {repeats} renders, {size} bytes")
    print(f"  CPU (this process) {cpu:.2f} ms/request (median)")
    print(f"  queries {queries:.1f}/request, database wall {database_ms:.2f} ms/request")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeats):
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile)
    totals = grouped(stats)
    whole = sum(totals.values())
    print(f"  profiled wall {whole * 1000 / repeats:.2f} ms/request (under cProfile), own time by group:")
    for group, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"    {group:<18} {seconds * 1000 / repeats:6.2f} ms  {100 * seconds / whole:4.1f} %")
    if os.environ.get("PROFILE_GROUP"):  # the heaviest functions of one group, by own time
        print_group(stats, os.environ["PROFILE_GROUP"], repeats)
    if os.environ.get("PROFILE_TOP"):
        stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ["PROFILE_TOP"]))


if __name__ == "__main__":
    main(sys.argv)
