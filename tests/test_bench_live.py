"""The live update endpoint's scenarios of ``make bench`` (bench/run.py, bench/report.py): their logic."""

import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import report
        import run
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return types.SimpleNamespace(run=run, report=report)


PAGES = {
    "article": "/politics/2025/04/09/story/",
    "section": "/politics/",
    "section_pages": 5000,
    "live_updates": "/live-updates/42/",
}
OPTIONS = types.SimpleNamespace(connections=32, slow_connections=4)
PAIRS = [("a", "c"), ("d", "b", "v"), ("la", "lc"), ("lb", "lv")]


def test_the_live_scenarios_measure_the_update_endpoint_beside_its_ceilings(bench):
    run = bench.run
    plan = {scenario.key: scenario for scenario in run.scenarios(PAGES, OPTIONS)}

    assert plan["la"].url == plan["a"].url
    assert plan["lc"].url == f"{run.GUNICORN_URL}/live-updates/42/" and plan["lc"].expect == (
        "X-Page-Cache",
        "HIT",
    )
    assert plan["lb"].url == f"{run.NGINX_STATIC_URL}/live-updates/42/"
    assert plan["lv"].url == f"{run.VARNISH_URL}/live-updates/42/" and plan["lv"].expect == ("X-Cache", "HIT")
    assert all(plan[key].cookie is None for key in ("la", "lc", "lb", "lv"))


def test_each_live_pair_runs_back_to_back_and_swaps_order_in_even_rounds(bench):
    plan = bench.run.scenarios(PAGES, OPTIONS)
    keys = [scenario.key for scenario in plan]
    odd = [s.key for s in bench.run.in_round_order(plan, PAIRS, 1)]
    even = [s.key for s in bench.run.in_round_order(plan, PAIRS, 2)]

    for first, second in (("la", "lc"), ("lb", "lv")):
        assert odd.index(second) == odd.index(first) + 1
        assert even.index(first) == even.index(second) + 1
    assert sorted(even) == sorted(keys)


def run_of(requests_per_s):
    return {"requests_per_s": requests_per_s, "rounds_requests_per_s": [requests_per_s] * 2}


def test_the_report_checks_the_live_targets(bench):
    runs = {key: run_of(1000) for key in ("a", "c", "d", "b", "e", "g1", "g2000")}
    runs.update({"la": run_of(1000), "lc": run_of(900), "lb": run_of(1000), "lv": run_of(700)})
    for run in runs.values():
        run["p50_ms"], run["rounds_p50_ms"] = 1.0, [1.0, 1.0]
    results = {
        "scenarios": runs,
        "rss_after_mb": {"max": 90},
        "freshness": {
            "live": {
                "endpoint": "/live-updates/42/",
                "seconds_until_visible": {"gunicorn": 0.05, "varnish": None},
            }
        },
    }

    targets = bench.report.targets(results)

    assert targets["lc_vs_la"]["value"] == 0.9 and targets["lc_vs_la"]["pass"] is True
    assert targets["lv_vs_lb"]["value"] == 0.7 and targets["lv_vs_lb"]["pass"] is False
    assert targets["live_fresh"]["pass"] is False  # Varnish never showed the post


@pytest.mark.django_db(transaction=True)
def test_freshness_is_measured_until_each_address_shows_the_change(bench, live_server):
    """``seconds_until_shown`` (the live post's freshness, and the story's): a marker found, or None."""
    from tests.factories import PublishedArticleFactory

    story = PublishedArticleFactory(headline="Marker 12.5 inside")
    urls = {"story": live_server.url + story.get_absolute_url()}

    seen = bench.run.seconds_until_shown(urls, {"marker": "Marker 12.5", "committed_at": 0.0}, timeout=5)
    missing = bench.run.seconds_until_shown(urls, {"marker": "Nowhere", "committed_at": 0.0}, timeout=0.1)

    assert seen["story"] > 0 and missing == {"story": None}
