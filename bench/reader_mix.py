"""
The reader mix of `make bench` (issue 19, parts 3 and 4), run by bench/run.py after its scenarios
and the edge's hit ratio, before its freshness checks:

1. The addresses: ``ADDRESSES`` requests of `make bench-publishing`'s weighted mix
   (bench/publishing_load.py, ``MIX``: stories, the editor's own stories, home, sections and their
   deep pages, searches, feeds, sitemaps), built from the database (``manage.py reader_paths``).
   Every request names the site as ``SITE_HOST``, through the edge or straight to gunicorn, as a
   site's readers all name it: the page cache keeps a page by its whole address, host included,
   so both layers' readers read the same pages. bench/run.py's edge hit ratio reads each address
   through Varnish first, which warms both layers.
2. Four runs of wrk (``CONNECTIONS`` connections, bench/publishing_readers.lua cycling over the
   addresses and counting the cache header of each response), in this order:
     gunicorn          straight to gunicorn, counting X-Page-Cache
     edge              through Varnish, counting its X-Cache
     gunicorn, editor  straight to gunicorn while ``manage.py publishing_editor`` (a second
                       process) takes a workflow transition a second on ``EDITED_STORIES`` stories
     edge, editor      through Varnish, with the editor
   The runs without the editor come first, on warm caches; those with it start from what the
   previous run left, as a site in service would.
   With the editor, after each transition readers can see (``shown``: a publish, a published
   update, an unpublish) the story's page is polled at every layer, gunicorn and Varnish, until it
   shows the change: how long a change takes to show.
3. The main gunicorn's workers' RSS before the first run and after the last: memory over the mix.
4. Finally (also on failure) the editor's stories are published again (``publishing_editor
   --restore``): newsroom_bench is left as the next run expects it.
"""

import collections
import concurrent.futures
import html
import json
import threading
import time
import types

import publishing_load
import report
import run

ADDRESSES = 5_000
CONNECTIONS = 64
EDITED_STORIES = 5
WRK_THREADS = 2  # run.wrk's -t2
LUA_SCRIPT = publishing_load.LUA_SCRIPT
# Each layer: where readers go and the header that says whether it answered from its cache.
LAYERS = {"gunicorn": (run.GUNICORN_URL, "X-Page-Cache"), "edge": (run.VARNISH_URL, "X-Cache")}
# The site's name in every request of the mix, at either layer: the edge's own address.
SITE_HOST = run.VARNISH_URL.removeprefix("http://")
RUNS = (("gunicorn", False), ("edge", False), ("gunicorn", True), ("edge", True))
POLL_READERS = 8  # requests in flight per polled page and layer: few beside wrk's 64


def log(message):
    run.log(message)


# --- pure parts (tests/test_bench_mix.py) --------------------------------------------------------


def run_name(layer, editor):
    return f"{layer}, editor" if editor else layer


def articles_for(addresses, mix=publishing_load.MIX):
    """How many story pages make ``addresses`` requests of ``mix``, each story read once."""
    return addresses * mix["article"] // sum(mix.values())


def shown(record):
    """
    For an editor's ``record``, ``shown(status, body)``: whether a page shows its change. ``None``
    for a transition readers cannot see (a submission, an edit waiting for review).
    """
    action = record.get("action")
    if action == "unpublish":
        return lambda status, body: status != 200
    if action == "publish":
        return lambda status, body: status == 200
    if action == "publish_update":
        headline = html.escape(record["headline"]).encode()
        return lambda status, body: status == 200 and headline in body
    return None


def next_change_at(records, record):
    """Seconds from ``record``'s commit to the next commit on the same story (``None``: none)."""
    later = [
        other["committed_at"]
        for other in records
        if other.get("article") == record["article"] and other.get("committed_at", 0) > record["committed_at"]
    ]
    return min(later) - record["committed_at"] if later else None


