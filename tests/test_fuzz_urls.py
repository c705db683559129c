"""
Hostile input on every public address (issue 14, part 8): whatever the path, query string or
headers, a reader gets a page or a clean 4xx, never a 500.

The routes are read from the resolver, so a new reader route is fuzzed without being listed
here; a route whose converter or declared query parameter has no strategy fails
``test_every_public_route_can_be_fuzzed``. The admin (its own fuzzing: test_fuzz_admin.py) and
the benchmark's routes are left out.

Each request is sent with Django's test client, which raises the view's exception for a 500: the
traceback is the report. Found failures stay as explicit ``@example``s.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import example, given
from hypothesis import strategies as st

from articles import preview
from articles.models import Topic
from articles.urls import FourDigitYearConverter, TwoDigitConverter
from pagecache.declare import declared_params
from tests.factories import AuthorFactory, PublishedArticleFactory, SectionFactory
from tests.hostile_input import (
    FUZZ,
    any_text,
    encoded,
    header_value,
    hostile_number,
    hostile_text,
    query_string,
)
from tests.live_support import live_story

pytestmark = pytest.mark.django_db

SKIPPED_NAMESPACES = {"admin"}
SKIPPED_MODULES = ("bench.",)  # installed only for `make bench`; the product never routes it

_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    name: str
    route: str  # "archive/<yyyy:year>/", the whole path after the root
    converters: dict
    view: object

    def __str__(self):
        return self.name


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner not in SKIPPED_NAMESPACES:
                yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            continue
        if pattern.callback.__module__.startswith(SKIPPED_MODULES):
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        converters = getattr(pattern.pattern, "converters", None)
        yield Route(name, prefix + str(pattern.pattern), converters, pattern.callback)


def public_routes():
    return list(_walk(get_resolver().url_patterns))


ROUTES = public_routes()


# --- what each piece of an address may hold --------------------------------------------------


def _shaped(converter):
    """Values the converter's own pattern accepts, valid or not for the site."""
    return st.from_regex(f"(?:{converter.regex})", fullmatch=True).filter(lambda v: len(v) < 300)


CONVERTER_STRATEGIES = {
    IntConverter: lambda c: st.one_of(_shaped(c), hostile_number()),
    SlugConverter: lambda c: st.one_of(_shaped(c), hostile_text()),
    StringConverter: lambda c: st.one_of(_shaped(c), hostile_text()),
    PathConverter: lambda c: st.one_of(_shaped(c), hostile_text(), st.just("a/../../b")),
    FourDigitYearConverter: lambda c: st.one_of(
        _shaped(c), st.sampled_from(["0000", "0001", "1900", "9998", "9999"]), hostile_number()
    ),
    TwoDigitConverter: lambda c: st.one_of(
        _shaped(c), st.sampled_from(["00", "01", "12", "13", "28", "29", "31", "32"]), hostile_number()
    ),
}

dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "0000-01-01", "9999-12-31", "10000-01-01", "2024-02-30", "2024-1-1"]),
    hostile_text(),
)
page_numbers = st.one_of(
    st.sampled_from(["1", "2", "last", "0", "01", "-1"]), hostile_number(), hostile_text()
)

# The query parameters the reader views declare (pagecache.uses_params), by name.
PARAM_STRATEGIES = {
    "page": page_numbers,
    "p": page_numbers,  # the sitemaps' page
    "q": st.one_of(
        st.sampled_from(
            ['"unclosed', "OR", "-", "- -x", "a OR OR b", "NEAR(a b)", "a* ^b", 'x" OR "y', "AND NOT"]
        ),
        hostile_text(300),
    ),
    "section": hostile_text(),  # real slugs are added per dataset
    "from": dates,
    "to": dates,
}

junk_params = st.lists(st.tuples(any_text(12), hostile_text()), max_size=3)


# --- the headers a reader's browser (or an attacker) may send -----------------------------------

consent_cookies = st.one_of(
    st.sampled_from(
        ["v1:closed", "v1:seen", "v0:accepted", "v99999999999999999999:closed", "v1:", "v1:" + "a" * 5000]
    ),
    hostile_text(),
)
session_ids = st.one_of(
    st.sampled_from(['"abc\\000defghij"', "x" * 5000, "short", "", '"\\377\\376 sessionkey"']),
    st.from_regex(r"[a-z0-9]{32}", fullmatch=True),
    hostile_text(),
)


