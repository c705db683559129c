"""
The report half of `make bench`: the targets as ratios of one run, and that run as markdown.

``python bench/report.py`` re-renders every run in bench/results.json into bench/RESULTS.md
(between each label's ``<!-- bench:LABEL:start/end -->`` markers; the prose around them is kept).
"""

import json
import re
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS_JSON = BENCH / "results.json"
RESULTS_MD = BENCH / "RESULTS.md"

# name: (what the issue asks, limit, "min" when the value must reach the limit, "max" when it must
# not pass it, "under" when it must stay below it)
TARGETS = {
    "c_vs_a": ("(c) cached page via gunicorn ≥ 85 % of (a) bare view, req/s", 0.85, "min"),
    "d_vs_b": ("(d) page via nginx's cache ≥ 80 % of (b) static file, req/s", 0.80, "min"),
    "v_vs_b": ("(v) page via Varnish, the edge, ≥ 80 % of (b) static file, req/s", 0.80, "min"),
    "edge_hits": ("the edge's hit ratio over the reader mix's 5,000 requests, warmed, ≥ 99 %", 0.99, "min"),
    "edge_fresh": (
        "publish → visible at the edge on the story, its section, home and a Related News page ≤ 1 s",
        1.0,
        "max",
    ),
    "lc_vs_la": ("(lc) live update endpoint, cached, via gunicorn ≥ 85 % of (la) bare view", 0.85, "min"),
    "lv_vs_lb": ("(lv) live update endpoint via Varnish ≥ 80 % of (lb) its static copy, req/s", 0.80, "min"),
    "live_fresh": (
        "new post → in the live update endpoint via gunicorn and Varnish ≤ 1 s (pages poll it every 15 s)",
        1.0,
        "max",
    ),
    "e_vs_a": ("(e) uncached page ≥ 10 % of (a) bare view, req/s", 0.10, "min"),
    # The whole render (issue 19, part 1): about 3 × the reference's "uncached" 3.2–3.4 %.
    "e0_vs_a": ("(e0) the article with nothing kept ≥ 10 % of (a) bare view, req/s", 0.10, "min"),
    "f_vs_a": ("(f) home page rendered afresh ≥ 5 % of (a) bare view, req/s", 0.05, "min"),
    "g1_vs_a": ("(g1) section page 1 rendered afresh ≥ 10 % of (a) bare view, req/s", 0.10, "min"),
    "t_vs_a": ("(t) topic page rendered afresh ≥ 10 % of (a) bare view, req/s", 0.10, "min"),
    "deep_vs_g1": ("(g) section page 2,000 p50 ≤ 1.5 × page 1's p50", 1.5, "max"),
    "search_p50": ("(s) search p50 ≤ 50 ms", 50.0, "max"),
    "rss": ("no gunicorn worker above 120 MB RSS after the run", 120.0, "max"),
    # The reader mix (bench/reader_mix.py, issue 19, parts 3 and 4); 31 req/s was the mix with the
    # editor before it.
    "mix_rps": ("reader mix via gunicorn, with the editor: ≥ 3 × 31 req/s", 93.0, "min"),
    "mix_hits": ("reader mix via gunicorn, with the editor: page-cache hits ≥ 50 %", 0.50, "min"),
    "mix_edge_p99": ("reader mix via the edge, with the editor: p99 ≤ 100 ms", 100.0, "max"),
    "mix_edge_hits": ("reader mix via the edge, with the editor: Varnish hits ≥ 99 %", 0.99, "min"),
    "mix_fresh": (
        "reader mix with the editor: every change shown at every layer (gunicorn, Varnish) ≤ 1 s",
        1.0,
        "max",
    ),
    "mix_rss": ("gunicorn worker RSS after the reader mix ≤ 100 MB", 100.0, "max"),
    "mix_rss_growth": ("gunicorn worker RSS growth over the reader mix < 10 MB", 10.0, "under"),
}
# The reader mix's runs the targets read.
MIX_GUNICORN, MIX_EDGE = "gunicorn, editor", "edge, editor"
# The leading Django CMS measured the same way, as the issue reports it.
REFERENCE = (
    "uncached 2.8 % of the bare view (34 ms of server CPU per page, 11 SQL queries); "
    "behind Django's per-site cache 82 %; about 105 MB RSS per worker"
)


def deep_key(scenarios):
    return next(key for key in scenarios if key.startswith("g") and key != "g1")


