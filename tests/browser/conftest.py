"""
Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's
``live_server``.

* Chromium is ``$CHROMIUM_PATH`` or ``/usr/bin/chromium`` (Playwright's own browser download is
  not used). Without it the tests skip, saying how to install it; with
  ``NEWSROOM_REQUIRE_BROWSER=1`` (as in CI) they fail instead.
* Everything under ``tests/browser`` gets the ``browser`` marker: ``pytest -m "not browser"``
  leaves it out.
* ``live_server`` runs in a thread of this process, so the ``settings`` fixture reaches it. It
  serves ``STATIC_URL`` (staticfiles finders, no collectstatic needed) and ``MEDIA_URL`` from the
  current ``MEDIA_ROOT`` (Django's live server wraps its handler for both), which
  ``tests/conftest.py`` points at each test's own temporary folder.
* ``axe_audit(page)`` runs axe-core, loaded from the ``axe-playwright-python`` wheel (a pinned
  dev requirement), never from a CDN.
* A failing test leaves a screenshot and the page's HTML in ``artifacts/`` at the repository root.
"""

import os
import re
from importlib.resources import files
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's ORM, used by the tests and
# the fixtures in that same thread, would otherwise refuse to run "from an async context".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 800}

_failed_report = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items: mark only the ones under this folder.
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_failed_report] = True
    return report


def chromium_path():
    """The Chromium executable to use, or ``None`` with the reason it was not found."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    path = configured or DEFAULT_CHROMIUM
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path, None
    where = f"CHROMIUM_PATH={configured}" if configured else DEFAULT_CHROMIUM
    return None, (
        f"Chromium not found at {where}. Install it (Debian/Ubuntu: `apt-get install chromium`) or "
        "set CHROMIUM_PATH to a Chromium or Chrome executable."
    )


def browser_unavailable(message):
    """Skip, or fail when the environment says the browser tests must run (CI)."""
    if os.environ.get("NEWSROOM_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(f"{message} (NEWSROOM_REQUIRE_BROWSER is set, so this fails instead of skipping)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    path, problem = chromium_path()
    if path is None:
        browser_unavailable(problem)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves its event loop "running" in this thread, and from then on
    # asgiref's Local (behind django.db.connections) hands this thread new connection objects,
    # without the test database's state (such as what serialized_rollback restores from).
    # Put the same ones back.
    pinned = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in pinned.items():
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def patient_assertions():
    """
    For journeys through the admin (form posts, redirects, CKEditor, an upload and renditions
    made on commit): on a loaded CI machine a step can take longer than ``expect``'s 5 seconds.
    Back to the default afterwards.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=None)


@pytest.fixture(scope="session")
def artifacts_dir():
    """``artifacts/`` at the repository root (git-ignored): screenshots and reports for CI."""
    path = REPO_ROOT / "artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def new_page(request, browser, live_server, artifacts_dir):
    """
    ``new_page(**context_options)`` opens a page in a fresh context (its own cookies) whose base
    URL is the live server, e.g. ``new_page(java_script_enabled=False)``.
    """
    contexts = []

    def make(**options):
        options = {"base_url": live_server.url, "viewport": VIEWPORT, **options}
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield make

    failed = request.node.stash.get(_failed_report, False)
    for number, context in enumerate(contexts):
        if failed:
            stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:] + (f"-{number}" if number else "")
            for page in context.pages:
                try:
                    page.screenshot(path=artifacts_dir / f"{stem}.png", full_page=True)
                    (artifacts_dir / f"{stem}.html").write_text(page.content())
                except Exception:  # noqa: BLE001 - a dead page must not hide the test's failure
                    pass
        # What a page sends as it closes (pagehide beacons: presence, autosave) must not reach
        # the server: it would race with the database flush after the test (a deadlock on
        # PostgreSQL). Aborted here, in the browser.
        context.route("**/*", lambda route: route.abort())
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh context: 1280x800, relative URLs against the live server."""
    return new_page()


@pytest.fixture(scope="session")
def axe_source():
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def axe_audit(axe_source):
    """
    ``axe_audit(page, context=None, options=None)`` injects axe-core into the page and returns
    axe's violations (dicts with ``id``, ``impact``, ``help``, ``nodes``...). Callers filter by
    impact, e.g. ``[v for v in axe_audit(page) if v["impact"] in {"serious", "critical"}]``;
    ``context`` narrows the audit to a selector, as in axe's own API.
    """

    def audit(page, context=None, options=None):
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        results = page.evaluate(
            "([context, options]) => axe.run(context || document, options || {})",
            [context, {"resultTypes": ["violations"], **(options or {})}],
        )
        return results["violations"]

    return audit
