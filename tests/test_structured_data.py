"""
What machines read in the reader pages' heads, parsed as search engines do (extruct): the
story's NewsArticle and BreadcrumbList, the front page's WebSite and Organization, Open Graph
and the Twitter card on every page type, and never a story readers may not see.
"""

import datetime

import extruct
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from PIL import Image

from articles import renditions, revisions, workflow
from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


def at(day, hour=12, minute=0):
    return datetime.datetime(2025, 4, day, hour, minute, tzinfo=datetime.UTC)


def extract(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    html = response.content.decode()
    data = extruct.extract(html, base_url=SITE + url, syntaxes=["json-ld", "opengraph"])
    opengraph = [pair for found in data["opengraph"] for pair in found["properties"]]
    return {"json_ld": data["json-ld"], "opengraph": opengraph, "html": html}


def of_type(json_ld, schema_type):
    found = [item for item in json_ld if item.get("@type") == schema_type]
    assert len(found) == 1, f"{len(found)} {schema_type} in {json_ld}"
    return found[0]


def meta_names(html):
    """``<meta name=...>`` tags of the head (the Twitter card), as ``{name: content}``."""
    head = lxml_html.fromstring(html).find("head")
    return {meta.get("name"): meta.get("content") for meta in head.iterfind("meta[@name]")}


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics", description="Parliament and parties.")


@pytest.fixture
def story(politics):
    """A story with a lead photo, two bylines, an update and a public correction."""
    photo = PhotoFactory(alt_text="Two leaders shake hands.", credit=PhotoCreditFactory(name="Yonhap"))
    article = PublishedArticleFactory(
        section=politics,
        headline="Leaders Hold First Talks",
        slug="leaders-hold-first-talks",
        summary="The two leaders discussed trade.",
        lead_photo=photo,
        authors=[
            AuthorFactory(name="Eileen Cahill", slug="eileen-cahill"),
            AuthorFactory(name="Min-jun Park", slug="min-jun-park"),
        ],
        written_at=at(9, 6, 17),
    )
    editor = EditorFactory()
    revisions.save_edit(
        article=article,
        user=editor,
        base_version=article.version,
        content={**revisions.content_of(article), "summary": "The two leaders discussed trade and tariffs."},
    )
    workflow.publish_update(article=article, user=editor, correction="An earlier version misnamed the port.")
    Article.objects.filter(pk=article.pk).update(updated_at=at(9, 8, 30))
    article.refresh_from_db()
    return article


# --- The story ---------------------------------------------------------------------------------


def test_story_is_a_news_article_with_its_people_photo_and_corrections(client, story):
    url = SITE + story.get_absolute_url()

    news = of_type(extract(client, story.get_absolute_url())["json_ld"], "NewsArticle")

    assert news["@context"] == "https://schema.org"
    assert news["headline"] == "Leaders Hold First Talks"
    assert news["description"] == "The two leaders discussed trade and tariffs."
    assert news["url"] == url
    assert news["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    # In the site's zone, to the second (no microseconds).
    assert news["datePublished"] == "2025-04-09T15:17:00+09:00"
    assert news["dateModified"] == "2025-04-09T17:30:00+09:00"
    assert news["articleSection"] == "Politics"
    assert news["isAccessibleForFree"] is True
    assert news["author"] == [
        {"@type": "Person", "name": "Eileen Cahill", "url": f"{SITE}/authors/eileen-cahill/"},
        {"@type": "Person", "name": "Min-jun Park", "url": f"{SITE}/authors/min-jun-park/"},
    ]
    publisher = news["publisher"]
    assert (publisher["@type"], publisher["name"]) == ("NewsMediaOrganization", "Newsroom World Radio News")
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"] == f"{SITE}/static/img/publisher-logo.png"
    (correction,) = news["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert correction["text"] == "An earlier version misnamed the port."
    published_at = story.revisions.exclude(correction_note="").get().published_at
    assert datetime.datetime.fromisoformat(correction["datePublished"]) == published_at.replace(microsecond=0)


def test_story_image_is_the_social_rendition_with_the_photo_credit(client, story):
    social = renditions.social_image(story.lead_photo)

    news = of_type(extract(client, story.get_absolute_url())["json_ld"], "NewsArticle")

    first = news["image"][0]
    assert first == {
        "@type": "ImageObject",
        "url": SITE + social.url,
        "width": social.width,
        "height": social.height,
        "encodingFormat": "image/jpeg",
        "creditText": "Yonhap",
        "creator": {"@type": "Organization", "name": "Yonhap"},
        "copyrightNotice": "© Yonhap",
        "description": "Two leaders shake hands.",
    }
    # The largest square crop too (Google picks by layout); every one credited.
    square = news["image"][1]
    assert square["width"] == square["height"] == 48  # of a 64x48 photo
    assert "/renditions/" in square["url"] and square["creditText"] == "Yonhap"


def test_publisher_logo_is_a_static_file_of_the_size_it_claims(client, story):
    news = of_type(extract(client, story.get_absolute_url())["json_ld"], "NewsArticle")
    logo = news["publisher"]["logo"]

    with Image.open(finders.find("img/publisher-logo.png")) as image:
        assert (logo["width"], logo["height"]) == image.size
    assert image.format == "PNG" and logo["width"] <= 600 and logo["height"] <= 60


def test_story_breadcrumbs_lead_home_then_section(client, story):
    crumbs = of_type(extract(client, story.get_absolute_url())["json_ld"], "BreadcrumbList")

    assert [(item["position"], item["name"], item["item"]) for item in crumbs["itemListElement"]] == [
        (1, "Newsroom World Radio News", f"{SITE}/"),
        (2, "Politics", f"{SITE}/politics/"),
        (3, "Leaders Hold First Talks", SITE + story.get_absolute_url()),
    ]


def test_story_open_graph_and_twitter_card(client, story):
    page = extract(client, story.get_absolute_url())
    social = renditions.social_image(story.lead_photo)
    og = page["opengraph"]

    assert dict(og) | {"article:author": None} == {
        "og:type": "article",
        "og:site_name": "Newsroom World Radio News",
        "og:title": "Leaders Hold First Talks",
        "og:description": "The two leaders discussed trade and tariffs.",
        "og:url": SITE + story.get_absolute_url(),
        "og:image": SITE + social.url,
        "og:image:type": "image/jpeg",
        "og:image:width": str(social.width),
        "og:image:height": str(social.height),
        "og:image:alt": "Two leaders shake hands.",
        "article:published_time": "2025-04-09T15:17:00+09:00",
        "article:modified_time": "2025-04-09T17:30:00+09:00",
        "article:section": "Politics",
        "article:author": None,
    }
    assert [value for name, value in og if name == "article:author"] == [
        f"{SITE}/authors/eileen-cahill/",
        f"{SITE}/authors/min-jun-park/",
    ]
    assert meta_names(page["html"])["twitter:card"] == "summary_large_image"


def test_story_without_photo_or_byline(client, politics):
    article = PublishedArticleFactory(section=politics, summary="")

    page = extract(client, article.get_absolute_url())
    news = of_type(page["json_ld"], "NewsArticle")

    assert "image" not in news and "correction" not in news and "description" not in news
    # Nobody signed it: the newsroom is its author.
    assert news["author"]["@type"] == "NewsMediaOrganization"
    assert news["author"]["name"] == "Newsroom World Radio News"
    assert news["dateModified"] == news["datePublished"]
    assert not any(name.startswith("og:image") for name, _ in page["opengraph"])
    assert meta_names(page["html"])["twitter:card"] == "summary"


def test_a_headline_cannot_break_out_of_the_json_ld(client, politics):
    headline = 'Quote </script><script>alert("x")</script> & <!-- end'
    article = PublishedArticleFactory(section=politics, headline=headline)

    page = extract(client, article.get_absolute_url())

    # The headline is in the data as written, and the page has no script of its own making.
    assert of_type(page["json_ld"], "NewsArticle")["headline"] == headline
    assert of_type(page["json_ld"], "BreadcrumbList")["itemListElement"][2]["name"] == headline
    assert "<script>alert" not in page["html"]
    scripts = lxml_html.fromstring(page["html"]).iter("script")
    assert {script.get("type") for script in scripts} <= {"application/ld+json", None}
    assert len(page["json_ld"]) == 2


def test_story_head_follows_an_update_through_the_page_cache(
    client, page_cache, story, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    assert of_type(extract(client, url)["json_ld"], "NewsArticle")["headline"] == "Leaders Hold First Talks"

    editor = EditorFactory(username="second-editor")
    revisions.save_edit(
        article=story,
        user=editor,
        base_version=story.version,
        content={**revisions.content_of(story), "headline": "Leaders Agree on Trade"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_update(article=story, user=editor, correction="The talks ended with a deal.")

    news = of_type(extract(client, url)["json_ld"], "NewsArticle")
    assert news["headline"] == "Leaders Agree on Trade"
    assert [note["text"] for note in news["correction"]] == [
        "An earlier version misnamed the port.",
        "The talks ended with a deal.",
    ]


def test_story_head_is_kept_per_host(client, page_cache, settings, story):
    settings.ALLOWED_HOSTS = ["testserver", "news.example"]
    url = story.get_absolute_url()
    client.get(url)  # keeps the story's blocks for testserver

    response = client.get(url, HTTP_HOST="news.example")
    news = of_type(extruct.extract(response.content.decode(), syntaxes=["json-ld"])["json-ld"], "NewsArticle")

    assert news["url"] == "http://news.example" + url
    assert "testserver" not in response.content.decode()


def test_preview_has_social_tags_but_no_structured_data(client, politics):
    draft = ArticleFactory(section=politics, headline="Secret draft")
    revisions.save_edit(
        article=draft, user=EditorFactory(), base_version=draft.version, content=revisions.content_of(draft)
    )
    client.force_login(EditorFactory(username="previewer"))

    page = extract(client, reverse("articles:preview", args=[draft.pk]))

    assert page["json_ld"] == []
    assert ("og:title", "Secret draft") in page["opengraph"]


# --- The front page and every other page type ---------------------------------------------------


def test_home_is_a_website_with_search_and_an_organization(client, story):
    page = extract(client, "/")
    website = of_type(page["json_ld"], "WebSite")
    organization = of_type(page["json_ld"], "NewsMediaOrganization")

    assert website["name"] == "Newsroom World Radio News"
    assert website["url"] == f"{SITE}/"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["query-input"] == "required name=search_term_string"
    template = action["target"]["urlTemplate"]
    assert template == f"{SITE}/search/?q={{search_term_string}}"
    # The template is a working search: filled in, it finds the story.
    results = client.get(template.removeprefix(SITE).replace("{search_term_string}", "leaders"))
    assert story.headline in results.content.decode()

    assert organization["name"] == "Newsroom World Radio News"
    assert organization["url"] == f"{SITE}/"
    assert organization["logo"]["url"] == f"{SITE}/static/img/publisher-logo.png"
    assert website["publisher"] == {"@id": organization["@id"]}
    # The front page describes the site, not the stories it lists.
    assert not any(item.get("@type") == "NewsArticle" for item in page["json_ld"])


def reader_pages(story):
    written = timezone.localtime(story.written_at)
    return {
        "home": ("/", "Newsroom World Radio News", "website"),
        "section": ("/politics/", "Politics", "website"),
        "article": (story.get_absolute_url(), story.headline, "article"),
        "author": ("/authors/eileen-cahill/", "Eileen Cahill", "website"),
        "month archive": (f"/archive/{written:%Y/%m}/", "Stories of April 2025", "website"),
        "day archive": (f"/archive/{written:%Y/%m/%d}/", "Stories of 2025-04-09", "website"),
        "search": ("/search/?q=leaders", "Search", "website"),
        "cookie policy": ("/cookie-policy/", "Cookie policy", "website"),
    }


PAGE_TYPES = [
    "home",
    "section",
    "article",
    "author",
    "month archive",
    "day archive",
    "search",
    "cookie policy",
]


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_every_reader_page_has_open_graph_and_a_twitter_card(client, story, page_type):
    url, title, og_type = reader_pages(story)[page_type]

    page = extract(client, url)
    og = dict(page["opengraph"])

    assert og["og:title"] == title
    assert og["og:type"] == og_type
    assert og["og:site_name"] == "Newsroom World Radio News"
    assert og["og:description"]
    assert og["og:url"] == SITE + url.split("?")[0]
    assert meta_names(page["html"])["twitter:card"] in ("summary", "summary_large_image")
    for name, _ in page["opengraph"]:
        assert sum(1 for other, _ in page["opengraph"] if other == name) == 1 or name == "article:author"


def test_a_listing_page_points_open_graph_at_its_own_page(client, politics):
    for n in range(21):
        PublishedArticleFactory(section=politics, written_at=at(1, 0, n))

    og = dict(extract(client, "/politics/?page=2")["opengraph"])

    assert og["og:url"] == f"{SITE}/politics/?page=2"


# --- Only what readers may see ------------------------------------------------------------------


def test_hidden_stories_never_appear_in_structured_data(client, politics):
    eileen = AuthorFactory(name="Eileen Cahill", slug="eileen-cahill")
    shown = PublishedArticleFactory(section=politics, authors=[eileen], headline="Shown story")
    ArticleFactory(section=politics, authors=[eileen], headline="Hidden draft", slug="hidden-draft")
    withdrawn = PublishedArticleFactory(
        section=politics, authors=[eileen], headline="Hidden withdrawn", slug="hidden-withdrawn"
    )
    workflow.unpublish(article=withdrawn, user=EditorFactory(), comment="Legal hold.")
    embargoed = ArticleFactory(
        section=politics,
        authors=[eileen],
        headline="Hidden embargoed",
        slug="hidden-embargoed",
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    editor = EditorFactory(username="desk")
    workflow.submit_for_review(article=embargoed, user=editor)
    workflow.publish(article=embargoed, user=editor)
    hidden = Article.objects.filter(slug__startswith="hidden-")
    assert hidden.count() == 3 and not hidden.filter(pk__in=Article.objects.published()).exists()

    for url in ["/", "/politics/", shown.get_absolute_url(), "/authors/eileen-cahill/"]:
        json_ld = str(extract(client, url)["json_ld"])
        assert "Shown story" in json_ld or url != shown.get_absolute_url()
        assert "Hidden" not in json_ld and "hidden-" not in json_ld, url
    # And their own pages show nothing at all.
    assert client.get(withdrawn.get_absolute_url()).status_code == 410
    assert client.get(Article.objects.get(slug="hidden-draft").get_absolute_url()).status_code == 404
    assert client.get(embargoed.get_absolute_url()).status_code == 404
