"""
The breaking-news banner on reader pages ({% breaking_news %} in base.html): where it shows, and
that a page kept by the page cache shows a banner as soon as it is saved and drops it at its
expiry, with no command run.
"""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from banners import services
from banners.models import Banner
from pagecache import keys
from tests.checkers import html_errors
from tests.factories import BannerFactory, EditorFactory, PublishedArticleFactory, SectionFactory
from tests.pagecache.support import remaining_ttl

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    politics = SectionFactory(name="Politics", slug="politics")
    economy = SectionFactory(name="Economy", slug="economy")
    return {
        "politics": politics,
        "economy": economy,
        "story": PublishedArticleFactory(section=politics, headline="Budget passes"),
        "elsewhere": PublishedArticleFactory(section=economy, headline="Markets open"),
        "editor": EditorFactory(),
    }


def region(client, url):
    """The banner region of ``url`` as a reader gets it ("" without one)."""
    html = client.get(url).content.decode()
    start = html.find('<section class="breaking-news"')
    return "" if start < 0 else html[start : html.index("</section>", start)]


def hit(client, url):
    return client.get(url)["X-Page-Cache"] == "HIT"


def set_banner(editor, story, *, section=None, text="Polls close", starts_at=None, expires_at=None):
    now = timezone.now()
    banner = Banner(
        text=text,
        article=story,
        section=section,
        starts_at=starts_at or now - timedelta(seconds=1),
        expires_at=expires_at or now + timedelta(hours=1),
    )
    return services.banner_save(user=editor, banner=banner)


# --- where it shows ------------------------------------------------------------------------------


def test_a_site_wide_banner_is_a_named_region_linking_to_its_story(client, newsroom):
    BannerFactory(text="Polls close", article=newsroom["story"])

    shown = region(client, "/")

    assert 'aria-labelledby="breaking-news-label"' in shown
    assert (
        f'<a class="breaking-news__link" href="{newsroom["story"].get_absolute_url()}">Polls close</a>'
        in shown
    )
    for url in [newsroom["elsewhere"].get_absolute_url(), "/economy/", reverse("articles:search")]:
        assert "Polls close" in region(client, url)


def test_a_section_banner_shows_on_its_pages_and_stories_only(client, newsroom):
    BannerFactory(text="Vote tonight", article=newsroom["story"], section=newsroom["politics"])

    assert "Vote tonight" in region(client, "/politics/")
    assert "Vote tonight" in region(client, newsroom["story"].get_absolute_url())
    assert region(client, "/economy/") == ""
    assert region(client, newsroom["elsewhere"].get_absolute_url()) == ""
    assert region(client, "/") == ""


def test_a_section_page_shows_the_site_wide_banner_first(client, newsroom):
    BannerFactory(text="Section news", article=newsroom["story"], section=newsroom["politics"])
    BannerFactory(text="Site news", article=newsroom["elsewhere"])

    shown = region(client, "/politics/")

    assert shown.index("Site news") < shown.index("Section news")


def test_no_banner_no_region(client, newsroom):
    assert "breaking-news" not in client.get("/").content.decode()


def test_a_banner_whose_story_is_not_published_is_not_shown(client, newsroom):
    BannerFactory(text="Polls close", article=newsroom["story"])
    workflow.unpublish(article=newsroom["story"], user=newsroom["editor"], comment="Withdrawn.")

    assert region(client, "/") == ""


def test_a_banner_not_started_yet_is_not_shown(client, newsroom):
    BannerFactory(text="Polls close", starts_at=timezone.now() + timedelta(minutes=5))

    assert region(client, "/") == ""


def test_reader_pages_with_banners_are_valid_html(client, newsroom):
    BannerFactory(text="Polls close & counting starts", article=newsroom["story"])
    BannerFactory(text="Vote tonight", article=newsroom["story"], section=newsroom["politics"])
    pages = {
        "home": "/",
        "section": "/politics/",
        "article": newsroom["story"].get_absolute_url(),
        "404": "/no-such-section/2025/04/09/nothing/",
    }
    documents = {name: client.get(url).content.decode() for name, url in pages.items()}
    assert all("Vote tonight" in documents[name] for name in ["section", "article"])

    errors = html_errors(documents)

    assert {name: found for name, found in errors.items() if found} == {}


