"""
`make bench-publishing`: readers under load while an editor publishes (issue 14, part 6).

    .venv/bin/python bench/publishing_load.py [--duration 60] [--connections 64] [--stories 5]
                                              [--warmup 5] [--cold] [--recreate] [--no-write]

1. The database is ``newsroom_publishing_bench``, a copy of ``make bench``'s ``newsroom_bench``
   (100,000 stories), so that the editor's changes never touch the database ``make bench``
   measures. The copy is made when missing, or again with ``--recreate`` (``createdb -T`` needs
   ``newsroom_bench`` idle); ``newsroom_bench`` itself is generated as ``make bench`` does
   (bench/run.py) only if it does not exist. The copy is migrated; a run on an existing copy
   carries on from the state the last one left its stories in.
2. Starts gunicorn (bench/gunicorn.conf.py: 2 sync workers) on 127.0.0.1:8101, with Redis
   database 7, emptied first: ports and databases of its own, so that it can run beside
   ``make bench``. No nginx: readers go straight to gunicorn.
3. Warms up: reads every address once (``--cold`` skips it: a site measured just after its cache
   was emptied, which a news site in service never is), then readers alone for ``--warmup``
   seconds; reads the workers' RSS, then for ``--duration`` seconds:
     readers  wrk ``-t2 -c64 --latency --timeout 30s`` with bench/publishing_readers.lua, which
              cycles over addresses built from the database (``manage.py reader_paths``) in the
              mix ``MIX`` and counts the responses by status and by X-Page-Cache;
     editor   ``manage.py publishing_editor``: one workflow transition a second, through
              ``articles.workflow.take`` as an editor, on a rotating set of stories (publish,
              edit and submit, publish update, unpublish, submit, ...), a JSON line per commit;
     poller   after each unpublish commits, the story's address is requested every 40 ms,
              anonymously, until it stops answering 200 (and for half a second more);
     sampler  two more readers, one request at a time, taking each kind of page in turn: the
              latency and page-cache share of each kind (wrk's latencies are of the whole mix).
4. Reads the workers' RSS again, compares the editor's commits with the WorkflowEvent rows
   written since it started, and judges the issue's five criteria (``LIMITS``).
5. Writes its section of bench/RESULTS.md (between ``<!-- bench:publishing:start/end -->``) and
   the whole run as JSON in bench/out/publishing/results.json.

Every process started here is stopped at the end, by its pid, on success, failure or Ctrl-C.
"""

import argparse
import collections
import concurrent.futures
import itertools
import json
import math
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402  (bench/report.py)
import run  # noqa: E402  (bench/run.py: the processes, wrk, /proc and the machine, reused)

LABEL = "publishing"
SOURCE_DATABASE = run.DATABASE  # make bench's newsroom_bench, never written here
DATABASE = "newsroom_publishing_bench"
PORT = 8101
URL = f"http://127.0.0.1:{PORT}"
REDIS_URL = "redis://127.0.0.1:6379/7"
OUT = run.OUT / "publishing"
LUA_SCRIPT = run.BENCH / "publishing_readers.lua"
WRK_THREADS = 2  # run.wrk's -t2

# The readers' mix, in requests per 100: mostly stories, as on a news site, with every other kind
# of page read often enough to be measured (crawlers read sitemaps far less often than this).
# "edited" are the editor's own stories.
MIX = {
    "article": 58,
    "edited": 2,
    "home": 8,
    "section": 10,
    "deep": 7,
    "search": 5,
    "feed": 8,
    "sitemap": 2,
}

# The criteria.
P99_LIMIT_MS = 1000.0
FRESHNESS_LIMIT_S = 1.0
RSS_GROWTH_LIMIT_MB = 20.0

POLL_INTERVAL_S = 0.04
POLL_SETTLE_S = 0.5  # polls go on this long after the story is gone: it must stay gone
POLL_TIMEOUT_S = 5.0
SAMPLERS = 2


def log(message):
    run.log(message)


# --- pure parts (tests/test_bench_publishing.py) ------------------------------------------------


