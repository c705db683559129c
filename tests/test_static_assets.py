"""
Static assets: hashed, compressed and cached for ever in production (whitenoise), and an article
page that weighs under 50 KB compressed, HTML + CSS + JS, photos aside.
"""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.factories import AuthorFactory, PhotoFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 50 * 1024


def test_article_page_weighs_under_50_kb_compressed(client):
    section = SectionFactory()
    others = [PublishedArticleFactory(section=section, lead_photo=PhotoFactory()) for _ in range(6)]
    story = PublishedArticleFactory(
        section=section,
        lead_photo=PhotoFactory(),
        authors=[AuthorFactory()],
        body="<p>" + "A long report about the harbour. " * 150 + "</p>",
        related_articles=others[:3],
    )

    html = client.get(story.get_absolute_url()).content
    # The stylesheets, the scripts and the header's logo (an SVG: drawn, not a photo).
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js|svg))"', html)
    assert {b"css/site.css", b"js/reader.js", b"img/logo.svg"} <= set(assets)
    sizes = {"html": len(gzip.compress(html))}
    for asset in assets:
        with open(finders.find(asset.decode()), "rb") as file:
            sizes[asset.decode()] = len(gzip.compress(file.read()))
    # The consent app's private stylesheet, which every page links too.
    sizes["consent state"] = len(gzip.compress(client.get("/consent/state.css").content))

    assert sum(sizes.values()) < PAGE_BUDGET, sizes


def test_production_static_files_are_hashed_compressed_and_cached_for_ever(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.DEBUG = False
    call_command("collectstatic", interactive=False, verbosity=0)

    hashed = next((tmp_path / "static" / "css").glob("site.*.css"))
    assert (hashed.parent / (hashed.name + ".gz")).exists()
    middleware = WhiteNoiseMiddleware(lambda request: None)
    request = RequestFactory().get(f"/static/css/{hashed.name}", HTTP_ACCEPT_ENCODING="gzip")
    response = middleware(request)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
