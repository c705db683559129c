"""
Feeds of the newest published stories, in RSS 2.0 and Atom: the whole site's, each section's,
each topic's and each author's; and each section's podcast, of its stories' report audio.

They read through ``selectors`` like the reader pages, so a story is in a feed exactly when
``Article.objects.published()`` lets readers see it, and they are the same for every reader.
Each item carries its lead photo as Media RSS (``media:content`` with ``media:credit`` and
``media:description``), which feed readers and aggregators show as the story's picture, and
the time of its latest update.
"""

import re
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, rfc3339_date
from django.utils.html import escape

from articles import cachetags, renditions, selectors
from articles.cachetags import LISTING, SITE
from pagecache import tag

MEDIA_RSS = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"

# Characters XML 1.0 cannot carry at all; a headline pasted with one must not take the feed down.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text):
    return _NOT_IN_XML.sub("", text)


def lead_photo_media(article):
    """
    What ``media:content`` says of the story's lead photo: the 16:9 social rendition (a JPEG
    1200 wide, as on the page's og:image) with its size, credit and alt text; ``None`` without
    a photo. The address may be a path: the feed makes it absolute.
    """
    photo = article.lead_photo
    if photo is None:
        return None
    image = renditions.social_image(photo)
    media = {"credit": photo.credit.name, "description": photo.alt_text}
    if image is None:  # size unknown: the served file as it is
        return {**media, "url": photo.image.url}
    return {**media, "url": image.url, "width": image.width, "height": image.height, "type": image.mime_type}


def _write_media(feed, handler, item):
    media = item.get("media")
    if not media:
        return
    attributes = {"url": urljoin(feed.feed["link"], media["url"]), "medium": "image"}
    attributes.update({name: str(media[name]) for name in ("type", "width", "height") if name in media})
    handler.startElement("media:content", attributes)
    handler.addQuickElement("media:credit", xml_safe(media["credit"]), {"role": "photographer"})
    if media["description"]:
        handler.addQuickElement("media:description", xml_safe(media["description"]), {"type": "plain"})
    handler.endElement("media:content")


class MediaRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the lead photo in Media RSS and the update time as ``atom:updated``."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS}

    def add_item(self, title, link, description, **kwargs):
        # RSS leaves it to each reader whether a <title> is text or HTML (feedparser guesses
        # from its content). A headline is text: writing its "<" and ">" as "&lt;" and "&gt;"
        # means no reader can make a tag or comment of it, and every other character (an
        # apostrophe, "&") reads the same both ways. Escaping it all for HTML showed readers
        # of text "Leaders&#x27; Debates".
        super().add_item(title.replace("<", "&lt;").replace(">", "&gt;"), link, description, **kwargs)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        # RSS has no element of its own for an update; feed readers read Atom's (the namespace
        # Django already declares for atom:link).
        if item["updateddate"] is not None:
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))
        _write_media(self, handler, item)


class MediaAtomFeed(Atom1Feed):
    """Atom with the lead photo in Media RSS."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        _write_media(self, handler, item)


class LatestStoriesFeed(Feed):
    """``/feeds/latest/``: the newest stories of every section."""

    feed_type = MediaRssFeed

    def __call__(self, request, *args, **kwargs):
        # Any story going live or coming down changes a feed (articles/cachetags.py).
        return tag(super().__call__(request, *args, **kwargs), SITE, LISTING)

    def title(self):
        return f"{settings.NEWSROOM_SITE_NAME}: latest stories"

    def link(self):
        return reverse("articles:home")

    def description(self):
        return f"The latest news from {settings.NEWSROOM_SITE_NAME}."

    def subtitle(self, obj):  # Atom's name for the description
        return self._get_dynamic_attr("description", obj)

    def author_name(self):
        # Atom wants an author for every entry: the newsroom stands for a story without a byline.
        return settings.NEWSROOM_SITE_NAME

    def items(self):
        return selectors.feed_articles()

    # A headline is plain text, escaped once by the XML writer: Atom's <title> is type="text",
    # and RSS's is made safe to read as HTML too (MediaRssFeed.add_item).
    def item_title(self, article):
        return xml_safe(article.headline)

    # <description> (RSS) and <summary type="html"> (Atom) are HTML: the plain-text summary is
    # escaped for it, so markup in it shows as text, never runs. The body is never sent: it is
    # the page's to show.
    def item_description(self, article):
        return escape(xml_safe(article.summary))

    def item_pubdate(self, article):
        return article.written_at

    def item_updateddate(self, article):
        return article.updated_at or article.written_at

    def item_author_name(self, article):
        return ", ".join(author.name for author in article.byline_authors) or None

    def item_categories(self, article):
        return [article.section.name]

    def item_extra_kwargs(self, article):
        return {"media": lead_photo_media(article)}


class SectionStoriesFeed(LatestStoriesFeed):
    """``/feeds/<section_slug>/``: the newest stories of one section (404 for an unknown one)."""

    def get_object(self, request, section_slug):
        return get_object_or_404(selectors.section_list(), slug=section_slug)

    def title(self, section):
        return f"{section.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return section.description or f"The latest {section.name} stories from {settings.NEWSROOM_SITE_NAME}."

    def items(self, section):
        return selectors.feed_articles(section=section)


class AuthorStoriesFeed(LatestStoriesFeed):
    """``/feeds/authors/<author_slug>/``: an author's newest stories (404 for an unknown one)."""

    def get_object(self, request, author_slug):
        return get_object_or_404(selectors.author_list(), slug=author_slug)

    def title(self, author):
        return f"{author.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, author):
        return author.get_absolute_url()

    def description(self, author):
        return f"Stories by {author.name}, {settings.NEWSROOM_SITE_NAME}."

    def items(self, author):
        return selectors.feed_articles(author=author)


