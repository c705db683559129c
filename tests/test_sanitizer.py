"""
The rich-text sanitizer (articles/html.py) and every place an article's text reaches a reader.

Each hostile input of ``tests/hostile_html.py`` goes through saving (the ORM and
``revisions.save_edit``), the public page, both feeds, the staff preview, a share link and the
``with_photo_credits`` filter; none may bring a script, an event handler, a javascript:, data: or
vbscript: address, a style, a frame, a form or an image from elsewhere. The allowed markup, on
the other hand, must come through untouched.
"""

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from articles import photos, preview, revisions
from articles.html import ALLOWED_TAGS, clean_html, media_name
from articles.models import Article
from articles.templatetags.photos import with_photo_credits
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)
from tests.hostile_html import HOSTILE_HTML, OWN_IMAGE

pytestmark = pytest.mark.django_db

CORPUS = [pytest.param(markup, id=name) for name, markup in HOSTILE_HTML]

# --- what "dangerous" means -------------------------------------------------------------------------

DANGEROUS_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "svg", "math", "template", "meta", "base", "link", "noscript",
    "xmp", "plaintext", "isindex", "audio", "video", "marquee", "details", "html", "head", "body",
    "title",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "srcset", "action", "formaction", "xlink:href", "data", "background", "poster",
    "ping", "cite", "codebase", "dynsrc", "lowsrc", "content",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
# What a body may hold once shown: the allow-list, and the <picture> our photos become.
BODY_ELEMENTS = ALLOWED_TAGS | {"picture", "source", "span"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]")


def _normalized(url):
    """An address as a browser reads its scheme: unescaped, without whitespace or controls, lower case."""
    return _INVISIBLE.sub("", html.unescape(url)).lower()


def _in_our_media(url):
    """Independent of articles.html: the address starts with MEDIA_URL and climbs nowhere."""
    url = url.strip()
    media_url = settings.MEDIA_URL
    prefix = media_url if urlsplit(media_url).netloc else "/" + media_url.lstrip("/")
    path = urlsplit(url).path
    return (
        url.startswith(prefix)
        and not url.startswith("//")
        and "\\" not in url
        and not re.search(r"/(\.|%2e){1,2}(/|$)", path, re.IGNORECASE)
    )


def _srcset_urls(value):
    return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings = Counter()
        self.elements = set()

    def handle_starttag(self, tag, attrs):
        self.elements.add(tag)
        if tag in DANGEROUS_ELEMENTS:
            self.findings[f"<{tag}> element"] += 1
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.findings[f"<{tag} {name}> event handler"] += 1
            if name in {"style", "srcdoc", "target", "ping"}:
                self.findings[f"<{tag} {name}> attribute"] += 1
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                urls = [value, *_srcset_urls(value)] if name == "srcset" else [value]
                if any(_normalized(url).startswith(DANGEROUS_SCHEMES) for url in urls):
                    self.findings[f"<{tag} {name}={value!r}> dangerous address"] += 1
            if tag in {"img", "source", "image"} and name in {"src", "srcset"}:
                urls = _srcset_urls(value) if name == "srcset" else [value]
                if not all(_in_our_media(url) for url in urls):
                    self.findings[f"<{tag} {name}={value!r}> image from elsewhere"] += 1

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.findings["comment"] += 1

    def handle_decl(self, decl):
        self.findings[f"<!{decl}>"] += 1

    def handle_pi(self, data):
        self.findings["processing instruction"] += 1

    def unknown_decl(self, data):
        self.findings["CDATA or other declaration"] += 1


# Read from the markup itself, not through a parser (html.parser reads some malformed comments
# unlike browsers): in safe output a "<" in text or in an attribute is escaped, so each of these
# is a tag or a comment.
_RAW_OPENINGS = re.compile(rf"<(?:{'|'.join(sorted(DANGEROUS_ELEMENTS))})\b|<!|<\?|--!?>", re.IGNORECASE)


def scan(markup):
    markup = str(markup)
    parser = _Scan()
    parser.feed(markup)
    parser.close()
    for opening in _RAW_OPENINGS.findall(markup):
        parser.findings[f"raw {opening.lower()!r}"] += 1
    return parser


def dangers(markup):
    """What in ``markup`` could run or load something: a Counter of readable findings."""
    return scan(markup).findings


def assert_safe_body(markup):
    """A body as stored or shown: nothing dangerous, nothing outside the allow-list (and <picture>)."""
    found = scan(markup)
    assert not found.findings, markup
    assert found.elements <= BODY_ELEMENTS, markup


def own_photo_body(markup, photo):
    return markup.replace(OWN_IMAGE, photo.image.url)


