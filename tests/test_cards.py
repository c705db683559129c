"""Story cards (articles/cards.py): flat rows that show what the Article they stand for shows."""

import datetime

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from articles import cards, selectors
from articles.models import Article, article_path, section_path
from tests.factories import (
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)
from tests.live_support import live_story

pytestmark = pytest.mark.django_db


def card_of(article):
    [card] = selectors.card_list(Article.objects.filter(pk=article.pk))
    return card


def rendered(story, **options):
    template = engines["django"].from_string("{% load reader %}{% article_card story heading=2 %}")
    return template.render({"story": story, **options})


# --- Addresses -------------------------------------------------------------------------------


def test_article_path_is_what_reverse_gives(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    # 20:30 UTC is the next day in Seoul: the address has the site's day.
    written = datetime.datetime(2025, 4, 9, 20, 30, tzinfo=datetime.UTC)
    expected = reverse(
        "articles:article",
        kwargs={"section_slug": "world", "year": 2025, "month": "04", "day": "10", "slug": "a_b-1"},
    )

    assert article_path(section_slug="world", written_at=written, slug="a_b-1") == expected
    assert expected == "/world/2025/04/10/a_b-1/"


def test_paths_follow_the_script_prefix_and_refuse_what_reverse_refuses():
    written = datetime.datetime(2025, 4, 9, 3, 0, tzinfo=datetime.UTC)
    set_script_prefix("/news/")
    try:
        assert section_path("world") == "/news/world/"
        assert article_path(section_slug="world", written_at=written, slug="a").startswith("/news/world/")
        # Not a slug the route takes: refused as reverse() refuses it, never an address made up.
        with pytest.raises(NoReverseMatch):
            article_path(section_slug="world", written_at=written, slug="café")
    finally:
        set_script_prefix("/")
    assert section_path("world") == "/world/"


def test_get_absolute_url_is_article_path():
    article = PublishedArticleFactory(section=SectionFactory(slug="economy"), slug="rates-rise")
    written = article.written_at
    assert article.get_absolute_url() == reverse(
        "articles:article",
        kwargs={
            "section_slug": "economy",
            "year": written.year,
            "month": f"{written.month:02d}",
            "day": f"{written.day:02d}",
            "slug": "rates-rise",
        },
    )


# --- Cards -----------------------------------------------------------------------------------


def test_a_card_shows_what_its_article_shows():
    photo = PhotoFactory(alt_text="Cranes", credit=PhotoCreditFactory(name="Port Agency"))
    article = PublishedArticleFactory(
        section=SectionFactory(name="Economy", slug="economy"), lead_photo=photo, summary="Ships wait."
    )

    card = card_of(article)

    assert card == article and article == card and hash(card) == hash(article)
    assert card.url == article.get_absolute_url()
    assert (card.headline, card.summary, card.written_at) == (
        article.headline,
        "Ships wait.",
        article.written_at,
    )
    assert (card.section.name, card.section.url) == ("Economy", "/economy/")
    assert (card.photo.image, card.photo.alt_text, card.photo.credit_name) == (
        photo.image.name,
        "Cranes",
        "Port Agency",
    )
    assert card.live_running is False
    assert cards.as_card(article) == card and cards.as_card(card) is card


def test_a_card_without_a_photo_has_none():
    assert card_of(PublishedArticleFactory(lead_photo=None)).photo is None


def test_a_card_is_live_while_its_coverage_runs():
    coverage, _, _ = live_story()
    assert card_of(coverage.article).live_running is True

    coverage.ended_at = coverage.started_at + datetime.timedelta(hours=1)
    coverage.save()
    assert card_of(coverage.article).live_running is False


def test_the_card_template_takes_a_card_or_an_article_alike():
    article = PublishedArticleFactory(
        headline="Rates & <prices>", lead_photo=PhotoFactory(credit=PhotoCreditFactory(name="Desk"))
    )

    from_card = rendered(card_of(article))

    assert from_card == rendered(
        Article.objects.select_related("section", "lead_photo__credit").get(pk=article.pk)
    )
    assert "Rates &amp; &lt;prices&gt;" in from_card  # escaped once, by Jinja2
    assert f'href="{article.get_absolute_url()}"' in from_card
    assert "Photo : Desk" in from_card and "<picture>" in from_card


def test_card_list_costs_one_query_for_any_number_of_cards(django_assert_num_queries):
    section = SectionFactory()
    for _ in range(5):
        PublishedArticleFactory(section=section, lead_photo=PhotoFactory())

    with django_assert_num_queries(1):
        shown = selectors.card_list(Article.objects.published().newest_first())

    assert len(shown) == 5 and all(card.photo for card in shown)
