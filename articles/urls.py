"""
The reader site's addresses.

The fixed prefixes (``authors/``, ``archive/``, ``search/``, ``feeds/``) come before the
``<section_slug>/`` catch, so a section slugged "archive" or "authors" can never take their
addresses (its own front page, ``/archive/``, still works). Sections slugged like a
project-level prefix ("admin", "ckeditor5", "consent", "cookie-policy", "media", "static") would
lose their front page to it, so those slugs are for the section model to refuse.
"""

from django.urls import path, register_converter

from articles import feeds, views
from articles.forms import EARLIEST, LATEST


class FourDigitYearConverter:
    """
    A year of the archive, 1900 to 2999 (the search's date range): outside it, no route matches
    and the answer is a 404. Django's date views compute the day after the one asked for, which
    for 9999-12-31 does not exist (an OverflowError, not a 404).
    """

    regex = "[0-9]{4}"

    def to_python(self, value):
        year = int(value)
        if not EARLIEST.year <= year <= LATEST.year:
            raise ValueError(f"No archive for the year {value}.")
        return year

    def to_url(self, value):
        return f"{int(value):04d}"


class TwoDigitConverter:
    """A month or a day, always written with two digits (``04``), read as an int."""

    regex = "[0-9]{2}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):02d}"


register_converter(FourDigitYearConverter, "yyyy")
register_converter(TwoDigitConverter, "mm")

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("authors/<slug:author_slug>/", views.author_detail, name="author"),
    path("topics/<slug:topic_slug>/", views.topic_detail, name="topic"),
    path("preview/<int:pk>/", views.article_preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared_preview"),
    path("archive/<yyyy:year>/", views.archive_year, name="archive_year"),
    path("archive/<yyyy:year>/<mm:month>/", views.archive_month, name="archive_month"),
    path("archive/<yyyy:year>/<mm:month>/<mm:day>/", views.archive_day, name="archive_day"),
    path("search/", views.search, name="search"),
    # Each feed in RSS 2.0 at its address and in Atom at .../atom/.
    path("feeds/latest/", feeds.LatestStoriesFeed(), name="feed_latest"),
    path("feeds/latest/atom/", feeds.LatestStoriesAtomFeed(), name="feed_latest_atom"),
    path("feeds/authors/<slug:author_slug>/", feeds.AuthorStoriesFeed(), name="feed_author"),
    path("feeds/authors/<slug:author_slug>/atom/", feeds.AuthorStoriesAtomFeed(), name="feed_author_atom"),
    path("feeds/topics/<slug:topic_slug>/", feeds.TopicStoriesFeed(), name="feed_topic"),
    path("feeds/topics/<slug:topic_slug>/atom/", feeds.TopicStoriesAtomFeed(), name="feed_topic_atom"),
    path("feeds/<slug:section_slug>/podcast/", feeds.SectionPodcastFeed(), name="feed_section_podcast"),
    path("feeds/<slug:section_slug>/", feeds.SectionStoriesFeed(), name="feed_section"),
    path("feeds/<slug:section_slug>/atom/", feeds.SectionStoriesAtomFeed(), name="feed_section_atom"),
    path("<slug:section_slug>/", views.section_detail, name="section"),
    path(
        "<slug:section_slug>/<int:year>/<str:month>/<str:day>/<slug:slug>/",
        views.article_detail,
        name="article",
    ),
]
