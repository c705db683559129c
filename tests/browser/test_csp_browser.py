"""
The Content Security Policy in a real browser, with the production profile's security settings:
an editor edits a story in CKEditor 5 (typing, an uploaded image) and publishes it; readers read
it, from the page cache too; the opt-in analytics script runs after Accept. Every test fails on
any violation the browser reports (the ``securitypolicyviolation`` event, and Chromium's console
message), and first proves that it would see one (an inline script injected on purpose is
refused and reported, to /csp-report/ as well).
"""

import io
import logging
import re
import time

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from articles import workflow
from articles.models import Article
from consent.config import analytics_script_url
from ops import csp
from tests.browser.support import PASSWORD
from tests.factories import ArticleFactory, EditorFactory, PhotoFactory, SectionFactory
from tests.test_settings import production, production_values

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]

HEADLINE = "Tram Line Opens to the Harbour"
ADDED = "The first trams carried four thousand riders before noon."
ANALYTICS_URL = "https://analytics.example.test/tag.js"

# The production profile's security settings, all but the HTTPS redirect (the live server speaks
# plain HTTP; Chromium takes http://localhost as a secure context, so Secure cookies still work).
PRODUCTION_SECURITY = (
    "SECURE_CSP",
    "SECURE_CSP_REPORT_ONLY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
)