def targets(results):
    """Each target's value in this run, its limit and whether it passes."""
    runs = results["scenarios"]

    def ratio(top, bottom, field="requests_per_s"):
        """
        The median, over the rounds, of the ratio within each round (the two scenarios of a
        target ran in the same round, back to back), and each round's ratio. The machine's speed
        drifts between rounds; a ratio within a round does not depend on it.
        """
        tops, bottoms = runs[top].get(f"rounds_{field}"), runs[bottom].get(f"rounds_{field}")
        if not tops or not bottoms:  # a run from before rounds were kept
            return (runs[top][field] / runs[bottom][field] if runs[bottom][field] else 0.0), []
        rounds = [t / b if b else 0.0 for t, b in zip(tops, bottoms, strict=True)]
        return statistics.median(rounds), rounds

    def capacity(top, bottom):
        """The same ratio if the servers had the machine to themselves: the inverse ratio of the
        server CPU each request costs (gunicorn, PostgreSQL, Redis, nginx and Varnish)."""
        top_cost, bottom_cost = server_cpu_ms(runs[top]), server_cpu_ms(runs[bottom])
        return bottom_cost / top_cost if top_cost else None

    values = {
        "c_vs_a": (ratio("c", "a"), capacity("c", "a")),
        "d_vs_b": (ratio("d", "b"), capacity("d", "b")),
        "v_vs_b": (ratio("v", "b"), capacity("v", "b")) if "v" in runs else None,
        "edge_hits": (results["edge_hit_ratio"]["ratio"], None) if results.get("edge_hit_ratio") else None,
        "edge_fresh": (_slowest(results["freshness"]["edge"]), None)
        if results.get("freshness", {}).get("edge")
        else None,
        "lc_vs_la": (ratio("lc", "la"), capacity("lc", "la")) if "lc" in runs else None,
        "lv_vs_lb": (ratio("lv", "lb"), capacity("lv", "lb")) if "lv" in runs else None,
        "live_fresh": (_slowest(results["freshness"]["live"]), None)
        if results.get("freshness", {}).get("live")
        else None,
        "e_vs_a": (ratio("e", "a"), capacity("e", "a")),
        "e0_vs_a": (ratio("e0", "a"), capacity("e0", "a")) if "e0" in runs else None,
        "f_vs_a": (ratio("f", "a"), capacity("f", "a")) if "f" in runs else None,
        "g1_vs_a": (ratio("g1", "a"), capacity("g1", "a")) if "g1" in runs else None,
        "t_vs_a": (ratio("t", "a"), capacity("t", "a")) if "t" in runs else None,
        "deep_vs_g1": (ratio(deep_key(runs), "g1", "p50_ms"), None),
        "search_p50": (median_p50(runs["s"]), None) if "s" in runs else None,
        "rss": (results["rss_after_mb"]["max"], None),
        **mix_values(results.get("mix")),
    }
    report = {}
    for name, measured in values.items():
        if measured is None:
            continue  # a run from before that scenario existed
        value, by_cpu = measured
        value, rounds = value if isinstance(value, tuple) else (value, [])
        text, limit, kind = TARGETS[name]
        passed = {"min": value >= limit, "max": value <= limit, "under": value < limit}[kind]
        report[name] = {
            "target": text,
            "value": round(value, 4),
            "rounds": [round(each, 4) for each in rounds],
            "by_cpu": None if by_cpu is None else round(by_cpu, 4),
            "limit": limit,
            "pass": passed,
        }
    return report


def mix_values(mix):
    """The reader mix's targets: ``{name: (value, None)}`` (none for a run without the mix)."""
    if not mix:
        return {}
    runs, rss = mix["runs"], mix["rss"]
    changes = [change for name in (MIX_GUNICORN, MIX_EDGE) for change in runs[name]["editor"]["changes"]]
    return {
        "mix_rps": (runs[MIX_GUNICORN]["requests_per_s"], None),
        "mix_hits": (runs[MIX_GUNICORN]["hit_share"], None),
        "mix_edge_p99": (runs[MIX_EDGE]["p99_ms"], None),
        "mix_edge_hits": (runs[MIX_EDGE]["hit_share"], None),
        # No change of the editor's to look at is a failure, not a pass.
        "mix_fresh": (slowest_change(changes) if changes else float("inf"), None),
        "mix_rss": (rss["max_after_mb"], None),
        "mix_rss_growth": (rss["growth_mb"] if rss["same_workers"] else float("inf"), None),
    }


