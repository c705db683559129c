"""
The reader mix of ``make bench`` (bench/reader_mix.py), its targets in bench/report.py, the topic
scenario (t) of bench/run.py and the topics it needs (bench/topics.py): their logic, and the
editor's restore through the real workflow. Nothing here starts wrk, gunicorn or Varnish.
"""

import sys
import time
import types
from pathlib import Path

import pytest

from articles.models import Article, Topic
from bench import publishing, topics
from tests.factories import ArticleFactory, EditorFactory, PublishedArticleFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    saved = list(sys.path)
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import reader_mix
        import report
        import run
    finally:
        sys.path[:] = saved
    return types.SimpleNamespace(mix=reader_mix, report=report, run=run)


# --- what shows a change, and when --------------------------------------------------------------


def test_each_visible_change_has_its_own_sign_on_the_page(bench):
    update = bench.mix.shown({"action": "publish_update", "headline": "Port deal signed (edit 3, 17)"})
    unpublish = bench.mix.shown({"action": "unpublish"})
    publish = bench.mix.shown({"action": "publish"})

    assert update(200, b"<h1>Port deal signed (edit 3, 17)</h1>")
    assert not update(200, b"<h1>Port deal signed (edit 1, 17)</h1>")
    assert not update(410, b"Port deal signed (edit 3, 17)")
    assert unpublish(410, b"") and unpublish(404, b"") and not unpublish(200, b"story")
    assert publish(200, b"") and not publish(410, b"")
    # Submissions change nothing readers see: nothing to poll.
    assert bench.mix.shown({"action": "submit"}) is None
    assert bench.mix.shown({"action": "submit_update"}) is None


def test_a_headline_is_looked_for_as_the_template_escapes_it(bench):
    update = bench.mix.shown({"action": "publish_update", "headline": 'Mayor\'s "plan" & more (edit 1, 2)'})

    assert update(200, b"Mayor&#x27;s &quot;plan&quot; &amp; more (edit 1, 2)")


def test_visibility_is_the_last_stale_answer_and_the_first_fresh_one(bench):
    # (sent, received, status, shown), seconds after the commit.
    samples = [
        (0.01, 0.3, 200, False),
        (0.05, 0.4, 200, False),
        (0.09, 0.2, 200, True),
        (0.5, 0.6, 200, True),
    ]

    assert bench.mix.visibility(samples) == {"stale_s": 0.05, "shown_s": 0.09, "polls": 4}
    assert bench.mix.visibility(samples[:2])["shown_s"] is None
    assert bench.mix.visibility(samples[2:])["stale_s"] == 0.0


def test_a_stale_answer_after_the_change_was_shown_counts(bench):
    samples = [(0.02, 0.1, 200, True), (1.4, 1.5, 200, False)]  # a cache stored the old page again

    assert bench.mix.visibility(samples)["stale_s"] == 1.4


def test_answers_received_after_the_storys_next_change_prove_nothing(bench):
    samples = [(0.02, 0.1, 200, True), (4.9, 5.3, 410, False)]

    assert bench.mix.visibility(samples, next_change=5.0) == {"stale_s": 0.0, "shown_s": 0.02, "polls": 1}


def test_the_next_change_is_the_next_commit_on_the_same_story(bench):
    records = [
        {"article": 1, "action": "publish_update", "committed_at": 10.0},
        {"article": 2, "action": "unpublish", "committed_at": 11.0},
        {"article": 1, "refused": "No.", "at": 12.0},
        {"article": 1, "action": "unpublish", "committed_at": 15.0},
    ]

    assert bench.mix.next_change_at(records, records[0]) == 5.0
    assert bench.mix.next_change_at(records, records[3]) is None


def test_the_mix_reads_as_many_stories_as_its_share_of_the_addresses(bench):
    assert bench.mix.articles_for(5_000) == 2_900  # 58 in 100


# --- one run's figures and memory ----------------------------------------------------------------

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8083/
  2 threads and 64 connections
  Latency Distribution
     50%    1.20ms
     99%   40.50ms
  52000 requests in 10.01s, 900.12MB read