def reader_cycle(paths, mix):
    """
    The addresses wrk cycles over: each kind of ``paths`` (``{kind: [path]}``) ``mix[kind]``
    times in 100, interleaved evenly (smooth weighted round robin), each kind's paths in turn,
    long enough for every path of every kind to come up at least once.
    """
    kinds = {kind: weight for kind, weight in mix.items() if weight > 0 and paths.get(kind)}
    total = sum(kinds.values())
    length = max(total, *(math.ceil(len(paths[kind]) * total / weight) for kind, weight in kinds.items()))
    turns = {kind: itertools.cycle(paths[kind]) for kind in kinds}
    credit = dict.fromkeys(kinds, 0)
    cycle = []
    for _ in range(length):
        for kind, weight in kinds.items():
            credit[kind] += weight
        chosen = max(kinds, key=lambda kind: credit[kind])
        credit[chosen] -= total
        cycle.append(next(turns[chosen]))
    return cycle


def parse_lua_counts(output):
    """The counts bench/publishing_readers.lua prints in ``done()``: ``{"status": {..}, "cache": {..}}``."""
    counts = {"status": {}, "cache": {}}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("publishing-status", "publishing-cache"):
            kind = parts[0].removeprefix("publishing-")
            counts[kind][parts[1]] = counts[kind].get(parts[1], 0) + int(parts[2])
    return counts


def server_errors(statuses):
    """The 5xx responses among ``{status: count}``."""
    return sum(count for status, count in statuses.items() if str(status).startswith("5"))


def hit_share(caches):
    """The share of responses served from the page cache (``{X-Page-Cache value: count}``)."""
    total = sum(caches.values())
    return caches.get("HIT", 0) / total if total else 0.0


def reconcile(records, events):
    """
    The editor's commits (``records``: ``{"article", "action", ...}``, refusals and failures
    left out) against the WorkflowEvent rows written since it started (``events``: ``{"id",
    "article", "action"}``). ``lost``: commits with no event; ``unexpected``: events with no commit
    (a duplicate, or a change nobody made); ``in_order``: each story's events in the order of its
    commits.
    """
    committed = [record for record in records if "committed_at" in record]
    wanted = collections.Counter((record["article"], record["action"]) for record in committed)
    found = collections.Counter((event["article"], event["action"]) for event in events)

    def listed(counter):
        return [
            {"article": article, "action": action, "count": count}
            for (article, action), count in counter.items()
        ]

    def by_story(rows):
        stories = collections.defaultdict(list)
        for row in rows:
            stories[row["article"]].append(row["action"])
        return stories

    ordered_events = sorted(events, key=lambda event: event["id"])
    return {
        "commits": len(committed),
        "events": len(events),
        "lost": listed(wanted - found),
        "unexpected": listed(found - wanted),
        "in_order": by_story(committed) == by_story(ordered_events),
    }


def staleness(samples, *, back_at=None):
    """
    What the poller saw after an unpublish: ``samples`` are ``(sent, received, status)``, in
    seconds after the commit. ``last_seen_s``: when the last request still answered 200 was
    sent (its page was made no earlier, so this is a lower bound of how long readers saw the
    story); ``gone_s``: when the first request answered otherwise was sent; ``None`` if none was.
    ``back_at``: when the editor published the story again; an answer received after it proves
    nothing either way, and is left out.
    """
    kept = [(sent, status) for sent, received, status in samples if back_at is None or received < back_at]
    seen = [sent for sent, status in kept if status == 200]
    gone = [sent for sent, status in kept if status != 200]
    return {
        "last_seen_s": round(max(seen), 3) if seen else None,
        "gone_s": round(min(gone), 3) if gone else None,
        "polls": len(kept),
        "statuses": dict(collections.Counter(str(status) for _, status in kept)),
    }


def republished_at(records, unpublished):
    """When the story of ``unpublished`` (an editor's record) was next published, after its commit."""
    later = [
        record["committed_at"]
        for record in records
        if record.get("article") == unpublished["article"]
        and record.get("action") == "publish"
        and record.get("committed_at", 0) > unpublished["committed_at"]
    ]
    return min(later) - unpublished["committed_at"] if later else None


