"""
Every public URL pattern answers anonymous readers with shared-cache friendly headers: no
Set-Cookie, no Vary: Cookie (the cookie notice included), Cache-Control public with s-maxage.
Per-reader and staff addresses answer private, no-store. A new URL pattern must be listed here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles import preview, revisions
from articles.models import Topic
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PublishedArticleFactory,
    SectionFactory,
)
from tests.live_support import live_story

pytestmark = pytest.mark.django_db

PRIVATE = {
    "consent",  # POST only; sets the reader's own cookie
    "consent_state_css",
    "consent_scripts",
    "photo_editor_upload",
    "articles:preview",
    "articles:shared_preview",
    "healthz",  # the load balancer's probes: no-store (tests/test_ops.py)
    "readyz",
    "csp_report",  # POST only, no-store: browsers' violation reports (tests/test_csp.py)
    "live:post",  # a redirect to the post's place in its story's stream, which moves as posts come
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


@pytest.fixture
def public_urls():
    section = SectionFactory(slug="politics")
    author = AuthorFactory(slug="mira-okafor")
    story = PublishedArticleFactory(section=section, authors=[author], headline="Budget passes")
    story.topics.add(Topic.objects.create(name="Budget", slug="budget"))
    coverage, _, _ = live_story(posts=1, section=section)
    written = story.written_at
    from django.utils import timezone

    local = timezone.localtime(written)
    return {
        "articles:home": reverse("articles:home"),
        "articles:section": section.get_absolute_url(),
        "articles:article": story.get_absolute_url(),
        "articles:author": author.get_absolute_url(),
        "articles:archive_year": reverse("articles:archive_year", args=[local.year]),
        "articles:archive_month": reverse("articles:archive_month", args=[local.year, local.month]),
        "articles:archive_day": reverse("articles:archive_day", args=[local.year, local.month, local.day]),
        "articles:search": reverse("articles:search") + "?q=budget",
        "articles:feed_latest": reverse("articles:feed_latest"),
        "articles:feed_section": reverse("articles:feed_section", args=["politics"]),
        "articles:feed_latest_atom": reverse("articles:feed_latest_atom"),
        "articles:feed_section_atom": reverse("articles:feed_section_atom", args=["politics"]),
        "articles:feed_author": reverse("articles:feed_author", args=["mira-okafor"]),
        "articles:feed_author_atom": reverse("articles:feed_author_atom", args=["mira-okafor"]),
        "articles:feed_section_podcast": reverse("articles:feed_section_podcast", args=["politics"]),
        "articles:topic": reverse("articles:topic", args=["budget"]),
        "articles:feed_topic": reverse("articles:feed_topic", args=["budget"]),
        "articles:feed_topic_atom": reverse("articles:feed_topic_atom", args=["budget"]),
        "live:updates": reverse("live:updates", args=[coverage.article_id]),
        "live:feed": reverse("live:feed", args=[coverage.article_id]),
        "sitemap_index": reverse("sitemap_index"),
        "sitemap": reverse("sitemap", args=["articles"]),
        "sitemap_news": reverse("sitemap_news"),
        "robots_txt": reverse("robots_txt"),
        "cookie_policy": reverse("cookie_policy"),
    }


def test_every_url_pattern_is_checked_here(public_urls):
    assert set(url_names()) == set(public_urls) | PRIVATE


@pytest.mark.parametrize("consent_cookie", [None, "v1:closed"])
@pytest.mark.parametrize("cache_on", [False, True])
def test_public_pages_are_shared_cache_friendly(client, public_urls, settings, consent_cookie, cache_on):
    if cache_on:
        settings.NEWSROOM_PAGE_CACHE_TTL = 300
    if consent_cookie:
        client.cookies[settings.NEWSROOM_COOKIE_CONSENT_NAME] = consent_cookie
    for name, url in public_urls.items():
        for attempt in ("first", "second"):  # a miss, then (with the cache on) a hit
            response = client.get(url)
            assert response.status_code == 200, (name, attempt)
            assert not response.cookies, (name, attempt, response.cookies)
            assert "cookie" not in response.get("Vary", "").lower(), (name, attempt)
            directives = {d.strip() for d in response["Cache-Control"].split(",")}
            assert "public" in directives and "s-maxage=1" in directives, (name, attempt, directives)
            assert "ETag" in response and "Last-Modified" in response, name


def test_private_addresses_are_never_stored_by_shared_caches(client):
    editor = EditorFactory()
    draft = ArticleFactory()
    revisions.save_edit(
        article=draft, user=editor, base_version=draft.version, content=revisions.content_of(draft)
    )
    draft.refresh_from_db()
    token = preview.make_share_token(article=draft, revision=draft.latest_revision)

    responses = {
        "state.css": client.get(reverse("consent_state_css")),
        "scripts.js": client.get(reverse("consent_scripts")),
        "shared preview": client.get(reverse("articles:shared_preview", args=[token])),
    }
    client.force_login(editor)
    responses["staff preview"] = client.get(reverse("articles:preview", args=[draft.pk]))
    responses["admin"] = client.get(reverse("admin:index"))

    for name, response in responses.items():
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert "private" in directives and "no-store" in directives, (name, directives)
        assert "public" not in directives, name