def hostile_content(article, markup):
    """The desk's content for ``article`` with ``markup`` in every text field."""
    return {
        **revisions.content_of(article),
        "headline": markup[:200],
        "summary": markup[:300],
        "anchor_lead": markup,
        "body": markup,
    }


# The page chrome (the search form, the cookie notice's script, the <head>) has elements a
# body must not: a page is compared with the same page for a harmless story.
_CHROME = {}


def chrome(kind, client):
    if kind not in _CHROME:
        client.logout()
        article = PublishedArticleFactory(slug="harmless-story", summary="A harmless summary.")
        if kind == "public":
            page = client.get(article.get_absolute_url())
        else:
            editor = EditorFactory(username="chrome-editor")
            revision = revisions.save_edit(
                article=article,
                content=revisions.content_of(article),
                user=editor,
                base_version=article.version,
            )
            page = client.get(reverse("articles:shared_preview", args=[_token(article, revision)]))
        assert page.status_code == 200
        _CHROME[kind] = dangers(page.content.decode())
    return _CHROME[kind]


def _token(article, revision):
    return preview.make_share_token(article=article, revision=revision)


def body_of(page):
    """The story's text as the page shows it, or ``None`` when the page shows no text."""
    match = re.search(
        r'<div class="story__body">\s*<p class="story__label">Report:</p>(.*?)</div>', page, re.S
    )
    return match[1] if match else None


def assert_safe_page(response, kind, client, *, body):
    """The page has no more than its chrome has, and shows ``body`` (the stored text) safely."""
    assert response.status_code == 200
    page = response.content.decode()
    assert dangers(page) == chrome(kind, client)
    shown = body_of(page)
    assert (shown is not None) == bool(body)
    assert_safe_body(shown or "")


def assert_safe_feed(response, article):
    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    [item] = [item for item in channel.findall("item") if article.slug in item.findtext("link")]
    for field in ("title", "description", "link", "guid"):
        assert not dangers(item.findtext(field) or ""), field
    assert not dangers(channel.findtext("title")) and not dangers(channel.findtext("description"))


_CLIENT = Client()


@pytest.fixture
def client():
    """
    One test client for the module, its cookies cleared for each test: a new client loads the
    middleware again, and WhiteNoise's indexing of the static files is most of a page test's time.
    """
    _CLIENT.cookies = SimpleCookie()
    return _CLIENT


@pytest.fixture
def photo():
    return PhotoFactory(alt_text="A photo of ours")


# --- the hostile corpus -----------------------------------------------------------------------------


def test_the_corpus_is_large_and_named_once():
    names = [name for name, _ in HOSTILE_HTML]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("markup", CORPUS)
def test_cleaning_leaves_nothing_dangerous(markup):
    cleaned = clean_html(markup)

    assert_safe_body(cleaned)
    assert clean_html(cleaned) == cleaned  # stable: bodies are cleaned again at every save


@pytest.mark.parametrize("markup", CORPUS)
def test_nothing_dangerous_survives_saving(markup, photo):
    markup = own_photo_body(markup, photo)
    article = ArticleFactory(body=markup)
    assert_safe_body(Article.objects.get(pk=article.pk).body)

    revision = revisions.save_edit(
        article=article,
        content={**revisions.content_of(article), "body": markup},
        user=EditorFactory(),
        base_version=article.version,
    )

    revision.refresh_from_db()
    assert_safe_body(revision.content["body"])
    assert_safe_body(Article.objects.get(pk=article.pk).body)


# Control characters (other than tab and newlines) cannot be written in XML 1.0: a headline or
# summary holding one makes the feeds fail (see test_control_characters_do_not_break_the_feeds).
_XML_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@pytest.mark.parametrize("markup", CORPUS)
def test_nothing_dangerous_reaches_the_page_or_the_feeds(client, markup, photo):
    section = SectionFactory(slug="politics")
    text = _XML_UNWRITABLE.sub("", markup)
    article = PublishedArticleFactory(
        section=section,
        headline=text[:200],
        summary=text[:300],
        # Written straight to the row here, so without NUL, which forms refuse and PostgreSQL
        # cannot store (the body keeps it: the sanitizer drops it on save).
        anchor_lead=markup.replace("\x00", ""),
        body=own_photo_body(markup, photo),
    )

    body = Article.objects.get(pk=article.pk).body
    assert_safe_page(client.get(article.get_absolute_url()), "public", client, body=body)
    assert_safe_feed(client.get("/feeds/latest/"), article)
    assert_safe_feed(client.get(f"/feeds/{section.slug}/"), article)