@st.composite
def cookie_headers(draw):
    cookies = []
    if draw(st.booleans()):
        cookies.append(f"{settings.NEWSROOM_COOKIE_CONSENT_NAME}={draw(consent_cookies)}")
    if draw(st.booleans()):
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={draw(session_ids)}")
    if draw(st.booleans()):
        cookies.append(f"{settings.CSRF_COOKIE_NAME}={draw(hostile_text())}")
    if draw(st.booleans()):
        cookies.append(draw(st.sampled_from(["=;;==", "a", '"', "a=b=c", "$Version=1; x=y"])))
    return "; ".join(cookies)


def allowed_hosts():
    return [host for host in settings.ALLOWED_HOSTS if host not in ("*",) and not host.startswith(".")]


@st.composite
def host_headers(draw):
    host = draw(st.sampled_from(allowed_hosts() or ["testserver"]))
    port = draw(
        st.one_of(st.just(""), st.integers(0, 10**20).map(str), st.sampled_from(["0080", "00000", "65536"]))
    )
    return f"{host.upper() if draw(st.booleans()) else host}{':' + port if draw(st.booleans()) else ''}"


HEADER_STRATEGIES = {
    "Accept-Encoding": st.one_of(
        st.sampled_from(
            [
                "gzip;q=nan, br;q=1e400",
                "*;q=-1",
                "br;q=",
                ";;,,;q=1",
                "identity;q=0, *;q=0",
                "x-gzip",
                "br" * 3000,
            ]
        ),
        hostile_text(),
    ),
    "If-None-Match": st.one_of(st.sampled_from(['"', "*", 'W/"x", "y', 'W/"', '"' * 1000]), hostile_text()),
    "If-Modified-Since": st.one_of(
        st.sampled_from(["Sat, 29 Oct 1994 19:43:31 GMT", "Mon, 01 Jan 10000 00:00:00 GMT", "-1"]),
        hostile_text(),
    ),
    "Cookie": cookie_headers(),
    "Host": host_headers(),
    "Accept": st.one_of(
        st.sampled_from(["application/json", "*/*;q=nan", "text/html;level=x"]), hostile_text()
    ),
    "Accept-Language": st.one_of(
        st.sampled_from(["*", "ko-KR,ko;q=0.9", "x" * 5000, "zh-Hant-TW;q=2"]), hostile_text()
    ),
    "X-Request-ID": hostile_text(),
    "Range": st.sampled_from(["bytes=0-0", "bytes=-1", "bytes=99999999999999999999-"]),
    "Referer": hostile_text(),
    "User-Agent": hostile_text(),
}


@st.composite
def hostile_headers(draw):
    names = draw(st.lists(st.sampled_from(sorted(HEADER_STRATEGIES)), unique=True, max_size=4))
    return {name: header_value(draw(HEADER_STRATEGIES[name])) for name in names}


# --- a small newsroom, so that real addresses resolve too ----------------------------------


@pytest.fixture
def newsroom():
    """Two sections, an author, three published stories: every route has a real address."""
    politics, sport = SectionFactory(slug="politics"), SectionFactory(slug="sport")
    author = AuthorFactory(slug="kim-reporter")
    # Just after midnight in the site's time zone: the previous day in UTC.
    written = timezone.make_aware(datetime(2024, 2, 29, 0, 30))
    stories = [
        PublishedArticleFactory(section=politics, authors=[author], written_at=written),
        PublishedArticleFactory(section=sport, headline="Ünïcode 경기 😀", slug="unicode-story"),
        PublishedArticleFactory(section=sport),
    ]
    story = stories[0]
    token = preview.make_share_token(article=story, revision=story.latest_revision)
    coverage, [post], _ = live_story(posts=1, section=sport)
    stories[0].topics.add(Topic.objects.create(name="Elections", slug="elections"))
    paths = [
        "/",
        *(s.get_absolute_url() for s in stories),
        "/politics/",
        "/authors/kim-reporter/",
        "/archive/2024/",
        "/archive/2024/02/",
        "/archive/2024/02/29/",
        "/search/",
        "/feeds/latest/",
        "/feeds/latest/atom/",
        "/feeds/authors/kim-reporter/",
        "/feeds/authors/kim-reporter/atom/",
        "/feeds/sport/",
        "/feeds/sport/atom/",
        "/feeds/sport/podcast/",
        "/topics/elections/",
        "/feeds/topics/elections/",
        "/feeds/topics/elections/atom/",
        f"/preview/{story.pk}/",
        f"/preview/shared/{token}/",
        "/sitemap-articles.xml",
        f"/live-updates/{coverage.article_id}/",
        f"/live-updates/{coverage.article_id}/feed/",
        f"/live-updates/posts/{post.pk}/",
    ]
    # A route without path values has one address: itself.
    paths += ["/" + route.route for route in ROUTES if not route.converters]
    real = {}
    for path in paths:
        match = resolve(path)
        real.setdefault(match.view_name, []).append(_raw_kwargs(match))
    return {"real": real, "sections": ["politics", "sport"]}