Requests/sec:   5194.80
publishing-cache HIT 51700
publishing-cache MISS 290
publishing-cache STALE 10
publishing-status 200 51990
publishing-status 503 10
"""


def test_a_runs_summary_counts_the_layers_cache_header_and_the_5xx(bench):
    result = bench.mix.summary(WRK_OUTPUT, "X-Cache")

    assert (result["requests"], result["p99_ms"], result["requests_per_s"]) == (52000, 40.5, 5194.8)
    assert result["hit_share"] == pytest.approx(51700 / 52000, abs=1e-4)
    assert result["server_errors"] == 10
    assert result["cache_header"] == "X-Cache"


def test_rss_over_the_mix_is_the_largest_after_and_the_largest_growth(bench):
    rss = bench.mix.rss_over({"11": 80.0, "12": 90.0}, {"11": 95.5, "12": 91.0})

    assert (rss["max_after_mb"], rss["growth_mb"], rss["same_workers"]) == (95.5, 15.5, True)
    assert bench.mix.rss_over({"11": 80.0}, {"13": 81.0})["same_workers"] is False


# --- the targets ---------------------------------------------------------------------------------


def _run(requests_per_s, p50_ms=10.0):
    return {
        "requests_per_s": requests_per_s,
        "rounds_requests_per_s": [requests_per_s] * 2,
        "p50_ms": p50_ms,
        "rounds_p50_ms": [p50_ms] * 2,
    }


def _change(gunicorn, edge):
    def seen(stale):  # None: never shown, stale until the polling ended
        if stale is None:
            return {"stale_s": 4.96, "shown_s": None, "polls": 99}
        return {"stale_s": stale, "shown_s": stale + 0.04, "polls": 9}

    return {"article": 1, "action": "unpublish", "layers": {"gunicorn": seen(gunicorn), "edge": seen(edge)}}


def _mix_run(requests_per_s, hits, p99_ms, changes=None):
    run = {"requests_per_s": requests_per_s, "hit_share": hits, "p99_ms": p99_ms}
    if changes is not None:
        run["editor"] = {"commits": 10, "refused": [], "errors": [], "changes": changes}
    return run


def _results(**mix_changes):
    runs = {key: _run(2000) for key in ("a", "c", "d", "b", "e")}
    runs.update({"e0": _run(210), "f": _run(110), "g1": _run(220), "g2000": _run(220), "t": _run(250)})
    mix = {
        "runs": {
            "gunicorn": _mix_run(300, 0.8, 900.0),
            "gunicorn, editor": _mix_run(120, 0.6, 1500.0, [_change(0.3, 0.4)]),
            "edge": _mix_run(9000, 0.999, 20.0),
            "edge, editor": _mix_run(8000, 0.995, 60.0, [_change(0.2, 0.5)]),
        },
        "rss": {"max_after_mb": 95.0, "growth_mb": 4.0, "same_workers": True},
    }
    for name, value in mix_changes.items():
        if name == "rss":
            mix["rss"] = {**mix["rss"], **value}
        else:
            mix["runs"][name.replace("_", ", ")] = value
    return {"scenarios": runs, "rss_after_mb": {"max": 90}, "mix": mix}


def _verdicts(results, bench):
    return {name: check["pass"] for name, check in bench.report.targets(results).items()}


def test_the_render_and_mix_targets_pass_together(bench):
    verdicts = _verdicts(_results(), bench)

    for name in ("e0_vs_a", "f_vs_a", "g1_vs_a", "t_vs_a", "mix_rps", "mix_hits", "mix_edge_p99"):
        assert verdicts[name] is True, name
    for name in ("mix_edge_hits", "mix_fresh", "mix_rss", "mix_rss_growth"):
        assert verdicts[name] is True, name


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"gunicorn_editor": _mix_run(92, 0.6, 900.0, [_change(0.3, 0.4)])}, "mix_rps"),
        ({"gunicorn_editor": _mix_run(120, 0.49, 900.0, [_change(0.3, 0.4)])}, "mix_hits"),
        ({"edge_editor": _mix_run(8000, 0.995, 101.0, [_change(0.2, 0.5)])}, "mix_edge_p99"),
        ({"edge_editor": _mix_run(8000, 0.98, 60.0, [_change(0.2, 0.5)])}, "mix_edge_hits"),
        ({"edge_editor": _mix_run(8000, 0.995, 60.0, [_change(0.2, 1.2)])}, "mix_fresh"),
        ({"edge_editor": _mix_run(8000, 0.995, 60.0, [_change(None, 0.5)])}, "mix_fresh"),
        ({"edge_editor": _mix_run(8000, 0.995, 60.0, [])}, None),  # the gunicorn run's change still counts
        ({"rss": {"max_after_mb": 100.5}}, "mix_rss"),
        ({"rss": {"growth_mb": 10.0}}, "mix_rss_growth"),
        ({"rss": {"same_workers": False}}, "mix_rss_growth"),
    ],
)
def test_each_mix_target_fails_on_its_own(bench, changes, failing):
    verdicts = _verdicts(_results(**changes), bench)

    assert [name for name, passed in verdicts.items() if passed is False] == ([failing] if failing else [])


def test_no_change_seen_with_the_editor_fails_freshness(bench):
    results = _results(
        gunicorn_editor=_mix_run(120, 0.6, 900.0, []), edge_editor=_mix_run(8000, 0.995, 60.0, [])
    )

    assert _verdicts(results, bench)["mix_fresh"] is False


def test_the_render_targets_are_ratios_of_the_bare_view(bench):
    results = _results()
    results["scenarios"]["f"] = _run(99)  # 4.95 % of 2,000

    targets = bench.report.targets(results)

    assert targets["f_vs_a"]["value"] == pytest.approx(0.0495) and targets["f_vs_a"]["pass"] is False
    assert targets["t_vs_a"]["value"] == pytest.approx(0.125) and targets["t_vs_a"]["pass"] is True


def test_a_run_without_the_mix_or_topics_has_no_such_targets(bench):
    results = _results()
    del results["mix"], results["scenarios"]["t"]

    targets = bench.report.targets(results)

    assert not {"t_vs_a", "mix_rps", "mix_fresh", "mix_rss"} & set(targets)


def test_the_report_shows_the_mix_and_a_change_never_shown(bench):
    results = _results(edge_editor=_mix_run(8000, 0.995, 60.0, [_change(0.2, None)]))
    for run in results["mix"]["runs"].values():
        run.update(server_errors=0, cache_header="X-Cache", p50_ms=5.0)
        run.update(worker_cpu_ms_per_request=1.0, db_cpu_ms_per_request=1.0)
    results["mix"].update(addresses=5000, by_kind={"article": 2900}, distinct=3000, host="127.0.0.1:8083")
    results["mix"].update(connections=64, duration_s=60)
    results["mix"]["rss"].update(before_mb={"11": 91.0}, after_mb={"11": 95.0})

    section = "\n".join(bench.report.mix_section(results["mix"]))

    assert "| edge, editor | 8,000 | 5.0 | 60.0 | 0 | 99.5 % (X-Cache) |" in section
    assert "| 1 of 10 commits | 0.20 s | 4.96 s, 1 never |" in section
    assert "91.0 → 95.0 MB" in section


# --- the scenarios -------------------------------------------------------------------------------

PAGES = {
    "article": "/politics/2025/04/09/story/",
    "section": "/politics/",
    "section_pages": 5000,
    "live_updates": "/live-updates/42/",
}
OPTIONS = types.SimpleNamespace(connections=32, slow_connections=4)


def test_the_topic_page_is_measured_afresh_when_there_are_topics(bench):
    plan = bench.run.scenarios(
        {**PAGES, "topic": "/topics/general-election/", "topic_stories": 9000}, OPTIONS
    )
    topic = next(scenario for scenario in plan if scenario.key == "t")

    assert topic.url == f"{bench.run.GUNICORN_URL}/topics/general-election/"
    assert topic.cookie == bench.run.BYPASS_COOKIE and topic.connections == 4
    assert "t" not in {scenario.key for scenario in bench.run.scenarios(PAGES, OPTIONS)}


def test_the_section_pages_compared_run_as_a_pair(bench):
    plan = bench.run.scenarios({**PAGES, "topic": "/topics/x/", "topic_stories": 1}, OPTIONS)
    pairs = bench.run.target_pairs(plan)

    assert ("g1", "g2000") in pairs
    even = [scenario.key for scenario in bench.run.in_round_order(plan, pairs, 2)]
    assert even.index("g1") == even.index("g2000") + 1


# --- the data ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_topics_are_filed_once_bigger_first_and_never_again():
    ArticleFactory.create_batch(60)

    written = topics.generate_topics()

    links = Article.topics.through.objects
    assert written == links.count() > 0
    assert Topic.objects.count() == len(topics.TOPICS)
    sizes = sorted((topic.articles.count() for topic in Topic.objects.all()), reverse=True)
    assert Topic.objects.get(name=topics.TOPICS[0]).articles.count() == sizes[0]
    assert topics.generate_topics() == 0 and links.count() == written


@pytest.mark.django_db(transaction=True)
def test_restore_publishes_a_story_the_editor_left_unpublished():
    editor = EditorFactory()
    story = PublishedArticleFactory()
    for step in range(3):  # submit update, publish update, unpublish
        publishing.take_next(story.pk, editor, step=step)
    assert Article.objects.get(pk=story.pk).status == Article.Status.DRAFT

    assert publishing.restore(story.pk, editor) == ["submit", "publish"]
    assert publishing.settled(Article.objects.get(pk=story.pk))
    assert publishing.restore(story.pk, editor) == []


@pytest.mark.django_db(transaction=True)
def test_restore_publishes_an_edit_left_waiting():
    editor = EditorFactory()
    story = PublishedArticleFactory()
    publishing.take_next(story.pk, editor, step=0, mark="0, 123")  # an edit, submitted

    assert publishing.restore(story.pk, editor) == ["publish_update"]
    assert Article.objects.get(pk=story.pk).headline.endswith("(edit 0, 123)")


@pytest.mark.django_db(transaction=True)
def test_a_change_is_polled_until_shown_naming_the_site(bench, live_server):
    """``poll_until_shown`` against a live server: the answers, each marked shown or not."""
    poll_until_shown = bench.mix.publishing_load.poll_until_shown
    story = PublishedArticleFactory(headline="Harbour deal (edit 7, 99)")
    url = live_server.url + story.get_absolute_url()
    host = live_server.url.removeprefix("http://")
    update = bench.mix.shown({"action": "publish_update", "headline": story.headline})
    never = bench.mix.shown({"action": "publish_update", "headline": "Nowhere (edit 1, 2)"})

    samples = poll_until_shown(url, time.time(), update, readers=2, host=host)
    missing = poll_until_shown(url, time.time() - 4.8, never, readers=2, host=host)

    assert samples and all(status == 200 for _, _, status, _ in samples)
    assert bench.mix.visibility(samples)["shown_s"] is not None
    assert missing and not any(seen for *_, seen in missing)
    assert bench.mix.visibility(missing)["shown_s"] is None