def slowest_change(changes):
    """The latest a change was still not shown at some layer, in seconds; never shown: infinity."""
    layers = [seen for change in changes for seen in change["layers"].values()]
    if any(seen["shown_s"] is None for seen in layers):
        return float("inf")
    return max((seen["stale_s"] for seen in layers), default=0.0)


def _slowest(edge):
    """The last page (or server) to show the change, in seconds (never: infinity, a failure)."""
    seen = edge["seconds_until_visible"].values()
    return float("inf") if None in seen else max(seen, default=float("inf"))


def median_p50(run):
    """A scenario's p50 latency: the median over the rounds, and each round's."""
    rounds = run.get("rounds_p50_ms") or [run["p50_ms"]]
    return statistics.median(rounds), rounds


def server_cpu_ms(run):
    parts = ("worker", "db", "nginx", "varnish", "redis")
    return sum(run.get(f"{part}_cpu_ms_per_request", 0) for part in parts)


def _value(name, value):
    if value == float("inf"):
        return "never"
    if name in ("rss", "mix_rss"):
        return f"{value:.1f} MB"
    if name == "mix_rss_growth":
        return f"{value:+.1f} MB"
    if name in ("search_p50", "mix_edge_p99"):
        return f"{value:.1f} ms"
    if name == "mix_rps":
        return f"{value:.1f} req/s"
    if name in ("edge_fresh", "live_fresh", "mix_fresh"):
        return f"{value:.2f} s"
    if name == "deep_vs_g1":
        return f"{value:.2f} ×"
    return f"{value * 100:.1f} %"