def _raw_kwargs(match):
    """A resolved address's path values as they were written in it."""
    pattern_converters = {}
    for route in ROUTES:
        if route.name == match.view_name:
            pattern_converters = route.converters or {}
    return {
        name: pattern_converters[name].to_url(value)
        for name, value in match.kwargs.items()
        if name in pattern_converters
    }


# --- the requests ---------------------------------------------------------------------------


@st.composite
def requests_for(draw, route, newsroom):
    """A path, query string and headers for ``route``: real, converter-shaped or hostile pieces."""
    real = newsroom["real"].get(route.name, [{}])
    base = draw(st.sampled_from(real))
    all_real = draw(st.booleans())  # else each piece is drawn on its own: half-valid addresses
    path = "/"
    last = 0
    for piece in _PARAMETER.finditer(route.route):
        path += route.route[last : piece.start()]
        name = piece["name"]
        converter = route.converters[name]
        real_piece = name in base and (all_real or draw(st.booleans()))
        value = base[name] if real_piece else draw(_converter_strategy(converter))
        path += encoded(value, safe=draw(st.sampled_from(["", "%", "/"])))
        last = piece.end()
    path += route.route[last:]

    params = []
    for name in declared_params(route.view) or ():
        if draw(st.booleans()):
            values = PARAM_STRATEGIES[name]
            if name == "section":
                values = st.one_of(st.sampled_from(newsroom["sections"]), values)
            params.extend((name, v) for v in draw(st.lists(values, min_size=1, max_size=2)))
    params += draw(junk_params)
    query = query_string(params, safe=draw(st.sampled_from(["", "%+"])))
    method = draw(st.sampled_from(["get", "get", "head"]))
    return method, path + (f"?{query}" if query else ""), draw(hostile_headers())


def _converter_strategy(converter):
    for kind in type(converter).__mro__:
        if kind in CONVERTER_STRATEGIES:
            return CONVERTER_STRATEGIES[kind](converter)
    raise LookupError(f"No fuzzing strategy for the path converter {type(converter).__name__}")


TRACEBACK_SIGNS = (b"Traceback (most recent call last)", b'id="traceback"', b"Exception Value:")


def assert_clean_answer(response, request):
    """Never a 500; an error is a page of the site (or a short plain answer), never a traceback."""
    assert response.status_code < 500, request
    body = b"" if getattr(response, "streaming", False) else response.content
    assert not any(sign in body for sign in TRACEBACK_SIGNS), request
    html = response.get("Content-Type", "").startswith("text/html")
    # A 404 or 410 is the site's own error page (unless sent compressed, or a HEAD without body).
    if response.status_code in (404, 410) and html and body and not response.get("Content-Encoding"):
        assert b'class="error-page"' in body, request


def send(client, request):
    method, path, headers = request
    return getattr(client, method)(path, headers=headers)


# --- the tests ------------------------------------------------------------------------------


def test_every_public_route_can_be_fuzzed(newsroom):
    """A new route brings its converters and parameters here, and a real address in the dataset."""
    assert {"articles:article", "articles:search", "sitemap", "consent"} <= {r.name for r in ROUTES}
    for route in ROUTES:
        assert route.converters is not None, f"{route}: a regex route; give it a strategy"
        for converter in route.converters.values():
            _converter_strategy(converter)
        missing = set(declared_params(route.view) or ()) - set(PARAM_STRATEGIES)
        assert not missing, f"{route} reads {missing}: add them to PARAM_STRATEGIES"
        assert route.name in newsroom["real"], f"{route}: add one of its real addresses to the dataset"