def percentile(values, fraction):
    """The nearest-rank percentile of ``values`` (``fraction`` 0.5 for the median), or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def by_kind(samples):
    """The sampler's ``(kind, ms, status, cache)`` samples as ``{kind: figures}``."""
    kinds = collections.defaultdict(list)
    for sample in samples:
        kinds[sample[0]].append(sample)
    figures = {}
    for kind, rows in kinds.items():
        times = [ms for _, ms, _, _ in rows]
        figures[kind] = {
            "requests": len(rows),
            "p50_ms": round(percentile(times, 0.5), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "max_ms": round(max(times), 1),
            "hit_share": round(sum(cache == "HIT" for *_, cache in rows) / len(rows), 3),
            "statuses": dict(collections.Counter(str(status) for _, _, status, _ in rows)),
        }
    return figures


def criteria(results):
    """The issue's five criteria: ``{name: {"target", "value", "pass"}}``."""
    readers = results["readers"]
    statuses = collections.Counter(readers["statuses"])
    for kind in ("sampler_statuses", "poller_statuses"):
        statuses.update(results.get(kind, {}))
    events = results["events"]
    freshness = results["freshness"]
    worst = [each["last_seen_s"] or 0.0 for each in freshness]
    never_gone = sum(each["gone_s"] is None for each in freshness)
    growth = results["rss"]["growth_mb"]
    same_workers = results["rss"]["same_workers"]
    return {
        "no_5xx": {
            "target": "zero 5xx (wrk, the sampler and the poller)",
            "value": f"{server_errors(statuses)} of {sum(statuses.values()):,} responses",
            "pass": server_errors(statuses) == 0 and readers["requests"] > 0,
        },
        "events": {
            "target": "zero lost or duplicated workflow events",
            "value": f"{events['commits']} commits, {events['events']} events, {len(events['lost'])} lost, "
            f"{len(events['unexpected'])} unexpected, in order: {'yes' if events['in_order'] else 'no'}",
            "pass": events["commits"] > 0
            and not events["lost"]
            and not events["unexpected"]
            and events["in_order"],
        },
        "freshness": {
            "target": f"no reader sees an unpublished story {FRESHNESS_LIMIT_S:g} s after the commit",
            "value": (
                f"at most {max(worst):.3f} s over {len(freshness)} unpublishes"
                + (f"; {never_gone} never gone within {POLL_TIMEOUT_S:g} s" if never_gone else "")
                if freshness
                else "no unpublish measured"
            ),
            "pass": bool(freshness) and not never_gone and max(worst) <= FRESHNESS_LIMIT_S,
        },
        "p99": {
            "target": f"reader p99 under {P99_LIMIT_MS / 1000:g} s (wrk)",
            "value": f"{readers['p99_ms']:.0f} ms",
            "pass": readers["p99_ms"] is not None and readers["p99_ms"] < P99_LIMIT_MS,
        },
        "rss": {
            "target": f"gunicorn worker RSS grows by less than {RSS_GROWTH_LIMIT_MB:g} MB",
            "value": f"at most {growth:+.1f} MB" + ("" if same_workers else " (a worker was replaced)"),
            "pass": same_workers and growth < RSS_GROWTH_LIMIT_MB,
        },
    }


def markdown(results):
    """The run as the section of RESULTS.md between its markers."""
    machine, versions, code = results["machine"], results["versions"], results["code"]
    readers, options = results["readers"], results["options"]
    lines = [
        f"<!-- bench:{LABEL}:start -->",
        f"- **Command**: `{results['command']}` ({results['seconds']} s in all)",
        f"- **Date**: {results['date']}",
        f"- **Code**: {code['commit']} “{code['subject']}”; modified, not committed: "
        f"{', '.join(code['modified']) or 'nothing'}; new: {', '.join(code['untracked']) or 'nothing'}",
        f"- **Machine**: {machine['cpus']} × {machine['cpu_model']}, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Linux {machine['kernel']}; CPU used during the run, in cores: "
        + ", ".join(f"{name} {cores:.2f}" for name, cores in results["cpu_cores"].items()),
        f"- **Versions**: Python {versions['python']}, Django {versions['django']}, gunicorn "
        f"{versions['gunicorn']} (2 sync workers, no nginx), PostgreSQL {versions['postgresql']}, "
        f"Redis {versions['redis']}, {versions['wrk']}",
        f"- **Load**: `{readers['wrk']}` for {options['duration']} s after "
        f"{'' if options.get('cold') else 'reading every address once and '}a {options['warmup']} s "
        f"warm-up, over {results['paths']['cycle']:,} addresses ("
        + ", ".join(f"{kind} {MIX[kind]} %" for kind in MIX)
        + f"); the editor took {results['events']['commits']} transitions on {options['stories']} stories "
        f"({results['editor']['refused']} refused, {results['editor']['errors']} failed)",
        "",
        "| criterion | measured | |",
        "|---|---|:---:|",
    ]
    for check in results["criteria"].values():
        lines.append(f"| {check['target']} | {check['value']} | {'pass' if check['pass'] else '**FAIL**'} |")
    statuses = ", ".join(f"{status}: {count:,}" for status, count in sorted(readers["statuses"].items()))
    errors = readers["socket_errors"]
    lines += [
        "",
        f"Readers (wrk): {readers['requests']:,} requests, {readers['requests_per_s']:,.0f} req/s, "
        f"p50 {readers['p50_ms']:.0f} ms, p99 {readers['p99_ms']:.0f} ms; statuses {statuses}; socket "
        f"errors {', '.join(f'{k} {v}' for k, v in errors.items()) or 'none'}; from the page cache "
        f"{readers['hit_share'] * 100:.0f} % (X-Page-Cache: HIT).",
        "",
        "Each kind of page, from the sampler (2 more readers, one request at a time, each kind in turn, "
        "queued with wrk's):",
        "",
        "| kind | requests | p50 ms | p99 ms | max ms | page cache hits | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for kind, row in sorted(results["kinds"].items()):
        lines.append(
            f"| {kind} | {row['requests']} | {row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['max_ms']:.0f} "
            f"| {row['hit_share'] * 100:.0f} % | "
            + ", ".join(f"{status}: {count}" for status, count in sorted(row["statuses"].items()))
            + " |"
        )
    rss = results["rss"]
    lines += [
        "",
        "Worker RSS before → after: "
        + "; ".join(f"{before} → {after} MB" for before, after in rss["pairs"])
        + ".",
        "",
        "Freshness, after each unpublish (seconds after the commit; the last request still answered "
        "200 was sent at …, the first answered otherwise at …): "
        + "; ".join(
            f"{each['last_seen_s'] or 0:.2f} / {_or_never(each['gone_s'])}" for each in results["freshness"]
        )
        + ".",
        f"<!-- bench:{LABEL}:end -->",
    ]
    return "\n".join(lines)


def _or_never(seconds):
    return "never" if seconds is None else f"{seconds:.2f}"


# --- setup ---------------------------------------------------------------------------------------


def psql(sql, database="postgres"):
    result = run.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tA", "-c", sql, database],
        timeout=120,
        capture=True,
        quiet=True,
    )
    return result.stdout.strip()


def database_exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def ensure_databases(options):
    """The source newsroom (generated as make bench does, only if missing) and this run's copy."""
    if not database_exists(SOURCE_DATABASE):
        log(f"{SOURCE_DATABASE} is missing: generating it as make bench does")
        run.set_database(SOURCE_DATABASE)
        run.ensure_database()
        run.generate(argparse.Namespace(articles=options.articles, regenerate=False))
    if options.recreate or not database_exists(DATABASE):
        log(f"Copying {SOURCE_DATABASE} to {DATABASE}")
        run.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], timeout=120)
        result = run.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", SOURCE_DATABASE, DATABASE],
            timeout=600,
            check=False,
            capture=True,
        )
        if result.returncode != 0:
            raise run.BenchError(
                f"createdb -T {SOURCE_DATABASE} failed (it needs {SOURCE_DATABASE} idle: is make bench "
                f"running?): {result.stderr.strip()}"
            )
    run.set_database(DATABASE)
    run.ensure_database()  # migrations and static files for this checkout


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


