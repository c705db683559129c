"""
The Content Security Policy (ops/csp.py, Django's ContentSecurityPolicyMiddleware): reader pages
carry no inline script or style and a policy that is the same for every request, a page replayed
by the page cache carries the policy it was rendered with, which allows everything on it; the
admin alone allows inline styles; extra origins come from the environment; violations are
logged by /csp-report/, within a size and a rate limit.
"""

import json
import logging
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.csp import CSP, build_policy

from articles import selectors
from ops import csp
from ops.jsonlog import JsonFormatter
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    EditorsPickFactory,
    PhotoFactory,
    PublishedArticleFactory,
)
from tests.test_http_headers import public_urls  # noqa: F401 - the fixture behind reader_urls
from tests.test_settings import clean_environ, production, production_values

pytestmark = pytest.mark.django_db

TESTSERVER = "http://testserver"
# Script types a browser runs; any other type (application/ld+json) is a data block, never run.
JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def parse_policy(header):
    """``{directive: [source, ...]}`` from a policy header."""
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def allows(policy, directive, url, page=TESTSERVER):
    """Whether ``policy`` lets a page at ``page`` load ``url`` under ``directive`` (or default-src)."""
    sources = policy.get(directive, policy.get("default-src", []))
    address = urlsplit(urljoin(page + "/", url))
    if address.scheme in {"data", "blob"}:
        return f"{address.scheme}:" in sources
    own = urlsplit(page)
    if (address.scheme, address.netloc) == (own.scheme, own.netloc) and CSP.SELF in sources:
        return True
    return f"{address.scheme}://{address.netloc}" in sources


class PageParts(HTMLParser):
    """What a page loads (scripts, styles, images...) and what it has inline."""

    def __init__(self):
        super().__init__()
        self.loads = []  # (directive, url)
        self.inline = []  # what a strict policy refuses: inline scripts, <style>, style="", on*=
        self.nonces = []
        self.data_blocks = 0
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.inline.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.inline.append(f"<{tag} style={value!r}>")
        if "nonce" in attrs:
            self.nonces.append(attrs["nonce"])
        if tag == "script":
            kind = (attrs.get("type") or "").lower()
            if "src" in attrs:
                self.loads.append(("script-src", attrs["src"]))
            elif kind in JAVASCRIPT_TYPES:
                self._in_script = attrs
            else:
                self.data_blocks += 1
        elif tag == "style":
            self.inline.append(f"<style nonce={attrs.get('nonce')!r}>")
        elif tag == "link" and attrs.get("href"):
            rel = set((attrs.get("rel") or "").lower().split())
            if "stylesheet" in rel:
                self.loads.append(("style-src", attrs["href"]))
            elif rel & {"icon", "apple-touch-icon"}:
                self.loads.append(("img-src", attrs["href"]))
            elif "manifest" in rel:
                self.loads.append(("manifest-src", attrs["href"]))
        elif tag in {"img", "source"}:
            for name in ("src", "srcset"):
                for candidate in (attrs.get(name) or "").split(","):
                    if candidate.strip():
                        self.loads.append(("img-src", candidate.split()[0]))
        elif tag == "form":
            self.loads.append(("form-action", attrs.get("action") or ""))

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.inline.append(f"<script nonce={self._in_script.get('nonce')!r}>")
            self._in_script = None


def parts(response):
    parser = PageParts()
    parser.feed(response.content.decode())
    return parser


def html_pages(client, urls):
    """``{name: response}`` for the pages among ``urls`` that are HTML (not feeds, sitemaps...)."""
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        if response["Content-Type"].startswith("text/html"):
            pages[name] = response
    return pages


@pytest.fixture
def reader_urls(request):
    """Every public address (``tests/test_http_headers.py`` keeps that list complete)."""
    return request.getfixturevalue("public_urls")


@pytest.fixture
def front_page_with_everything():
    """A front page with a top story, a lead photo, picks and related blocks to render."""
    story = PublishedArticleFactory(headline="Harbour reopens", lead_photo=PhotoFactory())
    EditorsPickFactory(article=story)
    return story


# --- Reader pages ---------------------------------------------------------------------------------


def test_reader_pages_have_no_inline_script_or_style(client, reader_urls, front_page_with_everything):
    pages = html_pages(client, reader_urls)

    assert {"articles:home", "articles:article", "articles:search", "cookie_policy"} <= set(pages)
    for name, response in pages.items():
        page = parts(response)
        assert page.inline == [], name
        assert page.nonces == [], name
    # JSON-LD is there, as data: no policy applies to it (the browser test shows none is reported).
    assert parts(pages["articles:article"]).data_blocks >= 1


# Reader responses that are data, never a page: the strictest policy, which is also the shortest.
DATA_URLS = {"live:updates"}


