"""
`make bench-admin`: the server time of every admin page in the desk's journey on the
100,000-story newsroom (issue 16, part 7): bench/RESULTS.md, "Admin speed (issue 16)".

    .venv/bin/python bench/admin_speed.py [--runs 9] [--recreate] [--no-write]
                                          [--database NAME] [--profile KEY]

1. The database is ``newsroom_admin_bench`` (``--database``), a copy of ``make bench``'s
   ``newsroom_bench``, made when missing or again with ``--recreate`` (``createdb -T`` needs
   ``newsroom_bench`` idle), then migrated, with static files collected, as bench/run.py does.
   ``newsroom_bench`` itself is generated as ``make bench`` does only if it does not exist.
2. In this process, with the benchmark's settings (bench/run.py's environment, DEBUG off, Redis
   database 6): the desk's three roles get accounts with a known password (the generator's
   editor, a chief editor and a reporter with a byline), and the measured story, the section's
   second newest live story (bench/probe.py's), gets a second revision if it has only one.
3. Each page goes through Django's test client, that is through the whole middleware stack as
   gunicorn would serve it, signed in as the role that uses it: once to warm up, then ``--runs``
   times. A row gives the median and the slowest of the wall times (the server's work: the test
   client adds no network), then one more request under ``CaptureQueriesContext`` for the number
   of queries and their time. The login POST is a real login (password check, django-axes, the
   session) from a fresh client each time.
4. Prints the table and writes its section of bench/RESULTS.md (between
   ``<!-- bench:admin-speed:start/end -->``). ``--profile KEY`` instead prints, for one page,
   cProfile's costliest functions and the page's slowest queries: where the time goes.
"""

import argparse
import cProfile
import io
import os
import pstats
import shlex
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402  (bench/report.py)
import run  # noqa: E402  (bench/run.py: databases, the environment, the machine)

LABEL = "admin-speed"
SOURCE_DATABASE = run.DATABASE  # make bench's newsroom_bench, never written here
DATABASE = "newsroom_admin_bench"
REDIS_URL = "redis://127.0.0.1:6379/6"
HOST = "127.0.0.1"
LIMIT_MS = 300.0  # the issue's: every page in ≤ 300 ms server time
PASSWORD = "admin-speed-bench-Pa55"  # a throwaway copy's accounts, never a real one's
SEARCH = "fishing quotas"  # bench/run.py's reader search: words the generator's headlines use
QUEUES = ("review", "scheduled", "recent", "mine")  # articles/admin/queues.py's

# The desk's accounts in the copy: the generator's editor, and a chief and a reporter made here.
REPORTER = "admin-speed-reporter"
CHIEF = "admin-speed-chief"


def log(message):
    run.log(message)


# --- the database --------------------------------------------------------------------------------


def ensure_database(options):
    """The source newsroom (generated as make bench does, only if missing) and this run's copy."""
    import publishing_load  # bench/publishing_load.py: psql and database_exists

    if not publishing_load.database_exists(SOURCE_DATABASE):
        log(f"{SOURCE_DATABASE} is missing: generating it as make bench does")
        run.set_database(SOURCE_DATABASE)
        run.ensure_database()
        run.generate(argparse.Namespace(articles=100_000, regenerate=False))
    if options.recreate or not publishing_load.database_exists(options.database):
        log(f"Copying {SOURCE_DATABASE} to {options.database}")
        run.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", options.database], timeout=120)
        result = run.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", SOURCE_DATABASE, options.database],
            timeout=600,
            check=False,
            capture=True,
        )
        if result.returncode != 0:
            raise run.BenchError(
                f"createdb -T {SOURCE_DATABASE} failed (it needs {SOURCE_DATABASE} idle: is make bench "
                f"running?): {result.stderr.strip()}"
            )
    run.set_database(options.database)
    if options.no_migrate:
        return
    log(f"Migrating {options.database} and collecting static files")
    run.ensure_database()