class TopicStoriesFeed(LatestStoriesFeed):
    """``/feeds/topics/<topic_slug>/``: the newest stories on one topic (404 for an unknown one)."""

    def __call__(self, request, *args, **kwargs):
        # Filing a story under the topic, or taking it off, changes the feed too.
        response = super().__call__(request, *args, **kwargs)
        return tag(response, cachetags.topic(request.feed_topic.pk))

    def get_object(self, request, topic_slug):
        # Kept on the request (this feed object serves every request at once) for __call__'s tag.
        request.feed_topic = get_object_or_404(selectors.topic_list(), slug=topic_slug)
        return request.feed_topic

    def title(self, topic):
        return f"{topic.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, topic):
        return topic.get_absolute_url()

    def description(self, topic):
        return topic.description or f"Stories on {topic.name} from {settings.NEWSROOM_SITE_NAME}."

    def items(self, topic):
        return selectors.feed_articles(topic=topic)


class PodcastFeed(MediaRssFeed):
    """
    RSS 2.0 as podcast apps read it: Apple's ``itunes:`` elements (the show's and each episode's
    image, duration and credit) beside the ``enclosure`` Django writes from the item's audio.
    """

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:itunes": ITUNES}

    def add_item(self, title, link, description, enclosures=(), **kwargs):
        # Podcast apps fetch the enclosure on its own: its address must be absolute, and Django
        # writes it as given (the media URL may be a path).
        enclosures = [
            Enclosure(urljoin(self.feed["link"], enclosure.url), enclosure.length, enclosure.mime_type)
            for enclosure in enclosures or ()
        ]
        super().add_item(title, link, description, enclosures=enclosures, **kwargs)

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("itunes:author", xml_safe(self.feed["itunes_author"]))
        handler.addQuickElement(
            "itunes:image", attrs={"href": urljoin(self.feed["link"], self.feed["itunes_image"])}
        )
        handler.addQuickElement("itunes:explicit", "false")
        handler.addQuickElement("itunes:category", attrs={"text": "News"})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        audio = item["audio"]
        handler.addQuickElement("itunes:duration", str(round(audio.duration)))
        handler.addQuickElement("itunes:author", xml_safe(audio.credit))
        if item.get("media"):
            handler.addQuickElement(
                "itunes:image", attrs={"href": urljoin(self.feed["link"], item["media"]["url"])}
            )


class SectionPodcastFeed(SectionStoriesFeed):
    """
    ``/feeds/<section_slug>/podcast/``: the section's newest stories that have their report's
    audio, one episode each, the recording as the enclosure and the report as its transcript
    on the story's page.
    """

    feed_type = PodcastFeed

    def title(self, section):
        return f"{section.name} | {settings.NEWSROOM_SITE_NAME} podcast"

    def items(self, section):
        return selectors.podcast_episodes(section=section)

    def feed_extra_kwargs(self, section):
        return {
            "itunes_author": settings.NEWSROOM_SITE_NAME,
            "itunes_image": static(settings.NEWSROOM_PUBLISHER_LOGO),
        }

    def item_enclosure_url(self, article):
        return article.audio.recording.url

    def item_enclosure_length(self, article):
        return article.audio.size

    def item_enclosure_mime_type(self, article):
        return article.audio.mime_type

    def item_extra_kwargs(self, article):
        return {**super().item_extra_kwargs(article), "audio": article.audio}


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = MediaAtomFeed


class SectionStoriesAtomFeed(SectionStoriesFeed):
    feed_type = MediaAtomFeed


class TopicStoriesAtomFeed(TopicStoriesFeed):
    feed_type = MediaAtomFeed


class AuthorStoriesAtomFeed(AuthorStoriesFeed):
    feed_type = MediaAtomFeed