def test_reader_policy_is_strict_and_the_same_for_every_request(client, reader_urls, settings):
    for name, url in reader_urls.items():
        first, second = client.get(url), client.get(url)
        header = first[CSP.HEADER_ENFORCE]
        expected = csp.DATA_POLICY if name in DATA_URLS else settings.SECURE_CSP

        assert header == second[CSP.HEADER_ENFORCE] == build_policy(expected), name
        assert "nonce-" not in header and "unsafe" not in header, name
    header = client.get(reader_urls["articles:home"])[CSP.HEADER_ENFORCE]
    policy = parse_policy(header)
    # This site only, unless an origin is configured (below); reports go to /csp-report/.
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == [CSP.SELF]
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == [CSP.NONE]
    assert policy["report-uri"] == [reverse("csp_report")]


def test_a_page_from_the_page_cache_carries_a_policy_allowing_everything_on_it(
    client, page_cache, reader_urls, front_page_with_everything
):
    for name, url in reader_urls.items():
        miss = client.get(url)
        hit = client.get(url)
        assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("MISS", "HIT"), name
        assert hit[CSP.HEADER_ENFORCE] == miss[CSP.HEADER_ENFORCE], name
        if not hit["Content-Type"].startswith("text/html"):
            continue
        policy, page = parse_policy(hit[CSP.HEADER_ENFORCE]), parts(hit)
        assert page.loads, name
        refused = [(directive, src) for directive, src in page.loads if not allows(policy, directive, src)]
        assert refused == [], name
        assert page.inline == [], name


def test_a_kept_page_is_replayed_with_the_header_it_was_rendered_with(client, page_cache, settings):
    """
    The header travels with the body: a hit replays the policy its page was stored with, not
    whatever the middleware would make now (a nonce, a changed policy, would not match the body).
    """
    PublishedArticleFactory()
    stored = client.get("/")[CSP.HEADER_ENFORCE]
    settings.SECURE_CSP = {**settings.SECURE_CSP, "img-src": [CSP.SELF, "https://changed.example"]}

    hit = client.get("/")

    assert hit["X-Page-Cache"] == "HIT"
    assert hit[CSP.HEADER_ENFORCE] == stored
    assert "changed.example" not in hit[CSP.HEADER_ENFORCE]


def test_the_opt_in_notice_and_its_scripts_are_allowed(client, settings):
    settings.NEWSROOM_COOKIE_CONSENT_MODE = "opt-in"
    settings.NEWSROOM_ANALYTICS_SNIPPET = "/static/js/consent.js"

    home = client.get("/")
    page = parts(home)

    assert ("script-src", "/static/js/consent.js") in page.loads
    assert page.inline == []
    assert 'data-scripts-url="/consent/scripts.js"' in home.content.decode()
    assert allows(parse_policy(home[CSP.HEADER_ENFORCE]), "script-src", reverse("consent_scripts"))


# --- The admin, the 500 page ------------------------------------------------------------------------


@pytest.fixture
def desk(client):
    editor = EditorFactory()
    client.force_login(editor)
    story = ArticleFactory(headline="Budget talks")
    PublishedArticleFactory()
    return story


def test_the_admin_alone_allows_inline_styles_and_its_scripts_carry_the_nonce(client, desk):
    addresses = [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[desk.pk]),
        reverse("admin:articles_article_add"),
        reverse("admin:articles_editorspick_changelist"),
        reverse("admin:articles_photo_changelist"),
    ]
    for address in addresses:
        response = client.get(address, follow=True)
        assert response.status_code == 200, address
        policy = parse_policy(response[CSP.HEADER_ENFORCE])

        # CKEditor 5's runtime styles: inline styles, so no nonce for styles (it would cancel them).
        assert policy["style-src"] == [CSP.SELF, CSP.UNSAFE_INLINE], address
        scripts = policy["script-src"]
        assert CSP.UNSAFE_INLINE not in scripts and CSP.UNSAFE_EVAL not in scripts, address
        page = parts(response)
        nonce = next(s.removeprefix("'nonce-").rstrip("'") for s in scripts if s.startswith("'nonce-"))
        inline_scripts = [part for part in page.inline if part.startswith("<script")]
        assert inline_scripts == [f"<script nonce={nonce!r}>"] * len(inline_scripts), address
        assert [part for part in page.inline if " on" in part] == [], address

    reader = client.get(desk.section.get_absolute_url())
    assert CSP.UNSAFE_INLINE not in reader[CSP.HEADER_ENFORCE]


def test_the_admin_login_keeps_the_strict_policy(client):
    response = client.get(reverse("admin:login"))

    assert CSP.UNSAFE_INLINE not in response[CSP.HEADER_ENFORCE]
    assert [part for part in parts(response).inline if not part.startswith("<script nonce='")] == []