# --- the run -------------------------------------------------------------------------------------


class Sampler:
    """Readers one request at a time, each kind of page in turn: latency and cache hits by kind."""

    def __init__(self, paths):
        self.kinds = itertools.cycle(sorted(kind for kind in paths if paths[kind] and MIX.get(kind)))
        self.turns = {kind: itertools.cycle(found) for kind, found in paths.items()}
        self.lock = threading.Lock()
        self.samples = []
        self.stopping = threading.Event()

    def next_path(self):
        with self.lock:
            kind = next(self.kinds)
            return kind, next(self.turns[kind])

    def read(self):
        while not self.stopping.is_set():
            kind, path = self.next_path()
            started = time.perf_counter()
            try:
                status, headers, _ = run.fetch(f"{URL}{path}", timeout=60)
            except (urllib.error.URLError, OSError) as error:
                status, headers = f"error: {error}", {}
            elapsed_ms = (time.perf_counter() - started) * 1000
            with self.lock:
                self.samples.append((kind, elapsed_ms, status, headers.get("X-Page-Cache", "none")))


def poll_until_gone(url, committed_at):
    """
    Request ``url`` every POLL_INTERVAL_S until it has stopped answering 200 (and POLL_SETTLE_S
    more), or for POLL_TIMEOUT_S: ``(sent, received, status)`` in seconds after the commit.
    """
    samples = poll_until_shown(url, committed_at, lambda status, body: status != 200)
    return [(sent, received, status) for sent, received, status, _ in samples]


