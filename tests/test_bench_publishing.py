"""
`make bench-publishing` (bench/publishing_load.py and bench/publishing.py): the runner's pure
parts (the readers' cycle, wrk's Lua counts, the event reconciliation, the freshness samples, the
criteria) and the editor's cycle through the real workflow. Nothing here starts wrk or gunicorn.
"""

import collections
import importlib.util
import sys
from pathlib import Path

import pytest

from articles.models import Article, WorkflowEvent
from bench import publishing
from tests.factories import EditorFactory, PublishedArticleFactory, SectionFactory

ROOT = Path(__file__).resolve().parent.parent


def _load_runner():
    # The runner is a script beside bench/run.py and imports it by name; keep sys.path as it was.
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location(
            "publishing_load", ROOT / "bench" / "publishing_load.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


runner = _load_runner()

# wrk 4.1's output with bench/publishing_readers.lua's lines after it (from a real run).
WRK_OUTPUT = """\
Running 15s test @ http://127.0.0.1:8101/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.18ms  301.77ms   1.91s    71.20%
    Req/Sec    82.31     40.12   210.00     68.00%
  Latency Distribution
     50%  350.12ms
     75%  540.00ms
     90%  800.50ms
     99%    1.42s
  2450 requests in 15.02s, 90.12MB read
  Non-2xx or 3xx responses: 31
Requests/sec:    163.11
Transfer/sec:      6.00MB
publishing-cache HIT 1200
publishing-status 410 28
publishing-cache MISS 1000
publishing-status 200 2419
publishing-status 502 3
publishing-cache none 250
"""


# --- the readers ---------------------------------------------------------------------------------


def test_reader_cycle_follows_the_mix_and_reaches_every_path():
    paths = {"article": [f"/a{n}/" for n in range(30)], "home": ["/"], "feed": ["/f1/", "/f2/"], "empty": []}
    mix = {"article": 60, "home": 30, "feed": 10, "empty": 5, "missing": 5}

    cycle = runner.reader_cycle(paths, mix)

    kinds = collections.Counter(
        "article" if p.startswith("/a") else "feed" if p.startswith("/f") else "home" for p in cycle
    )
    assert len(cycle) == 100  # at least one round of the mix
    assert kinds == {"article": 60, "home": 30, "feed": 10}
    assert set(cycle) == {path for found in paths.values() for path in found}
    # Interleaved, not in runs: the home page comes up at least every few requests.
    home_at = [n for n, path in enumerate(cycle) if path == "/"]
    assert max(b - a for a, b in zip(home_at, home_at[1:], strict=False)) <= 4


def test_lua_counts_are_read_from_wrks_output_with_the_5xx_apart():
    counts = runner.parse_lua_counts(WRK_OUTPUT)

    assert counts == {
        "status": {"410": 28, "200": 2419, "502": 3},
        "cache": {"HIT": 1200, "MISS": 1000, "none": 250},
    }
    assert runner.server_errors(counts["status"]) == 3
    assert runner.hit_share(counts["cache"]) == pytest.approx(1200 / 2450)
    # bench/run.py reads the rest of the same output.
    summary = runner.run.parse_wrk(WRK_OUTPUT)
    assert (summary["requests"], summary["p99_ms"], summary["non_2xx_3xx"]) == (2450, 1420.0, 31)


def test_no_lua_counts_is_no_responses():
    assert runner.parse_lua_counts("Running 15s test\n") == {"status": {}, "cache": {}}
    assert runner.hit_share({}) == 0.0


# --- the editor's events --------------------------------------------------------------------------


def _commit(article, action):
    return {"article": article, "action": action, "committed_at": 1.0}


def _events(*rows):
    return [
        {"id": n, "article": article, "action": action} for n, (article, action) in enumerate(rows, start=1)
    ]


def test_reconcile_matches_each_commit_to_one_event():
    records = [_commit(1, "unpublish"), _commit(2, "submit_update"), {"article": 1, "refused": "No."}]
    result = runner.reconcile(records, _events((1, "unpublish"), (2, "submit_update")))

    assert result == {"commits": 2, "events": 2, "lost": [], "unexpected": [], "in_order": True}


def test_reconcile_finds_a_lost_and_a_duplicated_event():
    records = [_commit(1, "submit"), _commit(1, "publish"), _commit(2, "unpublish")]
    result = runner.reconcile(records, _events((1, "submit"), (2, "unpublish"), (2, "unpublish")))

    assert result["lost"] == [{"article": 1, "action": "publish", "count": 1}]
    assert result["unexpected"] == [{"article": 2, "action": "unpublish", "count": 1}]


def test_reconcile_finds_a_storys_events_out_of_order():
    records = [_commit(1, "submit"), _commit(1, "publish")]
    result = runner.reconcile(records, _events((1, "publish"), (1, "submit")))

    assert (result["lost"], result["unexpected"], result["in_order"]) == ([], [], False)


# --- freshness and the criteria -------------------------------------------------------------------


def test_staleness_is_the_last_request_still_answered_200_and_the_first_answered_otherwise():
    # (sent, received, status), in seconds after the unpublish committed.
    samples = [(0.01, 0.03, 200), (0.05, 0.07, 200), (0.09, 0.1, 410), (0.13, 0.2, 410), (0.17, 0.3, 200)]

    assert runner.staleness(samples) == {
        "last_seen_s": 0.17,  # a 200 after a 410 counts: the story came back
        "gone_s": 0.09,
        "polls": 5,
        "statuses": {"200": 3, "410": 2},
    }
    assert runner.staleness(samples[:2])["gone_s"] is None


def test_staleness_leaves_out_answers_received_after_the_story_was_published_again():
    samples = [(0.01, 0.03, 410), (0.05, 6.2, 200)]  # the second waited past the republication

    assert runner.staleness(samples, back_at=6.0)["last_seen_s"] is None
    assert runner.staleness(samples, back_at=6.5)["last_seen_s"] == 0.05


def test_republished_at_is_the_storys_next_publish_after_the_unpublish():
    records = [
        {"article": 1, "action": "publish", "committed_at": 5.0},
        {"article": 1, "action": "unpublish", "committed_at": 10.0},
        {"article": 2, "action": "publish", "committed_at": 12.0},
        {"article": 1, "action": "submit", "committed_at": 15.0},
        {"article": 1, "refused": "No.", "at": 17.0},
        {"article": 1, "action": "publish", "committed_at": 20.0},
    ]

    assert runner.republished_at(records, records[1]) == 10.0
    assert runner.republished_at(records[:5], records[1]) is None


def _results(**changes):
    results = {
        "readers": {"requests": 2450, "p99_ms": 640.0, "statuses": {"200": 2440, "410": 10}},
        "sampler_statuses": {"200": 40},
        "poller_statuses": {"410": 12},
        "events": {"commits": 60, "events": 60, "lost": [], "unexpected": [], "in_order": True},
        "freshness": [{"last_seen_s": 0.02, "gone_s": 0.05}, {"last_seen_s": None, "gone_s": 0.01}],
        "rss": {"growth_mb": 6.5, "same_workers": True},
    }
    for key, value in changes.items():
        results[key] = {**results[key], **value} if isinstance(value, dict) else value
    return results


def _verdicts(results):
    return {name: check["pass"] for name, check in runner.criteria(results).items()}


def test_criteria_pass_together():
    assert _verdicts(_results()) == dict.fromkeys(["no_5xx", "events", "freshness", "p99", "rss"], True)


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"poller_statuses": {"410": 11, "503": 1}}, "no_5xx"),
        ({"events": {"lost": [{"article": 1, "action": "publish", "count": 1}]}}, "events"),
        ({"events": {"unexpected": [{"article": 1, "action": "publish", "count": 1}]}}, "events"),
        ({"events": {"commits": 0, "events": 0}}, "events"),
        ({"freshness": [{"last_seen_s": 1.2, "gone_s": 1.3}]}, "freshness"),
        ({"freshness": [{"last_seen_s": 0.3, "gone_s": None}]}, "freshness"),
        ({"freshness": []}, "freshness"),
        ({"readers": {"p99_ms": 1000.0}}, "p99"),
        ({"rss": {"growth_mb": 20.0}}, "rss"),
        ({"rss": {"same_workers": False}}, "rss"),
    ],
)
def test_each_criterion_fails_on_its_own(changes, failing):
    verdicts = _verdicts(_results(**changes))

    assert [name for name, passed in verdicts.items() if not passed] == [failing]


