"""The bench app is installed, routed and imported only when benchmarking (NEWSROOM_BENCH=1)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("articles", "live", "newsroom")

# What the bench app adds, seen from a fresh process with the given environment.
PROBE = """
import django
django.setup()
from django.apps import apps
from django.core.management import get_commands
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/bench/ok/")
print(apps.is_installed("bench"), "generate_newsroom" in get_commands(), response.status_code)
"""


def probe(**environ):
    env = {k: v for k, v in os.environ.items() if k not in {"NEWSROOM_BENCH", "DATABASE_URL"}}
    env.update(
        environ,
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="1",
        SECRET_KEY="test-only",
        DATABASE_URL="sqlite://:memory:",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_product_settings_have_no_bench():
    assert probe() == ["False", "False", "404"]
    assert probe(NEWSROOM_BENCH="0") == ["False", "False", "404"]


def test_benchmarking_installs_and_routes_the_bench_app():
    assert probe(NEWSROOM_BENCH="1") == ["True", "True", "200"]


def test_the_test_settings_have_no_bench_either():
    assert not apps.is_installed("bench")
    assert "generate_newsroom" not in get_commands()
    try:
        match = resolve("/bench/ok/")
    except Resolver404:
        match = None
    assert match is None or match.url_name != "bench_ok"


def _imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize("package", PRODUCT)
def test_the_product_never_imports_bench(package):
    sources = sorted((ROOT / package).rglob("*.py"))
    assert sources
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sources
        for module in _imported_modules(path)
        if module == "bench" or module.startswith("bench.")
    ]
    assert offending == []


@pytest.mark.django_db(transaction=True)
def test_bench_reports_the_cached_articles_bytes_in_each_coding(live_server, page_cache):
    """bench/run.py's ``wire_bytes``, against a live server: each coding's bytes and header."""
    from tests.factories import PublishedArticleFactory

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run as bench_run
    finally:
        sys.path.remove(str(ROOT / "bench"))
    story = PublishedArticleFactory(body="<p>" + "Fishing quotas were debated again. " * 200 + "</p>")

    sizes = bench_run.wire_bytes(live_server.url + story.get_absolute_url())

    assert {name: sizes[name]["content_encoding"] for name in sizes} == {
        "plain": "identity",
        "gzip": "gzip",
        "br": "br",
    }
    assert sizes["br"]["bytes"] < sizes["gzip"]["bytes"] < sizes["plain"]["bytes"] / 3
    assert {sizes[name]["cache"] for name in sizes} == {"HIT"}