def test_the_500_page_styles_carry_the_nonce_of_its_own_header(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "front_page", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    (nonce,) = parts(response).nonces
    assert f"'nonce-{nonce}'" in parse_policy(response[CSP.HEADER_ENFORCE])["style-src"]
    assert "no-store" in response["Cache-Control"]
    assert client.get("/")[CSP.HEADER_ENFORCE] != response[CSP.HEADER_ENFORCE]  # its own, per request


# --- The policy from the settings -------------------------------------------------------------------


def csp_settings(environ):
    return production_values(clean_environ(DEBUG="1", **environ), "SECURE_CSP", "SECURE_CSP_REPORT_ONLY")


def test_extra_origins_and_the_analytics_origin_come_from_the_environment():
    values = csp_settings(
        {
            "NEWSROOM_CSP_FONT_SRC": "https://fonts.example.com",
            "NEWSROOM_CSP_IMG_SRC": "https://img.example.com, https://pixels.example.com",
            "NEWSROOM_ANALYTICS_SNIPPET": "https://stats.example.org/tag.js",
        }
    )
    policy = values["SECURE_CSP"]

    assert policy["font-src"] == [CSP.SELF, "https://fonts.example.com"]
    assert policy["img-src"] == [
        CSP.SELF,
        "https://stats.example.org",
        "https://img.example.com",
        "https://pixels.example.com",
    ]
    # The consented analytics script loads from its origin and sends its beacons there.
    assert policy["script-src"] == [CSP.SELF, "https://stats.example.org", CSP.NONCE]
    assert policy["connect-src"] == [CSP.SELF, "https://stats.example.org"]
    assert policy["style-src"] == [CSP.SELF, CSP.NONCE]
    assert values["SECURE_CSP_REPORT_ONLY"] == {}


def test_report_only_mode_reports_the_same_policy_without_enforcing_it():
    enforced = csp_settings({})
    report_only = csp_settings({"NEWSROOM_CSP_REPORT_ONLY": "1"})

    assert report_only["SECURE_CSP"] == {}
    assert report_only["SECURE_CSP_REPORT_ONLY"] == enforced["SECURE_CSP"] != {}


def test_production_and_development_send_the_same_policy(tmp_path):
    development = csp_settings({})
    production_policy = production_values(production(tmp_path), "SECURE_CSP")

    assert production_policy["SECURE_CSP"] == development["SECURE_CSP"]


def test_in_report_only_mode_the_admin_reports_its_own_policy(client, desk, settings):
    settings.SECURE_CSP_REPORT_ONLY, settings.SECURE_CSP = settings.SECURE_CSP, {}

    admin, reader = client.get(reverse("admin:index")), client.get("/")

    assert CSP.HEADER_ENFORCE not in admin and CSP.HEADER_ENFORCE not in reader
    assert CSP.UNSAFE_INLINE in parse_policy(admin[CSP.HEADER_REPORT_ONLY])["style-src"]
    assert CSP.UNSAFE_INLINE not in reader[CSP.HEADER_REPORT_ONLY]


@pytest.mark.parametrize(
    ("snippet", "script_origin"),
    [
        ("https://stats.example.org/tag.js", "https://stats.example.org"),
        ("//stats.example.org/tag.js", "stats.example.org"),
        ("/static/analytics.js", None),  # this site's own
        ("window.dataLayer = [];", None),  # code, served by /consent/scripts.js from this site
    ],
)
def test_the_analytics_snippet_adds_only_an_origin_of_its_own(snippet, script_origin):
    from consent.config import analytics_script_url

    policy = csp.policy(analytics_script_url=analytics_script_url(snippet))

    expected = [CSP.SELF, script_origin, CSP.NONCE] if script_origin else [CSP.SELF, CSP.NONCE]
    assert policy["script-src"] == expected


def test_absolute_static_and_media_urls_are_allowed_where_they_are_used():
    policy = csp.policy(static_url="https://cdn.example.com/static/", media_url="https://media.example.com/")

    assert policy["script-src"] == [CSP.SELF, "https://cdn.example.com", CSP.NONCE]
    assert policy["style-src"] == [CSP.SELF, "https://cdn.example.com", CSP.NONCE]
    assert policy["img-src"] == [CSP.SELF, "https://cdn.example.com", "https://media.example.com"]
    assert policy["media-src"] == [CSP.SELF, "https://media.example.com"]


def test_an_unknown_directive_for_extra_origins_is_a_clear_error():
    with pytest.raises(ValueError, match="No extra origins for worker-src"):
        csp.policy(extra={"worker-src": ["https://x.example"]})


# --- Violation reports --------------------------------------------------------------------------------

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://news.example.com/search/?q=secret+source#top",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example/x.js?token=abc",
        "line-number": 12,
        "column-number": 3,
        "source-file": "https://news.example.com/static/js/consent.js",
        "status-code": 200,
        "script-sample": "",
    }
}
REPORTING_API_BODY = [
    {
        "age": 10,
        "type": "csp-violation",
        "url": "https://news.example.com/politics/",
        "user_agent": "Mozilla/5.0 Chrome/140",
        "body": {
            "documentURL": "https://news.example.com/politics/",
            "referrer": "https://news.example.com/",
            "blockedURL": "inline",
            "effectiveDirective": "style-src-attr",
            "originalPolicy": "default-src 'self'",
            "sourceFile": "https://news.example.com/politics/",
            "sample": "color: red\nFAKE LOG LINE",
            "disposition": "enforce",
            "statusCode": 200,
            "lineNumber": 40,
            "columnNumber": 7,
        },
    },
    {"age": 1, "type": "deprecation", "url": "https://news.example.com/", "body": {"id": "x"}},
]


