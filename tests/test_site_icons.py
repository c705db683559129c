"""
The site's icons: ``/favicon.ico`` at the root (webroot/, served by whitenoise), and the SVG
favicon, apple-touch icon and web manifest every page links to (static/icons/).
"""

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import RequestFactory
from PIL import Image
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(client):
    return client.get("/").content.decode().split("</head>", 1)[0]


def linked(head, rel):
    """The static path (under /static/) of the ``<link rel=...>`` in the page's head."""
    match = re.search(rf'<link rel="{rel}" href="/static/([^"]+)"', head)
    assert match, f'no <link rel="{rel}"> to a static file'
    return finders.find(match.group(1))


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= icon.info["sizes"]


def test_pages_link_an_svg_favicon_and_an_apple_touch_icon(head):
    with open(linked(head, "icon"), encoding="utf-8") as svg:
        assert svg.read().startswith("<svg ")
    assert Image.open(linked(head, "apple-touch-icon")).size == (180, 180)


def test_web_manifest_names_the_site_and_its_icons_at_their_sizes(head):
    path = linked(head, "manifest")
    with open(path, encoding="utf-8") as file:
        manifest = json.load(file)

    assert manifest["name"] and manifest["short_name"]
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert f'<meta name="theme-color" content="{manifest["theme_color"]}">' in head
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {icon["sizes"] for icon in pngs} >= {"192x192", "512x512"}
    assert any("maskable" in icon["purpose"] for icon in pngs)
    for icon in pngs:
        # Icon addresses are relative to the manifest's own, as browsers resolve them.
        found = finders.find(f"icons/{icon['src']}")
        assert found, icon["src"]
        assert "x".join(map(str, Image.open(found).size)) == icon["sizes"]


def test_web_manifest_is_served_with_its_media_type(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    middleware = WhiteNoiseMiddleware(lambda request: None)

    response = middleware(RequestFactory().get("/static/icons/site.webmanifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