def visibility(samples, *, next_change=None):
    """
    What polling one page at one layer saw after a change: ``samples`` are ``(sent, received,
    status, shown)`` in seconds after the commit. ``stale_s``: when the last request answered
    without the change was sent (the page it got was made no earlier: the change was not yet
    visible then); ``shown_s``: when the first request answered with it was sent; ``None`` if none
    was. Answers received after the story's next change prove nothing and are left out.
    """
    kept = [
        (sent, seen) for sent, received, _, seen in samples if next_change is None or received < next_change
    ]
    stale = [sent for sent, seen in kept if not seen]
    fresh = [sent for sent, seen in kept if seen]
    return {
        "stale_s": round(max(stale), 3) if stale else 0.0,
        "shown_s": round(min(fresh), 3) if fresh else None,
        "polls": len(kept),
    }


def summary(output, caches_header):
    """One run's figures from wrk's output and the Lua script's counts."""
    counts = publishing_load.parse_lua_counts(output)
    return {
        **run.parse_wrk(output),
        "cache_header": caches_header,
        "statuses": counts["status"],
        "caches": counts["cache"],
        "hit_share": round(publishing_load.hit_share(counts["cache"]), 4),
        "server_errors": publishing_load.server_errors(counts["status"]),
    }


def rss_over(before, after):
    """Worker RSS before and after the mix (``{pid: MB}``): the largest after, the largest growth."""
    return {
        "before_mb": before,
        "after_mb": after,
        "max_after_mb": max(after.values(), default=0.0),
        "growth_mb": round(max((after.get(pid, 0.0) - mb for pid, mb in before.items()), default=0.0), 1),
        "same_workers": set(before) == set(after),
    }


# --- the run -------------------------------------------------------------------------------------


def addresses(count=ADDRESSES):
    """``(paths by kind, the cycle wrk reads)``: ``count`` requests of the mix."""
    result = run.manage(
        "reader_paths", "--stories", str(EDITED_STORIES), "--articles", str(articles_for(count)),
        capture=True, quiet=True,
    )  # fmt: skip
    paths = json.loads(result.stdout.strip().splitlines()[-1])
    return paths, publishing_load.reader_cycle(paths, publishing_load.MIX)[:count]


def editor_lines(seconds):
    """The editor (bench/publishing.py) in a second process, for ``seconds``; its first line."""
    options = types.SimpleNamespace(duration=seconds, stories=EDITED_STORIES)
    editor = publishing_load.start_editor(options)
    first = json.loads(editor.stdout.readline() or "{}")
    if "start" not in first:
        editor.kill()
        raise run.BenchError("The editor did not start; see its output above.")
    return editor, first