def post_report(client, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(reverse("csp_report"), data=data, content_type=content_type, **extra)


@pytest.fixture
def violations(caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.csp")
    return lambda: [record for record in caplog.records if record.name == "newsroom.csp"]


def test_a_report_uri_report_is_logged_as_one_structured_line(violations):
    client = Client(enforce_csrf_checks=True)  # browsers send no token: the endpoint needs none

    response = post_report(client, REPORT_URI_BODY, HTTP_USER_AGENT="Mozilla/5.0 Firefox/140")

    assert response.status_code == 204
    assert "no-store" in response["Cache-Control"]
    (record,) = violations()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["message"] == (
        "CSP violation: script-src-elem blocked https://evil.example/x.js on https://news.example.com/search/"
    )
    # Addresses lose their query strings (search terms, tokens) and fragments.
    assert entry["document_uri"] == "https://news.example.com/search/"
    assert entry["blocked_uri"] == "https://evil.example/x.js"
    assert entry["source_file"] == "https://news.example.com/static/js/consent.js"
    assert (entry["line_number"], entry["column_number"], entry["status_code"]) == (12, 3, 200)
    assert entry["disposition"] == "enforce"
    assert entry["user_agent"] == "Mozilla/5.0 Firefox/140"


def test_reporting_api_reports_are_logged_one_line_per_violation(client, violations):
    response = post_report(client, REPORTING_API_BODY, "application/reports+json")

    assert response.status_code == 204
    (record,) = violations()  # the deprecation report is not a CSP violation
    assert record.effective_directive == "style-src-attr"
    assert record.blocked_uri == "inline"
    assert record.user_agent == "Mozilla/5.0 Chrome/140"
    assert record.sample == "color: redFAKE LOG LINE"  # no control characters reach the log
    assert record.document_uri == "https://news.example.com/politics/"


def test_an_old_browsers_violated_directive_stands_in_for_the_effective_one(client, violations):
    report = {
        "csp-report": {
            "document-uri": "https://news.example.com/",
            "violated-directive": "img-src 'self'",
            "blocked-uri": "https://x.example/p.gif",
        }
    }

    assert post_report(client, report).status_code == 204
    assert violations()[0].effective_directive == "img-src"


def test_a_body_over_the_size_limit_is_refused_unread(client, settings, violations):
    settings.NEWSROOM_CSP_REPORT_MAX_BYTES = 1000
    big = {"csp-report": {**REPORT_URI_BODY["csp-report"], "script-sample": "x" * 2000}}

    response = post_report(client, big)

    assert response.status_code == 413
    assert violations() == []


def test_reports_over_the_rate_limit_are_refused_and_not_logged(client, settings, violations):
    settings.NEWSROOM_CSP_REPORTS_PER_MINUTE = 3

    statuses = [post_report(client, REPORT_URI_BODY).status_code for _ in range(5)]
    other_address = post_report(client, REPORT_URI_BODY, REMOTE_ADDR="192.0.2.7")

    assert statuses == [204, 204, 204, 429, 429]
    assert other_address.status_code == 204
    assert len(violations()) == 4


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("not json", "application/csp-report", 400),
        ({"something": "else"}, "application/csp-report", 400),
        ({"csp-report": "text"}, "application/json", 400),
        ({"not": "a list"}, "application/reports+json", 400),
        (REPORT_URI_BODY, "text/plain", 415),
        ("a=b", "application/x-www-form-urlencoded", 415),
    ],
)
def test_what_is_not_a_report_is_refused_clearly(client, violations, body, content_type, status):
    response = post_report(client, body, content_type)

    assert response.status_code == status
    assert response.content  # says why
    assert violations() == []


def test_the_report_endpoint_takes_only_posts(client):
    response = client.get(reverse("csp_report"))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
