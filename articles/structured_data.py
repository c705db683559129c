"""
What search engines and social networks read about a page: schema.org JSON-LD and Open Graph.

Plain dicts and lists, built from rows the page already has (no query here): templates write
them with the ``ld_json`` filter and as ``<meta>`` tags (``articles/templatetags/metadata.py``).
Every address is absolute, on ``origin`` (``https://host``, from the request: the page cache
keeps a page per host, and the story's kept head block has the origin in its name).

Only stories that ``published()`` lets readers see are given to these functions: the article
page's own story (a preview gets no JSON-LD at all, see ``views._article_blocks``).
"""

import functools
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import renditions

SCHEMA = "https://schema.org"


def origin_of(request):
    """``scheme://host`` of ``request``: the host is one ``ALLOWED_HOSTS`` lets through."""
    return f"{request.scheme}://{request.get_host()}"


def iso(moment):
    """A datetime as ISO 8601 in the site's zone, to the second (what schema.org and OG expect)."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def absolute(origin, url):
    """``url`` (a path, or already a full address on a CDN) as a full address."""
    return urljoin(origin + "/", url)


@functools.lru_cache(maxsize=4)
def _logo_size(path):
    # Read from the file once per process, so that replacing the logo needs no second setting.
    found = finders.find(path)
    if not found:
        raise ImproperlyConfigured(
            f"NEWSROOM_PUBLISHER_LOGO is {path!r}, which is not a static file: "
            "name a PNG or JPEG under static/."
        )
    with Image.open(found) as image:
        return image.size


def publisher_logo(*, origin):
    """The publisher's logo as an ``ImageObject`` (``settings.NEWSROOM_PUBLISHER_LOGO``)."""
    path = settings.NEWSROOM_PUBLISHER_LOGO
    width, height = _logo_size(path)
    return {"@type": "ImageObject", "url": absolute(origin, static(path)), "width": width, "height": height}


def organization(*, origin):
    """The newsroom itself: the publisher of every story."""
    return {
        "@context": SCHEMA,
        "@type": "NewsMediaOrganization",
        "@id": f"{origin}/#publisher",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": f"{origin}/",
        "logo": publisher_logo(origin=origin),
    }


def website(*, origin):
    """The site, with its search as a ``SearchAction`` (a sitelinks search box)."""
    search = absolute(origin, reverse("articles:search"))
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "@id": f"{origin}/#website",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": f"{origin}/",
        "inLanguage": settings.LANGUAGE_CODE,
        "publisher": {"@id": f"{origin}/#publisher"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


def _publisher_reference(origin):
    # In full (not only its @id): Google reads an article's publisher from the article alone.
    return {
        "@type": "NewsMediaOrganization",
        "@id": f"{origin}/#publisher",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": f"{origin}/",
        "logo": publisher_logo(origin=origin),
    }


def photo_images(photo, *, origin):
    """
    The lead photo as ``ImageObject``s, largest first: the 16:9 social image and the largest
    square crop (Google shows either, by layout), with the photo's credit. An agency, a
    broadcaster or a photographer: the credit is named as an organization, the common case.
    """
    rendered = [renditions.social_image(photo)]
    square = renditions.rendition_set(photo, crop="1x1")
    if square is not None:
        rendered.append(square.of_format(renditions.SOCIAL_FORMAT)[-1])
    credit = photo.credit.name
    about = {
        "creditText": credit,
        "creator": {"@type": "Organization", "name": credit},
        "copyrightNotice": f"© {credit}",
    }
    if photo.alt_text:
        about["description"] = photo.alt_text
    if rendered[0] is None:  # size unknown: the served file as it is
        return [{"@type": "ImageObject", "url": absolute(origin, photo.image.url), **about}]
    return [
        {
            "@type": "ImageObject",
            "url": absolute(origin, rendition.url),
            "width": rendition.width,
            "height": rendition.height,
            "encodingFormat": rendition.mime_type,
            **about,
        }
        for rendition in dict.fromkeys(rendered)
    ]


def news_article(article, *, origin):
    """
    A published story as ``NewsArticle``. ``article`` has its section, lead photo and credit, its
    audio, ``byline_authors``, ``corrections`` and ``shown_topics`` loaded
    (``selectors.article_detail``, ``selectors.load_story_details``).
    """
    url = absolute(origin, article.get_absolute_url())
    authors = [
        {"@type": "Person", "name": author.name, "url": absolute(origin, author.get_absolute_url())}
        for author in article.byline_authors
    ]
    data = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "headline": article.headline,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso(article.written_at),
        "dateModified": iso(article.updated_at or article.written_at),
        "articleSection": article.section.name,
        "inLanguage": settings.LANGUAGE_CODE,
        "isAccessibleForFree": True,
        # A story without a byline is the newsroom's own.
        "author": authors or _publisher_reference(origin),
        "publisher": _publisher_reference(origin),
    }
    if article.summary:
        data["description"] = article.summary
    if article.lead_photo:
        data["image"] = photo_images(article.lead_photo, origin=origin)
    if article.audio:
        data["audio"] = audio_object(article.audio, origin=origin)
    if article.shown_topics:
        data["keywords"] = [topic.name for topic in article.shown_topics]
    if article.corrections:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": note.correction_note,
                "datePublished": iso(note.published_at),
            }
            for note in article.corrections
        ]
    return data


def audio_object(audio, *, origin):
    """The broadcast audio of a story's report as an ``AudioObject`` (the report is its transcript)."""
    return {
        "@type": "AudioObject",
        "name": audio.title,
        "contentUrl": absolute(origin, audio.recording.url),
        "encodingFormat": audio.mime_type,
        "duration": audio.iso_duration,
        "contentSize": str(audio.size),
        "creditText": audio.credit,
    }


def breadcrumbs(article, *, origin):
    """Home › section › story."""
    trail = [
        (settings.NEWSROOM_SITE_NAME, "/"),
        (article.section.name, article.section.get_absolute_url()),
        (article.headline, article.get_absolute_url()),
    ]
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute(origin, url)}
            for position, (name, url) in enumerate(trail, start=1)
        ],
    }


def article_open_graph(article, *, origin):
    """
    The story's Open Graph and Twitter card as ``[(attribute, name, content)]`` for ``<meta>``
    tags (``property`` for Open Graph, ``name`` for Twitter). Twitter reads the title,
    description and image from Open Graph; only its card type is its own.
    """
    tags = [
        ("og:type", "article"),
        ("og:site_name", settings.NEWSROOM_SITE_NAME),
        ("og:title", article.headline),
        ("og:description", article.summary),
        ("og:url", absolute(origin, article.get_absolute_url())),
    ]
    photo = article.lead_photo
    if photo:
        image = renditions.social_image(photo)
        if image is None:
            tags.append(("og:image", absolute(origin, photo.image.url)))
        else:
            tags += [
                ("og:image", absolute(origin, image.url)),
                ("og:image:type", image.mime_type),
                ("og:image:width", image.width),
                ("og:image:height", image.height),
            ]
        tags.append(("og:image:alt", photo.alt_text))
    tags += [
        ("article:published_time", iso(article.written_at)),
        ("article:modified_time", iso(article.updated_at or article.written_at)),
        ("article:section", article.section.name),
        *(
            ("article:author", absolute(origin, author.get_absolute_url()))
            for author in article.byline_authors
        ),
    ]
    meta = [("property", name, content) for name, content in tags if content not in ("", None)]
    meta.append(("name", "twitter:card", "summary_large_image" if photo else "summary"))
    return meta