def poll_until_shown(url, committed_at, shown, *, readers=16, host=None):
    """
    Request ``url`` (naming the site ``host``, if given) every POLL_INTERVAL_S, ``readers``
    requests in flight at most, until an answer ``shown(status, body)`` has come (and
    POLL_SETTLE_S more), or for POLL_TIMEOUT_S after the commit (POLL_SETTLE_S at least, if the
    commit was heard of late): ``(sent, received, status, shown)`` in seconds after the commit.
    """
    samples, shown_at = [], None
    lock, stopped = threading.Lock(), threading.Event()

    def one():
        nonlocal shown_at
        if stopped.is_set():
            return  # queued behind slow requests until after the end: never sent
        sent = time.time()
        try:
            status, _, body = run.fetch(url, timeout=30, host=host)
        except (urllib.error.URLError, OSError):
            status, body = "error", b""
        received = time.time()
        seen = status != "error" and shown(status, body)
        with lock:
            samples.append((sent - committed_at, received - committed_at, status, seen))
            if seen and shown_at is None:
                shown_at = received

    deadline = max(committed_at + POLL_TIMEOUT_S, time.time() + POLL_SETTLE_S)
    with concurrent.futures.ThreadPoolExecutor(readers) as pool:
        while time.time() < deadline:
            with lock:
                if shown_at is not None and time.time() - shown_at > POLL_SETTLE_S:
                    break
            pool.submit(one)
            time.sleep(POLL_INTERVAL_S)
        stopped.set()
    return sorted(samples)


def start_editor(options):
    args = [
        run.PYTHON, "manage.py", "publishing_editor",
        "--seconds", str(options.duration), "--stories", str(options.stories),
    ]  # fmt: skip
    log("$ " + " ".join(shlex.quote(str(a)) for a in args))
    return subprocess.Popen(
        [str(a) for a in args], cwd=run.ROOT, env=run.env(), stdout=subprocess.PIPE, text=True
    )


def rss(gunicorn):
    return {pid: run.memory_mb(pid)[0] for pid in run.worker_pids(gunicorn.pid)}


