"""
Where a reader page's render goes, in process: the measured story of `make bench` (bench/probe.py's
``pick()``) requested N times through Django's test client, as bench/probe.py's ``count`` does.

    NEWSROOM_BENCH=1 NEWSROOM_PAGE_CACHE_TTL=0 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench REDIS_URL=redis://127.0.0.1:6379/11 \\
    .venv/bin/python bench/profile_render.py article [--kept] [-n 200] [--top 25]

``article``: scenario (e0), every block rendered and every query run (run it with
``NEWSROOM_PAGE_CACHE_TTL=0``). ``--kept``: scenario (e), the page rendered around its kept blocks
(``Cookie: sessionid=x`` makes the page cache step aside; the blocks are primed once first; run it
with the page cache on, ``NEWSROOM_PAGE_CACHE_TTL`` unset).

Prints the process's CPU per request (``time.process_time``: Python only, no profiler running),
the SQL queries per request, and a cProfile of the same requests grouped by what the time was
spent on: each function's own time goes to the group of its module (a C function's to its
callers' groups), so the groups add up to the profile's total.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.profiling import set_up_django  # noqa: E402

set_up_django(cache_key_prefix="newsroom-bench-profile")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import probe  # noqa: E402

BYPASS_COOKIE = "sessionid=x"

# (group, the path fragments of its modules), first match wins.
GROUPS = (
    ("database", ("/psycopg/", "/psycopg_c/", "/django/db/backends/", "/django/db/utils.py", "/sqlite3/")),
    ("ORM: SQL compile", ("/django/db/models/sql/compiler.py", "/django/db/models/sql/where.py")),
    ("ORM: rows to objects", ("/django/db/models/base.py", "/django/db/models/fields/related_desc")),
    ("ORM: queryset building", ("/django/db/",)),
    ("URL reversing", ("/django/urls/",)),
    ("templates", ("/django/template/", "/django/templatetags/", "/templatetags/", "/django/utils/html.py")),
    ("middleware and handler", ("/core/handlers/", "/django/middleware/", "/django/test/", "/pagecache/")),
)


def group_of(filename):
    for group, fragments in GROUPS:
        if any(fragment in filename for fragment in fragments):
            return group
    return "other"


def grouped(stats):
    """``{group: seconds}``: own time by module group; a built-in's by its callers' groups."""
    totals = defaultdict(float)
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():
        if filename != "~":
            totals[group_of(filename)] += own
            continue
        from_callers = {caller: timing[2] for caller, timing in callers.items()}
        known = sum(from_callers.values())
        if not known:
            totals["other"] += own
            continue
        for caller, share in from_callers.items():
            totals[group_of(caller[0])] += own * share / known
    return totals


def backend_cpu():
    """CPU seconds the PostgreSQL backend serving this process has used (/proc), or None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests(client, path, n, extra):
    for _ in range(n):
        response = client.get(path, **extra)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("page", choices=["article"])
    parser.add_argument("--kept", action="store_true", help="scenario (e): render around the kept blocks")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--top", type=int, default=25, help="also print the N costliest functions")
    args = parser.parse_args()

    from django.conf import settings  # noqa: PLC0415

    if args.kept == (settings.NEWSROOM_PAGE_CACHE_TTL == 0):
        raise SystemExit("(e0) needs NEWSROOM_PAGE_CACHE_TTL=0; --kept needs the page cache on.")
    path = probe.pick()["article"]
    client = Client(HTTP_HOST=probe.HOST)
    extra = {"HTTP_COOKIE": BYPASS_COOKIE}
    requests(client, path, 5, extra)  # warm up: templates loaded, connection open, blocks kept

    with CaptureQueriesContext(connection) as captured:
        client.get(path, **extra)
    queries = list(captured.captured_queries)  # copied now: a new connection empties the log

    cpu, database_cpu = [], []
    for _ in range(5):
        started, database_started = time.process_time(), backend_cpu()
        requests(client, path, args.n // 5, extra)
        cpu.append((time.process_time() - started) * 1000 / (args.n // 5))
        if database_started is not None:
            database_cpu.append((backend_cpu() - database_started) * 1000 / (args.n // 5))

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(requests, client, path, args.n, extra)
    wall = (time.perf_counter() - started) * 1000 / args.n

    scenario = "(e) around kept blocks" if args.kept else "(e0) nothing kept"
    print(f"{path}  {scenario}, {args.n} requests")
    print(f"CPU (no profiler): {statistics.median(cpu):.2f} ms/request (median of 5 runs of {args.n // 5})")
    if database_cpu:
        print(f"PostgreSQL backend CPU: {statistics.median(database_cpu):.2f} ms/request (same runs)")
    print(f"SQL queries: {len(queries)}/request")
    for query in queries:
        print(f"    {float(query['time']) * 1000:6.2f} ms  {query['sql'][:160]}")
    stats = pstats.Stats(profile)
    totals = grouped(stats)
    total = sum(totals.values())
    print(f"Profile: {wall:.2f} ms/request wall with cProfile; own time by group (ms/request):")
    for group, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"    {group:<26}{seconds * 1000 / args.n:7.2f}  {seconds / total:6.1%}")
    if args.top:
        print(f"The {args.top} functions with the most own time (ms/request):")
        for (filename, line, name), (_, calls, own, _, _) in sorted(
            stats.stats.items(), key=lambda item: -item[1][2]
        )[: args.top]:
            where = f"{Path(filename).name}:{line}" if filename != "~" else ""
            group = group_of(filename)
            print(f"    {own * 1000 / args.n:6.2f}  {calls / args.n:7.1f} calls  {group:<24}{where} {name}")


if __name__ == "__main__":
    main()