# Runs in every document before its own scripts (through DevTools, which the policy does not
# govern): each violation goes to Python at once, so none is lost when the page navigates.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.location.pathname,
  });
});
"""


@pytest.fixture(scope="session")
def production_security(tmp_path_factory):
    """What the production profile sets (``tests.test_settings.production``), read in a subprocess."""
    values = production_values(production(tmp_path_factory.mktemp("production")), *PRODUCTION_SECURITY)
    assert values["SECURE_CSP"], "the production profile enforces a policy"
    return values


@pytest.fixture
def production_headers(settings, production_security):
    for name, value in production_security.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def watched(browser, live_server):
    """
    ``watched()``: a page in a fresh context whose violations are collected in
    ``page.violations`` (events, and Chromium's console lines naming the policy).
    """
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        violations = []
        context.expose_binding("reportViolation", lambda source, violation: violations.append(violation))
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append({"console": message.text})
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.violations = violations
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def reports(caplog):
    """The violations /csp-report/ logged (the live server runs in this process)."""
    caplog.set_level(logging.WARNING, logger="newsroom.csp")
    return lambda: [record for record in caplog.records if record.name == "newsroom.csp"]


def settle(page):
    """Long enough for a violation's event to reach Python, and a report to be sent."""
    page.wait_for_timeout(500)


def prove_violations_are_seen(page, reports, directive):
    """
    An inline script injected now is refused: the event reaches Python, and the report reaches
    /csp-report/ and its log. A test that saw no violation would otherwise prove nothing.
    """
    before = len(page.violations)
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ranInline = 1';"
        " document.head.appendChild(s); }"
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (len(page.violations) == before or not reports()):
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.ranInline") is None
    caught = [v for v in page.violations[before:] if v.get("directive") == directive]
    assert caught and caught[0]["blocked"] == "inline", page.violations[before:]
    logged = reports()
    assert logged and logged[-1].effective_directive == directive, "the report reached /csp-report/"
    del page.violations[before:]


def jpeg(size=(1200, 675), color=(40, 110, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


# --- The desk ---------------------------------------------------------------------------------------


@pytest.fixture
def story_in_review(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    editor = EditorFactory(username="jonas")
    article = ArticleFactory(
        headline=HEADLINE,
        slug="tram-line-opens-to-the-harbour",
        section=SectionFactory(name="City", slug="city"),
        body="<p>The harbour tram line opened this morning.</p>",
        created_by=editor,
    )
    workflow.submit_for_review(article=article, user=editor)
    return editor, article


def test_the_desk_edits_and_publishes_a_story_under_the_production_policy(
    watched, production_headers, story_in_review, reports, artifacts_dir
):
    editor, article = story_in_review
    page = watched()

    login = page.goto(reverse("admin:login") + "?next=/admin/")
    # The production headers are on: the admin's own policy, enforced, nothing else relaxed.
    policy = login.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "report-uri /csp-report/" in policy
    assert login.headers["x-frame-options"] == "DENY"
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert {cookie["name"]: cookie["httpOnly"] and cookie["secure"] for cookie in page.context.cookies()}[
        "sessionid"
    ]

    # Edit the body in CKEditor 5: type a paragraph and upload an image where the caret is.
    change = page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert "style-src 'self' 'unsafe-inline'" in change.headers["content-security-policy"]
    body = page.locator(".ck-editor__editable[contenteditable=true]")
    expect(body).to_be_visible()
    body.click()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.press("Enter")
    page.keyboard.type(ADDED)
    with page.expect_response(lambda r: r.url.endswith("/ckeditor5/upload/")) as upload:
        with page.expect_file_chooser() as chooser:
            page.locator(".ck-toolbar").get_by_role("button", name=re.compile("Upload image")).first.click()
        chooser.value.set_files({"name": "tram.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    assert upload.value.status == 200, upload.value.text()
    image = body.locator(f'img[src="{upload.value.json()["url"]}"]')
    expect(image).to_be_visible()
    image.click()
    page.get_by_role("button", name="Change image text alternative").click()
    page.keyboard.type("A red tram at the harbour stop")
    page.keyboard.press("Enter")
    expect(page.locator("#id_body")).to_have_value(re.compile(re.escape(ADDED)))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    # Publish it.
    page.locator("#workflow").get_by_role("button", name=re.compile(r"^Publish")).click()
    expect(page.locator(".messagelist .success")).to_contain_text("is now Published.")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and ADDED in article.body

    # The desk's other screens under the same policy: lists, the photo library, Editor's Pick.
    for address in (
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/photo/",
        "/admin/articles/editorspick/",
    ):
        page.goto(address)
        expect(page.locator("#content")).to_be_visible()
    settle(page)
    page.screenshot(path=artifacts_dir / "csp-desk.png", full_page=True)

    assert page.violations == []
    assert reports() == []
    prove_violations_are_seen(page, reports, "script-src-elem")


# --- Readers ----------------------------------------------------------------------------------------


def test_reader_pages_from_the_page_cache_break_no_rule(watched, production_headers, page_cache, reports):
    story = ArticleFactory(
        headline=HEADLINE, section=SectionFactory(slug="city"), lead_photo=PhotoFactory(alt_text="A tram")
    )
    editor = EditorFactory()
    workflow.submit_for_review(article=story, user=editor)
    workflow.publish(article=story, user=editor)
    story.refresh_from_db()
    addresses = ("/", "/city/", story.get_absolute_url(), "/search/?q=tram", reverse("cookie_policy"))
    first = watched()
    for address in addresses:
        first.goto(address)
    # A second reader (a context of its own: nothing from the first one's HTTP cache) gets each
    # page from the page cache, with the header it was kept with.
    page = watched()
    for address in addresses:
        assert page.goto(address).headers.get("x-page-cache") == "HIT", address
        expect(page.locator("#content")).to_be_visible()
    # The article's JSON-LD is in the page, and is not taken for a script.
    page.goto(story.get_absolute_url())
    assert page.locator('script[type="application/ld+json"]').count() >= 1
    # The cookie notice closes with its script (fetch, no reload).
    page.locator("#cookie-notice").get_by_role("button", name="Close").click()
    expect(page.locator("#cookie-notice")).to_be_hidden()
    settle(page)

    assert first.violations == page.violations == []
    assert reports() == []
    prove_violations_are_seen(page, reports, "script-src-elem")


# --- The opt-in analytics snippet -------------------------------------------------------------------


@pytest.fixture
def opt_in_analytics(settings, production_headers):
    settings.NEWSROOM_COOKIE_CONSENT_MODE = "opt-in"
    settings.NEWSROOM_ANALYTICS_SNIPPET = ANALYTICS_URL
    # The policy as the settings build it with this snippet in the environment (newsroom/settings.py).
    settings.SECURE_CSP = csp.policy(
        analytics_script_url=analytics_script_url(ANALYTICS_URL),
        static_url=settings.STATIC_URL,
        media_url=settings.MEDIA_URL,
    )
    return settings


def serve_analytics(page):
    """The analytics service, answered by Playwright: its script, which sends a beacon home."""
    beacons = []
    script = (
        "window.analyticsLoaded = true;"
        "fetch('https://analytics.example.test/collect', {method: 'POST', mode: 'no-cors', body: 'hit'});"
    )
    page.route(ANALYTICS_URL, lambda route: route.fulfill(body=script, content_type="text/javascript"))

    def collect(route):
        beacons.append(route.request.post_data)
        route.fulfill(status=204)

    page.route("https://analytics.example.test/collect", collect)
    return beacons


def accept_cookies(page):
    page.goto("/")
    with page.expect_response(lambda r: r.url.endswith("/consent/")):
        page.locator("#cookie-notice").get_by_role("button", name="Accept").click()


def test_the_opt_in_analytics_snippet_runs_under_the_policy(watched, opt_in_analytics, reports):
    page = watched()
    beacons = serve_analytics(page)

    accept_cookies(page)
    page.wait_for_function("() => window.analyticsLoaded === true")
    page.reload()  # the next page loads it from the start, with the cookie
    page.wait_for_function("() => window.analyticsLoaded === true")
    settle(page)

    assert beacons == ["hit", "hit"]
    assert page.violations == []
    assert reports() == []


def test_without_its_origin_in_the_policy_the_snippet_would_be_refused(watched, opt_in_analytics, settings):
    """The control: the origin the settings add is what lets the snippet run."""
    settings.SECURE_CSP = csp.policy(static_url=settings.STATIC_URL, media_url=settings.MEDIA_URL)
    page = watched()
    beacons = serve_analytics(page)

    accept_cookies(page)
    page.wait_for_function("() => window.newsroomConsentScriptsLoaded === true")
    settle(page)

    assert page.evaluate("() => window.analyticsLoaded") is None
    assert beacons == []
    assert [v["blocked"] for v in page.violations if v.get("directive") == "script-src-elem"] == [
        ANALYTICS_URL
    ]