def measure(options, gunicorn, paths_file, paths):
    """The run itself: wrk, the editor, the poller and the sampler together."""
    editor = start_editor(options)
    first = json.loads(editor.stdout.readline() or "{}")
    if "start" not in first:
        raise run.BenchError("The editor did not start; see its output above.")
    records, unpublishes, freshness = [], [], []
    pollers = concurrent.futures.ThreadPoolExecutor(4)

    def follow_editor():
        for line in editor.stdout:
            record = json.loads(line)
            records.append(record)
            if record.get("action") == "unpublish":
                unpublishes.append(record)
                freshness.append(
                    pollers.submit(poll_until_gone, f"{URL}{record['path']}", record["committed_at"])
                )

    follower = threading.Thread(target=follow_editor, daemon=True)
    follower.start()
    sampler = Sampler(paths)
    readers = [threading.Thread(target=sampler.read, daemon=True) for _ in range(SAMPLERS)]
    for reader in readers:
        reader.start()
    cpu_before = cpu_snapshot(gunicorn)
    try:
        output, elapsed, command = run.wrk(
            f"{URL}/",
            connections=options.connections,
            duration=options.duration,
            script=LUA_SCRIPT,
            script_args=[paths_file, WRK_THREADS],
        )
    finally:
        sampler.stopping.set()
    editor.wait(timeout=60)
    follower.join(timeout=10)
    pollers.shutdown(wait=True)
    for reader in readers:
        reader.join(timeout=90)
    cpu = cpu_cores(cpu_before, cpu_snapshot(gunicorn))
    return {
        "wrk_output": output,
        "wrk_command": command,
        "elapsed": elapsed,
        "editor_start": first,
        "records": records,
        "freshness": [
            staleness(future.result(), back_at=republished_at(records, unpublished))
            for unpublished, future in zip(unpublishes, freshness, strict=True)
        ],
        "samples": list(sampler.samples),
        "cpu_cores": cpu,
    }


def cpu_snapshot(gunicorn):
    return {
        "at": time.monotonic(),
        "machine": run.machine_cpu_seconds()[0],
        "workers": run.cpu_seconds(run.worker_pids(gunicorn.pid)),
        "postgresql": run.cpu_seconds(run.database_backend_pids()),
        "redis": run.cpu_seconds(run.redis_pids()),
        # wrk and the editor (waited for) and this process's own sampler and poller threads.
        "here": sum(os.times()[:4]),
    }


def cpu_cores(before, after):
    """Cores each party used between two snapshots; "others": the rest of the machine (noise)."""
    elapsed = after["at"] - before["at"]
    used = {
        "workers": run.cpu_used(before["workers"], after["workers"]),
        "postgresql": run.cpu_used(before["postgresql"], after["postgresql"]),
        "redis": run.cpu_used(before["redis"], after["redis"]),
        "wrk, editor, sampler, poller": after["here"] - before["here"],
    }
    used["others"] = max(0.0, after["machine"] - before["machine"] - sum(used.values()))
    return {name: round(seconds / elapsed, 2) for name, seconds in used.items()}


def read_every_address_once(paths, *, readers=4):
    """Ask for each address once, ``readers`` at a time, as wrk's first pass would: the page
    cache then holds what a site in service holds. Returns the seconds it took."""
    started = time.monotonic()
    addresses = sorted({path for found in paths.values() for path in found})
    with concurrent.futures.ThreadPoolExecutor(readers) as pool:
        list(pool.map(lambda path: run.fetch(URL + path), addresses))
    return round(time.monotonic() - started, 1)