def restore_edited_stories():
    """The editor's stories published again, each with no edit waiting."""
    result = run.manage(
        "publishing_editor",
        "--restore",
        "--stories",
        str(EDITED_STORIES),
        capture=True,
        quiet=True,
        timeout=120,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


class ChangeWatcher:
    """Follows the editor's lines; after each change readers see, polls the page at every layer."""

    def __init__(self, editor):
        self.editor = editor
        self.records = []
        self.watched = []  # (record, {layer: future})
        self.pool = concurrent.futures.ThreadPoolExecutor(12)
        self.thread = threading.Thread(target=self.follow, daemon=True)
        self.thread.start()

    def follow(self):
        for line in self.editor.stdout:
            record = {**json.loads(line), "heard_at": time.time()}
            self.records.append(record)
            check = shown(record) if "committed_at" in record else None
            if check is None:
                continue
            futures = {
                layer: self.pool.submit(
                    publishing_load.poll_until_shown,
                    f"{base}{record['path']}",
                    record["committed_at"],
                    check,
                    readers=POLL_READERS,
                    host=SITE_HOST,
                )
                for layer, (base, _) in LAYERS.items()
            }
            self.watched.append((record, futures))

    def finish(self):
        self.editor.wait(timeout=60)
        self.thread.join(timeout=10)
        self.pool.shutdown(wait=True)
        changes = []
        for record, futures in self.watched:
            after = next_change_at(self.records, record)
            layers = {
                layer: visibility(future.result(), next_change=after) for layer, future in futures.items()
            }
            changes.append(
                {
                    "article": record["article"],
                    "action": record["action"],
                    "path": record["path"],
                    "headline": record["headline"],
                    # When the runner read the commit's line: polling starts then.
                    "heard_s": round(record["heard_at"] - record["committed_at"], 3),
                    "layers": layers,
                }
            )
        return {
            "commits": sum("committed_at" in record for record in self.records),
            "refused": [record for record in self.records if "refused" in record],
            "errors": [record for record in self.records if "error" in record],
            "changes": changes,
        }


def measure(layer, editor, *, duration, paths_file, gunicorn):
    """One run of the mix: wrk on ``layer``, with or without the editor."""
    base, header = LAYERS[layer]
    watcher = ChangeWatcher(editor_lines(duration)[0]) if editor else None
    workers_before = run.cpu_seconds(run.worker_pids(gunicorn.pid))
    backends_before = run.cpu_seconds(run.database_backend_pids())
    machine_before = run.machine_cpu_seconds()[0]
    try:
        output, elapsed, command = run.wrk(
            f"{base}/",
            connections=CONNECTIONS,
            duration=duration,
            script=LUA_SCRIPT,
            script_args=[paths_file, WRK_THREADS, header],
            host=SITE_HOST,
        )
    finally:
        edits = watcher.finish() if watcher else None
    workers = run.cpu_used(workers_before, run.cpu_seconds(run.worker_pids(gunicorn.pid)))
    backends = run.cpu_used(backends_before, run.cpu_seconds(run.database_backend_pids()))
    result = summary(output, header)
    requests = max(result["requests"] or 0, 1)
    result.update(
        {
            "wrk": command.replace(str(run.ROOT) + "/", ""),
            "worker_cpu_ms_per_request": round(workers * 1000 / requests, 3),
            "db_cpu_ms_per_request": round(backends * 1000 / requests, 3),
            "machine_cpu_cores": round((run.machine_cpu_seconds()[0] - machine_before) / elapsed, 2),
            "editor": edits,
        }
    )
    log(
        f"  {result['requests_per_s']:,.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms, {header} HIT {result['hit_share'] * 100:.1f} %"
        + (f", every change shown within {report.slowest_change(edits['changes']):.2f} s" if edits else "")
    )
    return result


def worker_rss(gunicorn):
    return {str(pid): run.memory_mb(pid)[0] for pid in run.worker_pids(gunicorn.pid)}


def mix(paths, cycle, *, duration, gunicorn):
    """
    The whole reader mix (this module's docstring) over ``addresses()``'s ``paths`` and ``cycle``:
    ``{"addresses", "runs", "rss", ...}``.
    """
    paths_file = run.OUT / "mix-paths.txt"
    paths_file.write_text("\n".join(cycle) + "\n")
    try:
        before = worker_rss(gunicorn)
        runs = {}
        for layer, editor in RUNS:
            name = run_name(layer, editor)
            log(f"Reader mix, {name}: wrk -c{CONNECTIONS} for {duration} s")
            runs[name] = measure(layer, editor, duration=duration, paths_file=paths_file, gunicorn=gunicorn)
        after = worker_rss(gunicorn)
    finally:
        log(f"Reader mix: the editor's stories published again: {restore_edited_stories()}")
    kind_of = {path: kind for kind, found in paths.items() for path in found}
    result = {
        "addresses": len(cycle),
        "distinct": len(set(cycle)),
        "by_kind": dict(collections.Counter(kind_of[path] for path in cycle)),
        "host": SITE_HOST,
        "connections": CONNECTIONS,
        "duration_s": duration,
        "runs": runs,
        "rss": rss_over(before, after),
    }
    (run.OUT / "mix.json").write_text(json.dumps(result, indent=2) + "\n")  # with --no-write too
    return result