@pytest.mark.parametrize("markup", CORPUS)
def test_nothing_dangerous_reaches_the_previews(client, markup, photo):
    article = ArticleFactory()
    editor = EditorFactory()
    revision = revisions.save_edit(
        article=article,
        content=hostile_content(article, own_photo_body(markup, photo)),
        user=editor,
        base_version=article.version,
    )
    chrome("preview", client)

    client.force_login(editor)
    staff = client.get(reverse("articles:preview", args=[article.pk]))
    client.logout()
    shared = client.get(reverse("articles:shared_preview", args=[_token(article, revision)]))

    assert_safe_page(shared, "preview", client, body=revision.content["body"])
    assert_safe_page(staff, "preview", client, body=revision.content["body"])


@pytest.mark.parametrize("markup", CORPUS)
def test_photo_credits_keep_the_body_safe(markup, photo):
    body = clean_html(own_photo_body(markup, photo))

    shown = with_photo_credits(body)

    assert_safe_body(shown)
    # Our photos, and only the <img> tags of them (not text inside an attribute), got a credit.
    ours = [src for src in re.findall(r'<img [^>]*src="([^"]*)"', body) if src == photo.image.url]
    assert shown.count('<span class="credit">') == len(ours)


def test_control_characters_do_not_break_the_feeds(client):
    # (NUL itself never reaches the database: forms refuse it and PostgreSQL cannot store it.)
    PublishedArticleFactory(headline="Vertical\x0btab", summary="Unit\x1fseparator")

    response = client.get("/feeds/latest/")

    assert response.status_code == 200
    assert "<title>Verticaltab</title>" in response.content.decode()


def test_a_live_storys_pending_edit_is_stored_clean(client):
    editor = EditorFactory()
    article = PublishedArticleFactory()
    everything = "".join(markup for _, markup in HOSTILE_HTML if "plaintext" not in markup)

    revision = revisions.save_edit(
        article=article,
        content={**revisions.content_of(article), "body": everything},
        user=editor,
        base_version=article.version,
    )

    article.refresh_from_db()
    assert article.has_unpublished_changes  # only the revision holds the edit
    assert revision.content["body"] == clean_html(everything)
    assert_safe_body(revision.content["body"])
    client.force_login(editor)
    staff = client.get(reverse("articles:preview", args=[article.pk]))
    assert_safe_page(staff, "preview", client, body=revision.content["body"])


def test_the_checks_themselves_see_what_they_look_for():
    assert dangers('<a href="&#106;ava&#x09;script:x">') and dangers("<p onclick=x>")
    assert dangers('<img src="https://evil.example/x.jpg">') and dangers('<img src="/media/../x">')
    assert dangers("<svg></svg>") and dangers('<p style="x">') and dangers('<img srcset="data:x 1x">')
    assert not dangers(f'<img src="{OWN_IMAGE}"><a href="https://example.com/">x</a>')


# --- what is allowed comes through --------------------------------------------------------------------

ALLOWED = (
    "<h2>Heading 2</h2><h3>Heading 3</h3><h4>Heading 4</h4>"
    "<p>A <strong>strong</strong> and <em>emphasised</em> word, <b>bold</b>, <i>italic</i>,<br>a break.</p>"
    "<ul><li>One</li><li>Two</li></ul><ol><li>First</li></ol>"
    "<blockquote><p>A quotation.</p></blockquote>"
    f'<figure><img src="{OWN_IMAGE}" alt="A crowd" width="640" height="480">'
    "<figcaption>The square at noon.</figcaption></figure>"
    '<p><a href="/politics/" title="Politics">Our section</a>, '
    '<a href="https://example.com/report" rel="noopener">a report</a>, '
    '<a href="http://example.org/" rel="noopener">another</a> and '
    '<a href="mailto:desk@example.com" rel="noopener">the desk</a>.</p>'
)


def test_allowed_markup_survives_as_it_is():
    assert clean_html(ALLOWED) == ALLOWED


def test_allowed_markup_survives_saving_and_the_page(client, photo):
    body = own_photo_body(ALLOWED, photo)
    article = PublishedArticleFactory(body=body)

    assert Article.objects.get(pk=article.pk).body == body
    page = client.get(article.get_absolute_url()).content.decode()
    for fragment in ["<h2>Heading 2</h2>", "<strong>strong</strong>", "<blockquote><p>A quotation.</p>"]:
        assert fragment in page
    assert '<a href="https://example.com/report" rel="noopener">a report</a>' in page
    assert "The square at noon." in page and "Photo : " in page


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<h1>Title</h1>", "Title"),
        ("<h5>Small</h5>", "Small"),
        ('<div class="x"><span style="color:red">Text</span></div>', "Text"),
        ('<p class="lead" id="top" data-x="1">Text</p>', "<p>Text</p>"),
        ("<table><tr><td>Cell</td></tr></table>", "Cell"),
        ("<p>a &lt;b&gt; &amp; c</p>", "<p>a &lt;b&gt; &amp; c</p>"),
    ],
)
def test_other_markup_is_unwrapped_to_its_text(markup, expected):
    assert clean_html(markup) == expected