@pytest.mark.parametrize("route", ROUTES, ids=str)
@FUZZ
@given(data=st.data())
def test_hostile_requests_never_get_a_500(client, newsroom, route, data):
    request = data.draw(requests_for(route, newsroom), label="request")
    assert_clean_answer(send(client, request), request)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name.startswith("articles:")], ids=str)
@FUZZ
@given(data=st.data())
def test_hostile_requests_through_the_page_cache(client, page_cache, newsroom, route, data):
    """The same again with the page cache on: keys, narrowed query strings, codings, stored pages."""
    request = data.draw(requests_for(route, newsroom), label="request")
    first = send(client, request)
    assert_clean_answer(first, request)
    assert_clean_answer(send(client, request), request)  # a hit, when the first was kept


@FUZZ
@given(
    path=st.one_of(hostile_text(), any_text(200)),
    query=st.one_of(st.just(""), hostile_text()),
    headers=hostile_headers(),
)
# Found: Django's day archive computes the next day, which 9999-12-31 does not have (articles.urls).
@example(path="archive/9999/12/31/", query="", headers={})
@example(path="archive/0001/01/01/", query="", headers={})
# Found: a session cookie's octal escape makes a NUL, which PostgreSQL refuses (accounts.sessions).
@example(path="politics/", query="", headers={"Cookie": 'sessionid="abcdefgh\\000ijklmnop"'})
def test_any_path_at_all_is_answered(client, newsroom, path, query, headers):
    """Paths that match no route or half of one, and raw (unencoded) characters in them."""
    request = (
        "get",
        "/" + encoded(path, safe="/%") + ("?" + encoded(query, safe="=&%") if query else ""),
        headers,
    )
    assert_clean_answer(send(client, request), request)


# --- the one form a reader posts: the cookie notice ---------------------------------------------


@st.composite
def consent_posts(draw):
    fields = []
    if draw(st.booleans()):
        fields.append(
            (
                "choice",
                draw(st.one_of(st.sampled_from(["close", "accept", "reject", "seen"]), hostile_text())),
            )
        )
    if draw(st.booleans()):
        next_urls = st.sampled_from(
            ["/politics/", "//evil.example/", "https://evil.example/", "/\\\\evil", "javascript:x"]
        )
        fields.append(("next", draw(st.one_of(next_urls, hostile_text()))))
    fields += draw(junk_params)
    body = query_string(fields, safe=draw(st.sampled_from(["", "%+"]))).encode("ascii")
    content_type = draw(
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=koi8-r",
                "application/x-www-form-urlencoded; charset=no-such-codec",
                "multipart/form-data; boundary=",
                "multipart/form-data",
                "text/plain",
            ]
        )
    )
    headers = draw(hostile_headers())
    origins = st.sampled_from(
        ["http://testserver", "null", "http://evil.example", "http://[", "http://testserver:99999"]
    )
    for name, values in [
        ("Origin", st.one_of(origins, hostile_text())),
        ("Sec-Fetch-Site", st.sampled_from(["same-origin", "cross-site", "none", ""])),
        ("Accept", st.sampled_from(["application/json", "text/html", "*/*"])),
    ]:
        if draw(st.booleans()):
            headers[name] = header_value(draw(values))
    return body, content_type, headers


@FUZZ
@given(post=consent_posts())
@example(post=(b"choice=close&next=%2F%2Fevil.example%2F", "application/x-www-form-urlencoded", {}))
@example(post=(b"choice=close", "application/x-www-form-urlencoded; charset=no-such-codec", {}))
def test_hostile_consent_posts_get_a_clean_answer(client, post):
    body, content_type, headers = post
    # generic(): post() would re-encode the body in the charset the header names.
    response = client.generic("POST", "/consent/", body, content_type=content_type, headers=headers)
    assert_clean_answer(response, post)
    if response.status_code == 303:  # back to a page of this site, never elsewhere
        assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"}), post
