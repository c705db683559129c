"""
``make screenshots``: the README's pictures of the running demo newsroom (``make run``).

    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000

Home, a section, a story, the demo's live story (when one is running) and the admin's change form
of that story, each at desktop (1366x900) and phone (390x844) size, in Debian's Chromium
(headless, through Playwright), as JPEG (quality 70) under docs/screenshots/. Only the first
screen is taken: it is what a reader judges, and it keeps the files small.

It reads the demo's database with the same settings (environment) as the server, to find the
pages and to sign the admin shot in as the ``editor`` demo account: a session is made for it
directly, so no password is needed.
"""

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
JPEG_QUALITY = 70


def pages():
    """``[(name, path, needs_admin)]`` of the demo's pages, and the names skipped (with why)."""
    from django.urls import reverse

    from articles import selectors

    story = selectors.article_list().filter(lead_photo__isnull=False).first()
    if story is None:
        sys.exit("No published story: load the demo first (make run).")
    shots = [
        ("home", reverse("articles:home"), False),
        ("section", story.section.get_absolute_url(), False),
        ("article", story.get_absolute_url(), False),
    ]
    skipped = []
    live = live_story()
    if live is None:
        skipped.append(("article-live", "no running live story in the demo"))
    else:
        shots.append(("article-live", live.get_absolute_url(), False))
    shots.append(("admin-change-form", reverse("admin:articles_article_change", args=[story.pk]), True))
    return shots, skipped


def live_story():
    """The demo's running live story (``live`` app), if it has one that readers can see."""
    from articles import selectors

    return (
        selectors.article_list()
        .filter(live_coverage__isnull=False, live_coverage__ended_at__isnull=True)
        .first()
    )


def editor_session_cookie():
    """The session cookie of the ``editor`` demo account, made as Django's test client logs in."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="editor"))
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running demo's address")
    arguments = parser.parse_args()
    base_url = arguments.url.rstrip("/")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    shots, skipped = pages()
    cookie_name, cookie_value = editor_session_cookie()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for size, viewport in SIZES.items():
            for name, path, needs_admin in shots:
                context = browser.new_context(viewport=viewport, base_url=base_url)
                if needs_admin:
                    context.add_cookies([{"name": cookie_name, "value": cookie_value, "url": base_url}])
                page = context.new_page()
                response = page.goto(path, wait_until="networkidle")
                if response is None or not response.ok:
                    sys.exit(
                        f"{base_url}{path} answered {response and response.status}: is the demo running?"
                    )
                target = OUTPUT / f"{name}-{size}.jpg"
                page.screenshot(path=target, type="jpeg", quality=JPEG_QUALITY)
                print(f"{target.relative_to(REPO)}  {path}")
                context.close()
        browser.close()
    for name, reason in skipped:
        print(f"skipped {name}: {reason}")


if __name__ == "__main__":
    main()