# --- the page cache ------------------------------------------------------------------------------


@pytest.mark.usefixtures("page_cache")
def test_a_kept_page_shows_a_new_banner_as_soon_as_it_is_saved(client, newsroom, committed):
    urls = ["/", "/economy/", newsroom["story"].get_absolute_url()]
    for url in urls:
        client.get(url)
    assert all(hit(client, url) for url in urls)

    committed(set_banner, newsroom["editor"], newsroom["story"], text="Polls close")

    assert all("Polls close" in region(client, url) for url in urls)


@pytest.mark.usefixtures("page_cache")
def test_a_kept_page_follows_a_change_and_the_end_of_a_banner(client, newsroom, committed):
    banner = committed(set_banner, newsroom["editor"], newsroom["story"], text="Polls close")
    assert "Polls close" in region(client, "/") and hit(client, "/")

    banner.text = "Polls have closed"
    committed(services.banner_save, user=newsroom["editor"], banner=banner)
    assert "Polls have closed" in region(client, "/") and hit(client, "/")

    committed(services.banner_end, user=newsroom["editor"], banner=banner)
    assert region(client, "/") == ""


@pytest.mark.usefixtures("page_cache")
def test_a_section_banner_refreshes_its_section_and_leaves_other_pages_kept(client, newsroom, committed):
    for url in ["/politics/", "/economy/", "/"]:
        client.get(url)

    committed(set_banner, newsroom["editor"], newsroom["story"], section=newsroom["politics"], text="Vote")

    assert hit(client, "/economy/") and hit(client, "/")
    assert "Vote" in region(client, "/politics/")


@pytest.mark.usefixtures("page_cache")
def test_a_kept_page_drops_the_banner_when_its_story_comes_down(client, newsroom, committed):
    committed(set_banner, newsroom["editor"], newsroom["elsewhere"], text="Markets rally")
    assert "Markets rally" in region(client, "/politics/") and hit(client, "/politics/")

    committed(workflow.unpublish, article=newsroom["elsewhere"], user=newsroom["editor"], comment="Wrong.")

    assert region(client, "/politics/") == ""


@pytest.mark.usefixtures("page_cache")
def test_pages_carry_the_banner_tags_for_the_edge(client, newsroom):
    banner = BannerFactory(article=newsroom["story"])

    tags = client.get(newsroom["story"].get_absolute_url())["xkey"].split()

    assert {
        "banner:site",
        f"banner:section:{newsroom['politics'].pk}",
        f"article:{banner.article_id}",
    } <= set(tags)


@pytest.mark.usefixtures("page_cache")
def test_a_page_is_never_kept_past_the_next_banner_start_or_expiry(client, newsroom, committed):
    now = timezone.now()
    committed(set_banner, newsroom["editor"], newsroom["story"], expires_at=now + timedelta(seconds=120))
    committed(
        set_banner,
        newsroom["editor"],
        newsroom["story"],
        section=newsroom["economy"],
        starts_at=now + timedelta(seconds=60),
        expires_at=now + timedelta(hours=1),
    )

    assert 0 < remaining_ttl(keys.page_key(client.get("/").wsgi_request)) <= 60


@pytest.mark.usefixtures("page_cache")
def test_a_kept_page_stops_showing_the_banner_at_its_expiry_with_no_command_run(client, newsroom, committed):
    # Real time, not a patched clock: the kept page must expire in the cache itself (locmem or
    # Redis, whose clock no test can move). The assertion is what the page shows after expiry.
    expires_at = timezone.now() + timedelta(seconds=2.5)
    committed(set_banner, newsroom["editor"], newsroom["story"], text="Polls close", expires_at=expires_at)
    assert "Polls close" in region(client, "/") and hit(client, "/")

    while timezone.now() <= expires_at:
        time.sleep(0.1)

    assert region(client, "/") == ""