def setup_django():
    """This process gets the environment every bench server has, on this run's copy."""
    os.environ.update(run.env())
    sys.path.insert(0, str(run.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's request hooks; ALLOWED_HOSTS gains "testserver"


# --- the journey ---------------------------------------------------------------------------------


def desk_accounts(article):
    """``{role: user}`` with PASSWORD hashed by today's first hasher (what a login checks)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles import roles
    from articles.models import Author
    from bench.generator import GENERATOR_USERNAME

    User = get_user_model()
    editor = User.objects.get(username=GENERATOR_USERNAME)
    chief, _ = User.objects.get_or_create(username=CHIEF, defaults={"is_staff": True})
    reporter, _ = User.objects.get_or_create(username=REPORTER, defaults={"is_staff": True})
    chief.groups.add(Group.objects.get(name=roles.CHIEF_EDITOR))
    reporter.groups.add(Group.objects.get(name=roles.REPORTER))
    if not Author.objects.filter(user=reporter).exists():
        # A byline of the generator's (so the reporter has stories), not on the measured story:
        # on that one the reporter gets the read-only view.
        byline = Author.objects.filter(user=None).exclude(bylines__article=article).order_by("pk").first()
        byline.user = reporter
        byline.save(update_fields=["user"])
    for user in (editor, chief, reporter):
        user.is_staff = True
        user.set_password(PASSWORD)
        user.save()
    return {"editor": editor, "chief": chief, "reporter": reporter}


def measured_story():
    """bench/probe.py's story, with at least two revisions (so there is something to compare)."""
    import probe  # bench/probe.py

    from articles.models import Article

    article = Article.objects.get(pk=probe.pick()["article_pk"])
    if article.revisions.count() < 2:
        probe.touch(article.pk)
    return Article.objects.get(pk=article.pk)


def journey(article):
    """``[(key, role or None, method, path)]``: the pages the desk went through, in order."""
    from django.urls import NoReverseMatch, reverse

    def url(name, *args, **query):
        return reverse(name, args=args) + (f"?{urlencode(query)}" if query else "")

    revisions = list(article.revisions.order_by("-number").values_list("number", flat=True)[:2])
    author = article.bylines.values_list("author_id", flat=True).first()
    stories = "admin:articles_article_changelist"
    story = url("admin:articles_article_change", article.pk)
    login = url("admin:login")
    autocomplete = {"app_label": "articles", "model_name": "article"}
    pages = [
        ("login page", None, "GET", login),
        ("login: reporter", "reporter", "LOGIN", login),
        ("login: editor", "editor", "LOGIN", login),
        ("login: chief", "chief", "LOGIN", login),
        ("index: reporter", "reporter", "GET", url("admin:index")),
        ("index: editor", "editor", "GET", url("admin:index")),
        ("index: chief", "chief", "GET", url("admin:index")),
        ("stories", "editor", "GET", url(stories)),
        ("stories: reporter", "reporter", "GET", url(stories)),
        ("stories: search", "editor", "GET", url(stories, q=SEARCH)),
        ("stories: page 50", "editor", "GET", url(stories, p=50)),
        ("stories: author", "editor", "GET", url(stories, authors__id__exact=author)),
        # The date filter's "This year" link, for the year the story was written.
        ("stories: year", "editor", "GET", url(stories, **{
            "created_at__gte": f"{article.created_at.year}-01-01",
            "created_at__lt": f"{article.created_at.year + 1}-01-01",
        })),
        *(("queue: " + key, "editor", "GET", url(stories, queue=key)) for key in QUEUES),
        ("queue: mine, reporter", "reporter", "GET", url(stories, queue="mine")),
        ("live story", "editor", "GET", story),
        ("live story: reporter (read-only)", "reporter", "GET", story),
        ("new story: reporter", "reporter", "GET", url("admin:articles_article_add")),
        ("new story: editor", "editor", "GET", url("admin:articles_article_add")),
        ("related autocomplete", "editor", "GET",
         url("admin:autocomplete", term="fishing", field_name="related", **autocomplete)),
        ("photo autocomplete", "editor", "GET",
         url("admin:autocomplete", term="", field_name="lead_photo", **autocomplete)),
        ("revisions", "editor", "GET", url("admin:articles_article_revisions", article.pk)),
        ("compare", "editor", "GET",
         url("admin:articles_article_compare", article.pk, a=revisions[-1], b=revisions[0])),
        ("picks", "chief", "GET", url("admin:articles_editorspick_changelist")),
        ("photos", "editor", "GET", url("admin:articles_photo_changelist")),
        ("workflow events", "editor", "GET", url("admin:articles_workflowevent_changelist")),
    ]  # fmt: skip
    # Pages other parts of issue 16 add, measured once they exist.
    for key, role, name in [("inbox", "editor", "admin:inbox_notification_changelist")]:
        try:
            pages.append((key, role, "GET", url(name)))
        except NoReverseMatch:
            log(f"{key}: no {name} in this checkout, not measured")
    return pages


class Desk:
    """A signed-in test client per role, and the requests of the journey."""

    def __init__(self, accounts):
        from django.test import Client

        self.accounts = accounts
        self.clients = {None: Client(HTTP_HOST=HOST)}
        for role in accounts:
            self.clients[role] = Client(HTTP_HOST=HOST)
            self._login(self.clients[role], role, expect_redirect=True)

    def _login(self, client, role, *, expect_redirect):
        response = client.post(
            client_path := "/admin/login/?next=/admin/",
            {"username": self.accounts[role].username, "password": PASSWORD},
        )
        if expect_redirect and response.status_code != 302:
            raise run.BenchError(f"{role} could not sign in at {client_path}: {response.status_code}")
        return response

    def request(self, role, method, path):
        """One request; a LOGIN is a fresh client's POST to the login form."""
        from django.test import Client

        if method == "LOGIN":
            client = Client(HTTP_HOST=HOST)
            client.get(path)  # the page a person signs in from: its CSRF cookie, as a browser has
            started = time.perf_counter()
            response = self._login(client, role, expect_redirect=True)
            return time.perf_counter() - started, response
        started = time.perf_counter()
        response = self.clients[role].get(path)
        return time.perf_counter() - started, response


def measure(desk, pages, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for key, role, method, path in pages:
        desk.request(role, method, path)  # warm: templates loaded, connection open
        timings = []
        for _ in range(runs):
            seconds, response = desk.request(role, method, path)
            timings.append(seconds * 1000)
        expected = 302 if method == "LOGIN" else 200
        if response.status_code != expected:
            raise run.BenchError(f"{key}: {method} {path} answered {response.status_code}, not {expected}")
        with CaptureQueriesContext(connection) as captured:
            desk.request(role, method, path)
        rows.append(
            {
                "key": key,
                "role": role or "anonymous",
                "method": "POST" if method == "LOGIN" else method,
                "path": path,
                "median_ms": round(statistics.median(timings), 1),
                "max_ms": round(max(timings), 1),
                "queries": len(captured.captured_queries),
                "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1),
                "bytes": len(response.content),
            }
        )
        log(f"{key}: median {rows[-1]['median_ms']} ms, {rows[-1]['queries']} queries")
    return rows


def profile(desk, pages, key):
    """cProfile's costliest functions and the slowest queries of one page of the journey."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = [page for page in pages if page[0] == key]
    if not found:
        raise SystemExit(f"No page {key!r}; the pages: {', '.join(page[0] for page in pages)}")
    _, role, method, path = found[0]
    desk.request(role, method, path)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        profiler.enable()
        seconds, response = desk.request(role, method, path)
        profiler.disable()
    print(f"{key}: {method} {path} → {response.status_code} in {seconds * 1000:.1f} ms")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    print(out.getvalue())
    queries = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    print(f"{len(queries)} queries, {sum(float(q['time']) for q in queries) * 1000:.1f} ms; the slowest:")
    for query in queries[:12]:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    if queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {queries[0]['sql']}")
            plan = "\n".join(f"  {line}" for (line,) in cursor.fetchall())
        print(f"The slowest, whole:\n  {queries[0]['sql']}\nIts plan:\n{plan}")


# --- the report ----------------------------------------------------------------------------------


def versions():
    import platform

    import django
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgresql,
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
    }


def markdown(results):
    machine, versions, code = results["machine"], results["versions"], results["code"]
    lines = [
        f"<!-- bench:{LABEL}:start -->",
        f"- **Command**: `{results['command']}` ({results['seconds']} s in all)",
        f"- **Date**: {results['date']}",
        f"- **Code**: {code['commit']} “{code['subject']}”; modified, not committed: "
        f"{', '.join(code['modified']) or 'nothing'}; new: {', '.join(code['untracked']) or 'nothing'}",
        f"- **Machine**: {machine['cpus']} × {machine['cpu_model']}, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Linux {machine['kernel']}; load average {results['load_average']} at the start",
        f"- **Versions**: Python {versions['python']}, Django {versions['django']}, PostgreSQL "
        f"{versions['postgresql']}, Redis {versions['redis']}; password hasher {results['hasher']}",
        f"- **How**: Django's test client in one process (the whole middleware stack, no network), "
        f"DEBUG off, on {results['database']} ({results['articles']:,} stories); each page once to "
        f"warm up, then {results['runs']} times: the median and the slowest, then once more for its "
        "queries (their number and time). A login is a fresh client's POST with a right password.",
        "",
        f"| page | as | median ms | slowest ms | queries | SQL ms | ≤ {LIMIT_MS:.0f} ms |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    for row in results["pages"]:
        verdict = "pass" if row["median_ms"] <= LIMIT_MS else "**FAIL**"
        lines.append(
            f"| {row['key']} | {row['role']} | {row['median_ms']:.0f} | {row['max_ms']:.0f} "
            f"| {row['queries']} | {row['sql_ms']:.0f} | {verdict} |"
        )
    slowest = max(results["pages"], key=lambda row: row["median_ms"])
    lines += [
        "",
        f"Slowest page: {slowest['key']}, median {slowest['median_ms']:.0f} ms.",
        f"<!-- bench:{LABEL}:end -->",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed requests per page, after one to warm up")
    parser.add_argument("--database", default=DATABASE, help=f"the copy of {SOURCE_DATABASE} measured")
    parser.add_argument("--recreate", action="store_true", help=f"copy {SOURCE_DATABASE} again first")
    parser.add_argument("--no-write", action="store_true", help="print the results, write no file")
    parser.add_argument("--no-migrate", action="store_true", help="the copy is migrated already")
    parser.add_argument("--profile", metavar="KEY", help="profile one page (its key in the table)")
    options = parser.parse_args(argv)

    arguments = " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if os.environ.get("MAKELEVEL"):
        command = f'make bench-admin BENCH_ARGS="{arguments}"' if arguments else "make bench-admin"
    else:
        command = f"python bench/admin_speed.py {arguments}".strip()
    run.ENVIRONMENT["REDIS_URL"] = REDIS_URL
    started = time.monotonic()
    date = run._now()  # before Django sets the process's time zone
    load_average = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    try:
        ensure_database(options)
        code = run.code_state()
        setup_django()
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        from django.conf import settings

        from articles.models import Article

        article = measured_story()
        desk = Desk(desk_accounts(article))
        pages = journey(article)
        if options.profile:
            profile(desk, pages, options.profile)
            return 0
        rows = measure(desk, pages, options.runs)
    except run.BenchError as error:
        log(f"failed: {error}")
        return 1
    results = {
        "date": date,
        "command": command,
        "machine": run.machine(),
        "versions": versions(),
        "code": code,
        "load_average": load_average,
        "hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
        "database": options.database,
        "articles": Article.objects.count(),
        "runs": options.runs,
        "pages": rows,
        "seconds": round(time.monotonic() - started),
    }
    section = markdown(results)
    print()
    print(section)
    if not options.no_write:
        report.write_section(LABEL, section)
        log(f"Wrote the {LABEL!r} section of bench/RESULTS.md")
    return 0 if all(row["median_ms"] <= LIMIT_MS for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
