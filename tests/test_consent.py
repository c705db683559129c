"""The cookie notice and consent (the consent app): headers, cookie, endpoints, modes."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from consent.config import ONE_YEAR
from consent.context_processors import consent
from consent.middleware import CookieConsentMiddleware

pytestmark = pytest.mark.django_db

COOKIE = "newsroom_consent"
SNIPPET = "window.newsroomAnalyticsRuns = (window.newsroomAnalyticsRuns || 0) + 1;"
READER_PAGES = ["/", "/cookie-policy/"]
HIDE = "#cookie-notice{display:none"


@pytest.fixture
def opt_in(settings):
    settings.NEWSROOM_COOKIE_CONSENT_MODE = "opt-in"
    return settings


@pytest.fixture
def analytics(settings):
    settings.NEWSROOM_ANALYTICS_SNIPPET = SNIPPET
    return settings


def client_with(value=None, **kwargs):
    client = Client(**kwargs)
    if value is not None:
        client.cookies[COOKIE] = value
    return client


def vary(response):
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",") if part.strip()}


def cache_control(response):
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


# --- Reader pages stay cacheable ----------------------------------------------------------------


@pytest.mark.parametrize("path", READER_PAGES)
@pytest.mark.parametrize("cookie", [None, "v1:seen", "v1:implied", "v1:closed", "v0:closed", "junk"])
def test_reader_page_sets_no_cookie_and_no_vary_cookie(path, cookie):
    response = client_with(cookie).get(path)

    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "cookie" not in vary(response)


@pytest.mark.parametrize("path", READER_PAGES)
def test_reader_page_is_the_same_bytes_for_every_reader(path, opt_in, analytics):
    newcomer = client_with(None).get(path)
    accepted = client_with("v1:accepted").get(path)
    rejected = client_with("v1:rejected").get(path)

    assert newcomer.content == accepted.content == rejected.content


@pytest.mark.parametrize("path", READER_PAGES)
def test_reader_page_has_the_notice_and_its_private_stylesheet_but_no_csrf_token(path):
    html = Client().get(path).content.decode()

    assert '<section id="cookie-notice" class="cookie-notice" aria-label="Cookie notice"' in html
    assert "This website uses cookies and similar technology" in html
    assert f'href="{reverse("cookie_policy")}">For further details &gt;</a>' in html
    assert '<form class="cookie-notice__form" method="post" action="/consent/">' in html
    assert 'name="choice" value="close">Close</button>' in html
    assert f'<input type="hidden" name="next" value="{path}">' in html
    assert '<link rel="stylesheet" href="/consent/state.css"' in html
    assert "js/consent.js" in html
    assert "csrfmiddlewaretoken" not in html


def test_reader_page_next_keeps_the_query_parameters_the_page_reads():
    # Only those: the page may be kept and served to every reader (pagecache.keys).
    html = Client().get("/search/?utm_source=x&q=budget").content.decode()

    assert '<input type="hidden" name="next" value="/search/?q=budget">' in html


# --- state.css: hiding the notice, recording implied consent ----------------------------------


def test_state_css_is_private_and_never_stored():
    response = Client().get("/consent/state.css")

    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert {"private", "no-store"} <= cache_control(response)
    assert "cookie" in vary(response)


def test_state_css_first_page_sets_only_the_seen_marker():
    response = Client().get("/consent/state.css")

    cookie = response.cookies[COOKIE]
    assert cookie.value == "v1:seen"
    assert cookie["max-age"] == ""  # for the browser session only
    assert cookie["samesite"] == "Lax"
    assert HIDE not in response.content.decode()


def test_state_css_second_page_records_implied_consent():
    response = client_with("v1:seen").get("/consent/state.css")

    cookie = response.cookies[COOKIE]
    assert cookie.value == "v1:implied"
    assert cookie["max-age"] == ONE_YEAR == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    # Implied consent does not close the notice: it shows until the reader closes it.
    assert HIDE not in response.content.decode()


def test_state_css_over_https_sets_a_secure_cookie():
    response = client_with("v1:seen").get("/consent/state.css", secure=True)

    assert response.cookies[COOKIE]["secure"] is True


def test_state_css_after_implied_consent_sets_nothing_more():
    response = client_with("v1:implied").get("/consent/state.css")

    assert not response.cookies
    assert HIDE not in response.content.decode()


@pytest.mark.parametrize("cookie", ["v1:closed", "v1:accepted", "v1:rejected"])
def test_state_css_hides_the_notice_once_dealt_with(cookie):
    response = client_with(cookie).get("/consent/state.css")

    assert response.content.decode() == "#cookie-notice{display:none!important}\n"
    assert not response.cookies


def test_the_implied_journey_page_one_then_page_two():
    client = Client()
    client.get("/")
    client.get("/consent/state.css")
    assert client.cookies[COOKIE].value == "v1:seen"

    client.get("/cookie-policy/")
    client.get("/consent/state.css")
    assert client.cookies[COOKIE].value == "v1:implied"


# --- POST /consent/: closing the notice without JavaScript, and with it -------------------------


def test_close_redirects_back_to_the_page_and_sets_the_cookie():
    response = Client().post("/consent/", {"choice": "close", "next": "/cookie-policy/?x=1"})

    assert response.status_code == 303
    assert response["Location"] == "/cookie-policy/?x=1"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "v1:closed"
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ONE_YEAR
    assert cookie["httponly"] is True
    assert not cookie["secure"]
    assert {"private", "no-store"} <= cache_control(response)


def test_close_over_https_sets_a_secure_cookie():
    response = Client().post(
        "/consent/",
        {"choice": "close", "next": "/"},
        secure=True,
        headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"},
    )

    assert response.status_code == 303
    assert response.cookies[COOKIE]["secure"] is True


def test_close_then_state_css_hides_the_notice():
    client = Client()
    client.post("/consent/", {"choice": "close", "next": "/"}, headers={"Sec-Fetch-Site": "same-origin"})

    assert HIDE in client.get("/consent/state.css").content.decode()


def test_close_without_a_choice_closes_in_implied_mode():
    response = Client().post("/consent/", {"next": "/"})

    assert response.cookies[COOKIE].value == "v1:closed"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://news.testserver"},
        {"Referer": "https://evil.example/page"},
    ],
)
def test_close_refuses_a_cross_site_post(headers):
    response = Client().post("/consent/", {"choice": "close", "next": "/"}, headers=headers)

    assert response.status_code == 403
    assert not response.cookies


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://testserver"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Referer": "http://testserver/cookie-policy/"},
        {},
    ],
)
def test_close_accepts_a_same_origin_post(headers):
    response = Client().post("/consent/", {"choice": "close", "next": "/"}, headers=headers)

    assert response.status_code == 303


def test_close_accepts_a_trusted_origin(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]

    response = Client().post(
        "/consent/",
        {"choice": "close"},
        headers={"Origin": "https://www.example.com", "Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 303


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", "", "http://testserver:9/"],
)
def test_close_never_redirects_off_site(next_url):
    response = Client().post("/consent/", {"choice": "close", "next": next_url})

    assert response.status_code == 303
    assert response["Location"] == "/"


def test_close_answers_json_to_the_script():
    response = Client().post(
        "/consent/", {"choice": "close", "next": "/"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200
    assert response.json() == {"choice": "closed", "is_given": True, "notice_closed": True}
    assert response.cookies[COOKIE].value == "v1:closed"


def test_consent_endpoint_is_post_only():
    assert Client().get("/consent/").status_code == 405


def test_unknown_choice_is_refused():
    response = Client().post("/consent/", {"choice": "accept"})

    assert response.status_code == 400
    assert not response.cookies


# --- The policy version -------------------------------------------------------------------------


def test_raising_the_policy_version_asks_every_reader_again(settings):
    settings.NEWSROOM_COOKIE_POLICY_VERSION = 2
    client = client_with("v1:closed")

    response = client.get("/consent/state.css")

    assert HIDE not in response.content.decode()
    assert response.cookies[COOKIE].value == "v2:seen"


def test_the_cookie_carries_the_current_version(settings):
    settings.NEWSROOM_COOKIE_POLICY_VERSION = 7

    response = Client().post("/consent/", {"choice": "close"})

    assert response.cookies[COOKIE].value == "v7:closed"


# --- Opt-in mode --------------------------------------------------------------------------------


def test_opt_in_notice_offers_accept_and_reject(opt_in):
    html = Client().get("/").content.decode()

    assert 'name="choice" value="accept">Accept</button>' in html
    assert 'name="choice" value="reject">Reject</button>' in html
    assert 'value="close">Close</button>' not in html
    assert "For further details &gt;" in html


@pytest.mark.parametrize("cookie", [None, "v1:seen", "v1:implied"])
def test_opt_in_records_nothing_before_an_answer(opt_in, cookie):
    response = client_with(cookie).get("/consent/state.css")

    assert not response.cookies
    assert HIDE not in response.content.decode()


@pytest.mark.parametrize(("button", "stored"), [("accept", "v1:accepted"), ("reject", "v1:rejected")])
def test_opt_in_answer_is_remembered_and_hides_the_notice(opt_in, button, stored):
    client = Client()

    response = client.post("/consent/", {"choice": button, "next": "/"})

    assert response.status_code == 303
    assert response.cookies[COOKIE].value == stored
    assert response.cookies[COOKIE]["max-age"] == ONE_YEAR
    assert HIDE in client.get("/consent/state.css").content.decode()


def test_opt_in_has_no_close_and_needs_a_choice(opt_in):
    assert Client().post("/consent/", {"choice": "close"}).status_code == 400
    assert Client().post("/consent/", {}).status_code == 400


def test_opt_in_closed_from_implied_mode_is_not_consent(opt_in):
    response = client_with("v1:closed").get("/consent/state.css")

    assert HIDE not in response.content.decode()


# --- Non-essential scripts ----------------------------------------------------------------------


@pytest.mark.parametrize("path", READER_PAGES)
@pytest.mark.parametrize("cookie", [None, "v1:accepted"])
def test_analytics_snippet_is_never_in_a_page(opt_in, analytics, path, cookie):
    html = client_with(cookie).get(path).content.decode()

    assert SNIPPET not in html
    assert 'data-scripts-url="/consent/scripts.js"' in html


def test_no_scripts_url_without_a_snippet():
    assert "data-scripts-url" not in Client().get("/").content.decode()


@pytest.mark.parametrize("cookie", [None, "v1:seen", "v1:implied", "v1:closed", "v1:rejected", "v0:accepted"])
def test_opt_in_scripts_are_empty_until_accepted(opt_in, analytics, cookie):
    response = client_with(cookie).get("/consent/scripts.js")

    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert SNIPPET not in response.content.decode()
    assert {"private", "no-store"} <= cache_control(response)


def test_opt_in_scripts_after_accepting(opt_in, analytics):
    client = Client()
    client.post("/consent/", {"choice": "accept"})

    body = client.get("/consent/scripts.js").content.decode()

    assert SNIPPET in body
    assert "window.newsroomConsentScriptsLoaded=true;" in body


@pytest.mark.parametrize(("cookie", "delivered"), [(None, False), ("v1:seen", False), ("v1:implied", True)])
def test_implied_scripts_after_the_second_page(analytics, cookie, delivered):
    body = client_with(cookie).get("/consent/scripts.js").content.decode()

    assert (SNIPPET in body) is delivered


def test_scripts_snippet_given_as_a_url_is_loaded(settings):
    settings.NEWSROOM_ANALYTICS_SNIPPET = "https://stats.example/count.js"

    body = client_with("v1:closed").get("/consent/scripts.js").content.decode()

    assert 's.src="https://stats.example/count.js"' in body


# --- request.cookie_consent and the context processor -----------------------------------------


def run_middleware(cookie=None):
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES[COOKIE] = cookie
    response = CookieConsentMiddleware(lambda request: HttpResponse("page"))(request)
    return request, response


@pytest.mark.parametrize(
    ("cookie", "choice", "version", "is_given", "notice_closed"),
    [
        (None, None, None, False, False),
        ("garbage", None, None, False, False),
        ("v1:seen", "seen", 1, False, False),
        ("v1:implied", "implied", 1, True, False),
        ("v1:closed", "closed", 1, True, True),
        ("v1:accepted", "accepted", 1, True, True),
        ("v1:rejected", "rejected", 1, False, True),
        ("v1:bogus", None, 1, False, False),
        ("v0:closed", None, 0, False, False),
        ("v2:closed", None, 2, False, False),
    ],
)
def test_request_cookie_consent_in_implied_mode(cookie, choice, version, is_given, notice_closed):
    request, _ = run_middleware(cookie)

    state = request.cookie_consent
    assert state.mode == "implied"
    assert (state.choice, state.version) == (choice, version)
    assert state.is_given is is_given
    assert state.notice_closed is notice_closed


@pytest.mark.parametrize(
    ("cookie", "is_given", "notice_closed"),
    [
        (None, False, False),
        ("v1:implied", False, False),
        ("v1:closed", False, False),
        ("v1:accepted", True, True),
        ("v1:rejected", False, True),
    ],
)
def test_request_cookie_consent_in_opt_in_mode(opt_in, cookie, is_given, notice_closed):
    request, _ = run_middleware(cookie)

    assert request.cookie_consent.mode == "opt-in"
    assert request.cookie_consent.is_given is is_given
    assert request.cookie_consent.notice_closed is notice_closed


def test_middleware_adds_no_headers():
    _, response = run_middleware("v1:closed")

    assert not response.cookies
    assert "Vary" not in response.headers


def test_context_processor_exposes_the_state_and_the_mode(opt_in, analytics):
    request, _ = run_middleware("v1:accepted")

    context = consent(request)

    assert context["cookie_consent"] is request.cookie_consent
    assert context["cookie_consent_mode"] == "opt-in"
    assert context["cookie_consent_scripts"] is True


@pytest.mark.parametrize(
    ("name", "value"),
    [("NEWSROOM_COOKIE_CONSENT_MODE", "gdpr"), ("NEWSROOM_COOKIE_POLICY_VERSION", 0)],
)
def test_misconfiguration_stops_start_up(settings, name, value):
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=name):
        CookieConsentMiddleware(lambda request: HttpResponse())


# --- The cookie policy page ---------------------------------------------------------------------


def test_cookie_policy_page():
    response = Client().get(reverse("cookie_policy"))

    assert reverse("cookie_policy") == "/cookie-policy/"
    html = response.content.decode()
    assert "<h1>Cookie policy</h1>" in html
    assert "<code>newsroom_consent</code>" in html
    assert "365 days" in html


def test_cookie_policy_page_lets_an_opt_in_reader_change_their_mind(opt_in):
    html = Client().get("/cookie-policy/").content.decode()

    assert 'value="accept">Accept cookies</button>' in html
    assert 'value="reject">Reject cookies</button>' in html