# --- the editor ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_editor_takes_a_story_round_its_cycle_through_the_workflow():
    editor = EditorFactory()
    story = PublishedArticleFactory()

    taken = [publishing.take_next(story.pk, editor, step=step) for step in range(6)]

    cycle = ["submit_update", "publish_update", "unpublish", "submit", "publish", "submit_update"]
    assert [record["action"] for record in taken] == cycle
    assert [record["to"] for record in taken] == [
        "published",
        "updated",
        "draft",
        "review",
        "published",
        "published",
    ]
    events = WorkflowEvent.objects.filter(article_id=story.pk, actor=editor).order_by("pk")
    assert list(events.values_list("action", flat=True)) == cycle
    assert all(record["path"] == story.get_absolute_url() for record in taken)
    assert all(a["committed_at"] <= b["committed_at"] for a, b in zip(taken, taken[1:], strict=False))
    # The update readers got is the editor's edit.
    assert Article.objects.get(pk=story.pk).headline.endswith("(edit 0)")


@pytest.mark.django_db
def test_the_edited_stories_are_the_newest_seen_by_readers_in_each_section():
    first, second = SectionFactory(position=1), SectionFactory(position=2)
    older = PublishedArticleFactory(section=first)
    newest = PublishedArticleFactory(section=first)
    Article.objects.filter(pk=older.pk).update(written_at=newest.written_at.replace(year=2020))
    never_published = PublishedArticleFactory.build(section=second)
    never_published.save()

    assert publishing.edited_stories(5) == [newest]