def _rate(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _seconds(value):
    return "not within the time allowed" if value is None else f"{value:.2f} s"


def _generation(generation):
    if not generation or "seconds" not in generation:
        return "an existing newsroom was reused (no timing on record)"
    text = f"`{generation['command']}` took {generation['seconds']} s"
    if generation.get("reused"):
        text += f" (on {generation['date']}; reused by this run)"
    return text


def header(results):
    machine, versions, code = results["machine"], results["versions"], results["code"]
    pages, options = results["pages"], results["options"]
    return [
        f"- **Command**: `{results['command']}` ({results['seconds']} s in all)",
        f"- **Date**: {results['date']}",
        f"- **Code**: {code['commit']} “{code['subject']}”; modified, not committed: "
        f"{', '.join(code['modified']) or 'nothing'}; new: {', '.join(code['untracked']) or 'nothing'}"
        + (" — **the code changed during the run**" if code.get("changed_during_run") else "")
        + (f" ({code['note']})" if code.get("note") else ""),
        f"- **Machine**: {machine['cpus']} × {machine['cpu_model']}, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Linux {machine['kernel']}",
        f"- **Versions**: Python {versions['python']}, Django {versions['django']}, "
        f"gunicorn {versions['gunicorn']} (2 sync workers), psycopg {versions['psycopg']}, "
        f"PostgreSQL {versions['postgresql']}, Redis {versions['redis']}, {versions['nginx']}, "
        f"{versions['wrk']}",
        f"- **Data**: {pages['articles']:,} articles, {pages['published']:,} published; the measured "
        f"story is {pages['article']}; section {pages['section']} has {pages['section_pages']:,} pages",
        f"- **Generation**: {_generation(results['generation'])}",
        f"- **Load**: wrk `-t2 -c{options['connections']}` for (a)–(d) and "
        f"`-t2 -c{options['slow_connections']}` for the pages rendered afresh (e)–(g), (t), "
        f"`-d{options['duration']}s --latency --timeout 30s`, {options['rounds']} rounds of every scenario "
        f"(the first after a {options['warmup']} s warm-up), each scenario's quietest round in the "
        "table (see “other load”), targets on the median of the rounds; uncached means "
        "`Cookie: sessionid=x` (see the notes)",
    ]


def table(results):
    lines = [
        "| scenario | req/s | p50 ms | p99 ms | errors | SQL/req | CPU ms/req: gunicorn "
        "| PostgreSQL | nginx or Varnish | other load | req/s of each round |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in results["scenarios"].items():
        errors = row["non_2xx_3xx"] + sum(row["socket_errors"].values())
        queries = results["queries"].get(key, {}).get("queries", "–")
        cells = [
            f"({key}) {row['label']}",
            _rate(row["requests_per_s"]),
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            str(errors),
            str(queries),
            f"{row['worker_cpu_ms_per_request']:.2f}",
            f"{row['db_cpu_ms_per_request']:.2f}",
            f"{row.get('nginx_cpu_ms_per_request', 0) + row.get('varnish_cpu_ms_per_request', 0):.3f}",
            f"{row['other_cpu_cores']:.2f}",
            " / ".join(_rate(rps) for rps in row.get("rounds_requests_per_s", [row["requests_per_s"]])),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(label, results):
    """The run as the section of RESULTS.md between its markers."""
    workers = results["rss_after_mb"]["workers"].values()
    memory = ", ".join(f"{rss} MB (peak {peak} MB)" for rss, peak in workers)
    lines = [f"<!-- bench:{label}:start -->", *header(results), "", *table(results), ""]
    lines += [
        "“other load”: CPU cores the rest of the machine (anything but gunicorn, the bench database's "
        "PostgreSQL backends, Redis, nginx, Varnish and wrk) used during the reported round, of 2: other "
        "work on a shared machine. The table reports each scenario's quietest round; the two scenarios "
        "a target compares (a and c, b and d and v, la and lc, lb and lv, g1 and the deep page) ran back to "
        "back and are reported from the same round. CPU per request is read from /proc and divided by "
        "the requests served.",
        "",
        f"Gunicorn workers after the run: {memory} RSS.",
        "",
        "| target (ratios within this run) | median of rounds | | each round | by server CPU per request |",
        "|---|---:|:---:|---:|---:|",
    ]
    for name, check in results["targets"].items():
        verdict = {True: "pass", False: "**FAIL**", None: "–"}[check["pass"]]
        by_cpu = "" if check.get("by_cpu") is None else _value(name, check["by_cpu"])
        rounds = " / ".join(_value(name, each) for each in check.get("rounds", []))
        lines.append(
            f"| {check['target']} | {_value(name, check['value'])} | {verdict} | {rounds} | {by_cpu} |"
        )
    lines += [
        "",
        "Targets: the ratio within each round (its two scenarios measured in the same round; the "
        "machine's speed drifts from round to round), and their median. “by server CPU "
        "per request”: the same ratio, in the reported round, if the servers had the machine to "
        "themselves, from the CPU each request cost gunicorn, PostgreSQL, Redis, nginx and Varnish "
        "(not wrk): a check on the noise, not the target.",
    ]
    fresh = results.get("freshness")
    if fresh:
        seen = fresh["seconds_until_visible"]
        lines += [
            "",
            f"Freshness: after a {fresh['change']}, gunicorn served the new headline after "
            f"{_seconds(seen['gunicorn'])} and nginx after {_seconds(seen['nginx'])} (polled every "
            "20 ms from the commit).",
        ]
    edge = (fresh or {}).get("edge")
    if edge:
        each = ", ".join(
            f"{page} {_seconds(seconds)}" for page, seconds in edge["seconds_until_visible"].items()
        )
        lines += ["", f"Freshness at the edge (Varnish, purged by tag after the commit): {each}."]
    live = (fresh or {}).get("live")
    if live:
        each = ", ".join(f"{server} {_seconds(s)}" for server, s in live["seconds_until_visible"].items())
        lines += [
            "",
            f"Freshness of a live story: after a new post, its update endpoint ({live['endpoint']}) "
            f"showed it via {each}; a polling page shows it at its next poll (every 15 s).",
        ]
    hits = results.get("edge_hit_ratio")
    if hits:
        distinct = f" ({hits['distinct']:,} addresses)" if "distinct" in hits else ""
        lines += [
            "",
            f"The edge's hit ratio: {hits['hits']:,} hits of {hits['addresses']:,} requests of the reader "
            f"mix{distinct}, each address read once before (X-Cache: {hits['by_status']}).",
        ]
    if results.get("mix"):
        lines += ["", *mix_section(results["mix"])]
    wire = results.get("bytes_on_wire")
    if wire:
        lines += ["", "The cached article on the wire (body bytes; Content-Encoding, cache status):", ""]
        lines += ["| server | plain | gzip | br |", "|---|---:|---:|---:|"]
        for server, sizes in wire.items():
            cells = [
                f"{sizes[name]['bytes']:,} ({sizes[name]['content_encoding']}, {sizes[name]['cache']})"
                for name in ("plain", "gzip", "br")
            ]
            lines.append(f"| {server} | " + " | ".join(cells) + " |")
    per_page = "; ".join(
        f"({key}) {q['queries']} queries, {q['app_cpu_ms']:.1f} ms" for key, q in results["queries"].items()
    )
    lines += [
        "",
        f"Per request in-process (bench/probe.py: SQL queries, Python CPU of the request): {per_page}.",
        f"Reference, the leading Django CMS measured the same way: {REFERENCE}.",
        f"<!-- bench:{label}:end -->",
    ]
    return "\n".join(lines)


def mix_section(mix):
    """The reader mix: its runs, how long each change took to show, and the workers' memory."""
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in mix["by_kind"].items())
    lines = [
        f"The reader mix (bench/reader_mix.py): {mix['addresses']:,} addresses ({kinds}; "
        f"{mix['distinct']:,} distinct, read through the edge by its hit ratio just before, which "
        f"warmed both layers; every request names the site `{mix.get('host', '127.0.0.1:8083')}`), "
        f"wrk `-t2 -c{mix['connections']} -d{mix['duration_s']}s` with bench/publishing_readers.lua; "
        "“editor”: `manage.py publishing_editor` in a second process, a workflow transition a second on "
        "5 stories; after each change readers see (publish, published update, unpublish), the story is "
        "polled at each layer until it shows it.",
        "",
        "| run | req/s | p50 ms | p99 ms | 5xx | cache hits | CPU ms/req: gunicorn | PostgreSQL "
        "| changes seen | slowest shown via gunicorn | via Varnish |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in mix["runs"].items():
        editor = row.get("editor")
        cells = [
            name,
            _rate(row["requests_per_s"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            str(row["server_errors"]),
            f"{row['hit_share'] * 100:.1f} % ({row['cache_header']})",
            f"{row['worker_cpu_ms_per_request']:.2f}",
            f"{row['db_cpu_ms_per_request']:.2f}",
        ]
        if editor:
            refusals = len(editor["refused"]) + len(editor["errors"])
            cells.append(
                f"{len(editor['changes'])} of {editor['commits']} commits"
                + (f", {refusals} refused or failed" if refusals else "")
            )
            cells += [_shown(editor["changes"], layer) for layer in ("gunicorn", "edge")]
        else:
            cells += ["–", "–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    rss = mix["rss"]
    pairs = "; ".join(f"{mb} → {rss['after_mb'].get(pid, 'gone')} MB" for pid, mb in rss["before_mb"].items())
    lines += [
        "",
        "“slowest shown”: the latest moment, after the commit, at which a request still got the page "
        "without the change (the first that got it was sent at most one poll, 40 ms, later, while the "
        "page was polled 8 requests at a time).",
        "",
        f"Worker RSS over the reader mix, before the first run → after the last: {pairs}"
        + ("" if rss["same_workers"] else " (a worker was replaced)")
        + ".",
    ]
    return lines


def _shown(changes, layer):
    seen = [change["layers"][layer] for change in changes]
    if not seen:
        return "–"
    never = sum(each["shown_s"] is None for each in seen)
    worst = max(each["stale_s"] for each in seen)
    return f"{worst:.2f} s" + (f", {never} never" if never else "")


def write(label, results):
    """Keep ``results`` as ``label``'s run in results.json and render its section of RESULTS.md."""
    everything = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    everything.setdefault("runs", {})[label] = results
    RESULTS_JSON.write_text(json.dumps(everything, indent=2, ensure_ascii=False) + "\n")
    render(label, results)


def render(label, results):
    write_section(label, markdown(label, results))


def write_section(label, section):
    """Put ``section`` between ``label``'s markers in RESULTS.md (added at the end if missing)."""
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Reader performance benchmark\n"
    pattern = re.compile(rf"<!-- bench:{label}:start -->.*?<!-- bench:{label}:end -->", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = f"{text.rstrip()}\n\n## {label.capitalize()}\n\n{section}\n"
    RESULTS_MD.write_text(text)


def main():
    runs = json.loads(RESULTS_JSON.read_text())["runs"]
    for label, results in runs.items():
        results["targets"] = targets(results)
        render(label, results)
    print(f"Rendered {', '.join(runs)} into {RESULTS_MD}")


if __name__ == "__main__":
    sys.exit(main())