@pytest.fixture
def our_hosts(settings):
    settings.ALLOWED_HOSTS = ["news.example.com", ".example.net", "*"]


@pytest.mark.parametrize(
    ("href", "rel"),
    [
        ("/politics/2025/04/01/story/", None),
        ("story/", None),
        ("#section", None),
        ("?page=2", None),
        ("https://news.example.com/politics/", None),
        ("http://news.example.com/", None),
        ("https://example.net/", None),
        ("https://example.com/", "noopener"),
        ("http://evil.example/", "noopener"),
        ("https://news.example.com.evil.example/", "noopener"),
        ("https://news.example.com@evil.example/", "noopener"),
        ("//evil.example/", "noopener"),
        ("/\\evil.example/", "noopener"),
        ("mailto:desk@example.com", "noopener"),
    ],
)
def test_only_links_that_leave_the_site_get_noopener(our_hosts, href, rel):
    [link] = re.findall(r"<a [^>]*>", clean_html(f'<a href="{html.escape(href)}" rel="opener">x</a>'))
    assert re.findall(r'\srel="([^"]*)"', link) == ([rel] if rel else [])


def test_a_link_whose_address_was_dropped_still_gets_noopener():
    # Only links known to stay on our site go without it.
    assert clean_html('<a href="javascript:x()" title="a &quot; href=&quot;/x">x</a>') == (
        '<a title="a &quot; href=&quot;/x" rel="noopener">x</a>'
    )


@pytest.mark.parametrize(
    ("src", "kept"),
    [
        ("/media/photos/2025/04/a.jpg", True),
        ("/media/photos/2025/04/a%20b.jpg?v=2", True),
        ("https://cdn.example.com/media/photos/a.jpg", False),
        ("media/photos/a.jpg", False),
        ("/static/logo.png", False),
        ("/media/", False),
        ("/media/photos/../../admin/", False),
        ("/media/photos/%2E%2E/secret.jpg", False),
        ("/media//evil.example/a.jpg", False),
        ("/media/photos\\..\\a.jpg", False),
        ("//evil.example/media/a.jpg", False),
        ("https://evil.example/media/a.jpg", False),
    ],
)
def test_images_only_from_our_media(src, kept):
    cleaned = clean_html(f'<img src="{html.escape(src)}" alt="x">')
    assert cleaned == (f'<img src="{html.escape(src)}" alt="x">' if kept else '<img alt="x">')


@pytest.fixture
def media_on_a_cdn(settings):
    settings.MEDIA_URL = "https://cdn.example.com/media/"


@pytest.mark.parametrize(
    ("src", "name"),
    [
        ("https://cdn.example.com/media/photos/a.jpg", "photos/a.jpg"),
        ("https://CDN.example.com/media/photos/a%20b.jpg", "photos/a b.jpg"),
        ("/media/photos/a.jpg", None),
        ("http://cdn.example.com/media/photos/a.jpg", None),
        ("//cdn.example.com/media/photos/a.jpg", None),
        ("https://cdn.example.com/other/a.jpg", None),
        ("https://cdn.example.com.evil.example/media/a.jpg", None),
        ("https://cdn.example.com@evil.example/media/a.jpg", None),
        ("https://cdn.example.com:8443/media/a.jpg", None),
    ],
)
def test_media_on_another_host(media_on_a_cdn, src, name):
    assert media_name(src) == name
    assert ("src=" in clean_html(f'<img src="{src}">')) == (name is not None)


def test_photos_and_the_sanitizer_share_one_rule_for_our_media(media_on_a_cdn):
    assert photos.media_name is media_name
    body = clean_html('<figure><img src="https://cdn.example.com/media/photos/a.jpg" alt="x"></figure>')
    assert photos.photo_names_in_body(body) == ["photos/a.jpg"]


def test_attribute_values_never_hold_angle_brackets():
    # with_photo_credits reads tags from the stored text with a regular expression: that is
    # sound only while every "<" in it starts a tag.
    cleaned = clean_html(
        f'<a href="/x?a=<b>" title="<figure><img src={OWN_IMAGE}>">x</a>'
        f'<img src="{OWN_IMAGE}" alt=\'</figcaption>"\'>'
    )
    assert cleaned.count("<") == 3 and cleaned.count(">") == 3


def test_body_with_nothing_allowed_is_empty():
    assert clean_html("<script>alert(1)</script><style>p{}</style><!-- x -->") == ""
    assert clean_html("") == "" and clean_html(None) == ""
