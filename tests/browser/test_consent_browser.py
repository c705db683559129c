"""The cookie notice in a real browser: closing it (with and without JavaScript), implied consent,
opt-in Accept/Reject, and analytics only after consent."""

import datetime

import pytest
from playwright.sync_api import expect

COOKIE = "newsroom_consent"
SNIPPET = "window.newsroomAnalyticsRuns = (window.newsroomAnalyticsRuns || 0) + 1;"
ONE_YEAR = datetime.timedelta(days=365)


@pytest.fixture
def opt_in(settings):
    settings.NEWSROOM_COOKIE_CONSENT_MODE = "opt-in"
    return settings


@pytest.fixture
def analytics(settings):
    settings.NEWSROOM_ANALYTICS_SNIPPET = SNIPPET
    return settings


def notice(page):
    return page.locator("#cookie-notice")


def consent_cookie(page):
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def goto_and_wait_for_scripts(page, path):
    """Open a page and wait until consent.js has asked /consent/scripts.js and run its answer."""
    with page.expect_response("**/consent/scripts.js") as scripts:
        page.goto(path)
    scripts.value.finished()
    page.wait_for_load_state("networkidle")


def analytics_runs(page):
    return page.evaluate("() => window.newsroomAnalyticsRuns ?? 0")


def serious(violations):
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def test_live_server_serves_static_and_media(page, media_root):
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "probe.txt").write_text("uploaded")

    page.goto("/")

    # consent.css is applied (static files are served), and so is the private state.css.
    assert notice(page).evaluate("el => getComputedStyle(el).position") == "sticky"
    assert page.request.get("/static/js/consent.js").ok
    media = page.request.get("/media/probe.txt")
    assert media.ok
    assert media.text() == "uploaded"


def test_notice_shows_on_the_first_page(page):
    page.goto("/")

    expect(notice(page)).to_be_visible()
    expect(notice(page)).to_contain_text("This website uses cookies and similar technology")
    expect(notice(page).get_by_role("link", name="For further details >")).to_have_attribute(
        "href", "/cookie-policy/"
    )


def test_close_with_javascript_hides_the_notice_without_a_reload(page):
    page.goto("/")
    page.evaluate("() => { window.pageMarker = 'same page'; }")

    with page.expect_response("**/consent/") as posted:
        notice(page).get_by_role("button", name="Close").click()

    assert posted.value.request.resource_type == "fetch"
    expect(notice(page)).to_be_hidden()
    assert page.evaluate("() => window.pageMarker") == "same page"
    assert consent_cookie(page)["value"] == "v1:closed"

    page.goto("/cookie-policy/")
    expect(notice(page)).to_be_hidden()


def test_close_without_javascript_posts_the_form_and_comes_back(new_page, live_server):
    page = new_page(java_script_enabled=False)
    page.goto("/cookie-policy/")
    expect(notice(page)).to_be_visible()

    with page.expect_navigation():
        notice(page).get_by_role("button", name="Close").click()

    assert page.url == f"{live_server.url}/cookie-policy/"
    expect(notice(page)).to_be_hidden()
    page.goto("/")
    expect(notice(page)).to_be_hidden()


def test_going_on_to_a_second_page_is_implied_consent(page):
    page.goto("/")
    assert consent_cookie(page)["value"] == "v1:seen"

    page.goto("/cookie-policy/")

    cookie = consent_cookie(page)
    assert cookie["value"] == "v1:implied"
    assert cookie["sameSite"] == "Lax"
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is False  # the live server speaks plain HTTP
    expires = datetime.datetime.fromtimestamp(cookie["expires"], tz=datetime.UTC)
    assert abs(expires - (datetime.datetime.now(tz=datetime.UTC) + ONE_YEAR)) < datetime.timedelta(minutes=5)
    # Consent is implied, but the notice stays until the reader closes it.
    expect(notice(page)).to_be_visible()


def test_raising_the_policy_version_shows_the_notice_again(page, settings):
    page.goto("/")
    notice(page).get_by_role("button", name="Close").click()
    expect(notice(page)).to_be_hidden()

    settings.NEWSROOM_COOKIE_POLICY_VERSION = 2
    page.goto("/")

    expect(notice(page)).to_be_visible()


def test_implied_mode_runs_analytics_from_the_second_page(page, analytics):
    goto_and_wait_for_scripts(page, "/")
    assert analytics_runs(page) == 0
    assert SNIPPET not in page.content()

    goto_and_wait_for_scripts(page, "/cookie-policy/")
    assert analytics_runs(page) == 1


def test_opt_in_accept_hides_the_notice_and_starts_analytics(page, opt_in, analytics):
    goto_and_wait_for_scripts(page, "/")
    expect(notice(page).get_by_role("button", name="Accept")).to_be_visible()
    expect(notice(page).get_by_role("button", name="Reject")).to_be_visible()
    assert consent_cookie(page) is None  # nothing is stored before the reader answers
    assert analytics_runs(page) == 0
    assert SNIPPET not in page.content()

    notice(page).get_by_role("button", name="Accept").click()

    expect(notice(page)).to_be_hidden()
    page.wait_for_function("() => window.newsroomAnalyticsRuns === 1")
    assert consent_cookie(page)["value"] == "v1:accepted"

    goto_and_wait_for_scripts(page, "/cookie-policy/")
    expect(notice(page)).to_be_hidden()
    assert analytics_runs(page) == 1


def test_opt_in_reject_is_remembered_and_runs_nothing(page, opt_in, analytics):
    goto_and_wait_for_scripts(page, "/")

    notice(page).get_by_role("button", name="Reject").click()

    expect(notice(page)).to_be_hidden()
    assert consent_cookie(page)["value"] == "v1:rejected"
    goto_and_wait_for_scripts(page, "/cookie-policy/")
    expect(notice(page)).to_be_hidden()
    assert analytics_runs(page) == 0


def test_opt_in_accept_without_javascript(new_page, opt_in):
    page = new_page(java_script_enabled=False)
    page.goto("/")

    with page.expect_navigation():
        notice(page).get_by_role("button", name="Accept").click()

    expect(notice(page)).to_be_hidden()
    assert consent_cookie(page)["value"] == "v1:accepted"


@pytest.mark.parametrize("mode", ["implied", "opt-in"])
def test_notice_has_no_serious_accessibility_violations(page, settings, axe_audit, mode):
    settings.NEWSROOM_COOKIE_CONSENT_MODE = mode
    page.goto("/")

    assert serious(axe_audit(page, context="#cookie-notice")) == []


def test_cookie_policy_has_no_serious_accessibility_violations(page, axe_audit):
    page.goto("/cookie-policy/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Cookie policy")
    assert serious(axe_audit(page, context=".cookie-policy")) == []