def workflow_events(after_id):
    rows = psql(
        f"SELECT id, article_id, action FROM articles_workflowevent WHERE id > {int(after_id)} ORDER BY id",
        DATABASE,
    )
    events = []
    for row in rows.splitlines():
        event_id, article, action = row.split("|")
        events.append({"id": int(event_id), "article": int(article), "action": action})
    return events


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load and of editing")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of readers alone first")
    parser.add_argument("--cold", action="store_true", help="skip reading every address once first")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--stories", type=int, default=5, help="how many stories the editor rotates over")
    parser.add_argument(
        "--articles", type=int, default=100_000, help=f"if {SOURCE_DATABASE} must be generated"
    )
    parser.add_argument("--recreate", action="store_true", help=f"copy {SOURCE_DATABASE} again first")
    parser.add_argument("--no-write", action="store_true", help="print the results, write no file")
    options = parser.parse_args(argv)

    arguments = " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if os.environ.get("MAKELEVEL"):
        command = f'make bench-publishing BENCH_ARGS="{arguments}"' if arguments else "make bench-publishing"
    else:
        command = f"python bench/publishing_load.py {arguments}".strip()
    # This run's own Redis database (run.env() gives every command and server the bench settings).
    run.ENVIRONMENT["REDIS_URL"] = REDIS_URL
    processes = run.Processes()

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    try:
        OUT.mkdir(parents=True, exist_ok=True)
        run.ensure_tools()
        run.ensure_ports_free([PORT])
        ensure_databases(options)
        paths = json.loads(manage_output("reader_paths", "--stories", str(options.stories)))
        cycle = reader_cycle(paths, MIX)
        paths_file = OUT / "paths.txt"
        paths_file.write_text("\n".join(cycle) + "\n")
        flush_redis()
        code = run.code_state()
        gunicorn = processes.start_gunicorn(
            URL, {"GUNICORN_CMD_ARGS": f"--error-logfile {OUT / 'gunicorn.log'}"}
        )
        if not options.cold:
            log(f"Warm-up: every address once ({len(set(cycle)):,})")
            log(f"... in {read_every_address_once(paths)} s")
        if options.warmup:
            log(f"Warm-up: readers alone for {options.warmup} s")
            run.wrk(f"{URL}/", connections=options.connections, duration=options.warmup,
                    script=LUA_SCRIPT, script_args=[paths_file, WRK_THREADS])  # fmt: skip
        rss_before = rss(gunicorn)
        log(f"Readers and the editor for {options.duration} s")
        measured = measure(options, gunicorn, paths_file, paths)
        rss_after = rss(gunicorn)
        records = measured["records"]
        events = workflow_events(measured["editor_start"]["last_event_id"])
        wrk = run.parse_wrk(measured["wrk_output"])
        counts = parse_lua_counts(measured["wrk_output"])
        poll_statuses = collections.Counter()
        for each in measured["freshness"]:
            poll_statuses.update(each["statuses"])
        results = {
            "label": LABEL,
            "date": run._now(),
            "command": command,
            "machine": run.machine(),
            "versions": run.versions(),
            "code": {**code, "changed_during_run": run.code_state()["content"] != code["content"]},
            "options": vars(options),
            "paths": {"by_kind": {kind: len(found) for kind, found in paths.items()}, "cycle": len(cycle)},
            "readers": {
                **wrk,
                "wrk": measured["wrk_command"].replace(str(run.ROOT) + "/", ""),
                "statuses": counts["status"],
                "caches": counts["cache"],
                "hit_share": round(hit_share(counts["cache"]), 3),
            },
            "kinds": by_kind(measured["samples"]),
            "sampler_statuses": dict(collections.Counter(str(s[2]) for s in measured["samples"])),
            "poller_statuses": dict(poll_statuses),
            "editor": {
                "stories": measured["editor_start"]["stories"],
                "refused": [r for r in records if "refused" in r],
                "errors": [r for r in records if "error" in r],
            },
            "events": reconcile(records, events),
            "freshness": measured["freshness"],
            "rss": {
                "before_mb": rss_before,
                "after_mb": rss_after,
                "pairs": [(rss_before[pid], rss_after.get(pid)) for pid in sorted(rss_before)],
                "same_workers": set(rss_before) == set(rss_after),
                "growth_mb": max((rss_after.get(pid, 0) - mb for pid, mb in rss_before.items()), default=0.0),
            },
            "cpu_cores": measured["cpu_cores"],
            "seconds": round(time.monotonic() - started),
        }
        results["criteria"] = criteria(results)
        results["editor"]["refused"], results["editor"]["errors"] = (
            len(results["editor"]["refused"]),
            len(results["editor"]["errors"]),
        )
        section = markdown(results)
        print()
        print(section)
        for record in records:
            if "refused" in record or "error" in record:
                log(f"editor: {record}")
        if not options.no_write:
            (OUT / "results.json").write_text(json.dumps({**results, "records": records}, indent=2) + "\n")
            report.write_section(LABEL, section)
            log(f"Wrote the {LABEL!r} section of bench/RESULTS.md and {OUT / 'results.json'}")
        return 0 if all(check["pass"] for check in results["criteria"].values()) else 1
    except run.BenchError as error:
        log(f"failed: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        processes.stop_all()


def manage_output(*args):
    return run.manage(*args, timeout=600, capture=True).stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())
