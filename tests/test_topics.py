"""
Topics: their pages and feeds (published stories only, constant query budgets, refreshed within
the page cache as soon as a filing changes), Related News preferring stories that share a topic,
and the desk's autocomplete.
"""

from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from articles import selectors, topics, workflow
from articles.models import Topic
from tests.factories import ArticleFactory, EditorFactory, PublishedArticleFactory, SectionFactory
from tests.test_article_form import form_data
from tests.test_photo_templates import story_with_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def topic(name="Port Halden", slug="port-halden"):
    return Topic.objects.create(name=name, slug=slug)


def filed(story, *topic_list):
    story.topics.set(topic_list)
    return story


def test_a_topic_page_lists_its_published_stories_from_every_section(client):
    port = topic()
    politics, economy = SectionFactory(), SectionFactory()
    filed(PublishedArticleFactory(section=politics, headline="Council backs port"), port)
    filed(PublishedArticleFactory(section=economy, headline="Port expansion cleared"), port)
    filed(ArticleFactory(section=economy, headline="Draft about the port"), port)
    PublishedArticleFactory(section=economy, headline="Not on the topic")

    page = client.get("/topics/port-halden/").content.decode()

    assert "Council backs port" in page and "Port expansion cleared" in page
    assert "Draft about the port" not in page and "Not on the topic" not in page
    assert client.get("/topics/nowhere/").status_code == 404


@pytest.mark.parametrize("count", [1, 25])
def test_a_topic_page_costs_the_same_queries_for_few_or_many_stories(
    client, django_assert_max_num_queries, count
):
    port, other = topic(), topic("Other", "other")
    for _ in range(count):
        filed(PublishedArticleFactory(), port, other)  # listed once, whatever else it is filed under
    # The topic, the count, the page's cards (its ids a subquery), the section menu, the breaking-news banner.
    with django_assert_max_num_queries(5):
        response = client.get("/topics/port-halden/")
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/topics/port-halden/?page=2").status_code == (200 if count > 20 else 404)


@pytest.mark.parametrize("count", [0, 6])
def test_a_story_page_keeps_its_budget_with_no_or_many_topics(client, django_assert_max_num_queries, count):
    article = story_with_everything(3, "<p>No photos in this report.</p>")
    for n in range(count):
        article.topics.add(topic(f"Topic {n}", f"topic-{n}"))
    # The same with or without topics: the story's query reads their names, whatever their number.
    with django_assert_max_num_queries(6):
        page = client.get(article.get_absolute_url()).content.decode()
    assert page.count('href="/topics/topic-') == count


def test_filing_a_story_refreshes_the_topic_page_at_once(client, page_cache, committed):
    port = topic()
    story = PublishedArticleFactory(headline="Ferry timetable changes")
    assert "Ferry timetable changes" not in client.get("/topics/port-halden/").content.decode()
    assert client.get("/topics/port-halden/")["X-Page-Cache"] == "HIT"

    committed(topics.article_set_topics, article=story, topics=[port])

    response = client.get("/topics/port-halden/")
    assert response["X-Page-Cache"] == "MISS"
    assert "Ferry timetable changes" in response.content.decode()
    # ... and its own page names the topic.
    assert 'href="/topics/port-halden/"' in client.get(story.get_absolute_url()).content.decode()

    committed(topics.article_set_topics, article=story, topics=[])
    assert "Ferry timetable changes" not in client.get("/topics/port-halden/").content.decode()


def test_a_story_coming_down_leaves_its_topic_page_at_once(client, page_cache, committed):
    port = topic()
    story = filed(PublishedArticleFactory(headline="Dredging starts"), port)
    assert "Dredging starts" in client.get("/topics/port-halden/").content.decode()

    committed(workflow.unpublish, article=story, user=EditorFactory(), comment="Legal hold.")

    assert "Dredging starts" not in client.get("/topics/port-halden/").content.decode()


def test_related_news_prefers_stories_sharing_a_topic_then_the_section():
    port, now = topic(), timezone.now()
    politics, economy = SectionFactory(), SectionFactory()
    same_section = [
        PublishedArticleFactory(section=politics, written_at=now - timedelta(hours=h)) for h in (2, 3)
    ]
    on_topic_elsewhere = filed(
        PublishedArticleFactory(section=economy, written_at=now - timedelta(days=5)), port
    )
    unpublished_on_topic = filed(ArticleFactory(section=economy), port)
    story = filed(PublishedArticleFactory(section=politics, written_at=now - timedelta(hours=1)), port)
    story = selectors.article_detail(slug=story.slug)

    related = selectors.related_news(article=story)

    assert related == [on_topic_elsewhere, *same_section]
    assert unpublished_on_topic not in related


def test_related_news_of_a_story_with_topics_is_refreshed_by_the_topic(client, page_cache, committed):
    port, now = topic(), timezone.now()
    story = filed(PublishedArticleFactory(written_at=now), port)
    other = PublishedArticleFactory(
        section=SectionFactory(), headline="Harbour master retires", written_at=now - timedelta(days=9)
    )
    assert "Harbour master retires" not in client.get(story.get_absolute_url()).content.decode()

    committed(topics.article_set_topics, article=other, topics=[port])

    assert "Harbour master retires" in client.get(story.get_absolute_url()).content.decode()


def test_the_topic_feed_lists_its_stories(client):
    port = topic()
    filed(PublishedArticleFactory(headline="Cranes arrive"), port)
    PublishedArticleFactory(headline="Elsewhere")
    feed = feedparser.parse(client.get("/feeds/topics/port-halden/").content)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Cranes arrive"]
    assert (
        feedparser.parse(client.get("/feeds/topics/port-halden/atom/").content).entries[0].title
        == "Cranes arrive"
    )


def test_the_sitemap_lists_topic_pages(client):
    filed(PublishedArticleFactory(), topic())
    assert "http://testserver/topics/port-halden/" in client.get("/sitemap-topics.xml").content.decode()


def test_the_admin_autocomplete_finds_topics_for_a_story(client):
    topic("Port Halden", "port-halden")
    topic("Elections", "elections")
    client.force_login(EditorFactory())
    params = {"app_label": "articles", "model_name": "article", "field_name": "topics", "term": "port"}
    response = client.get("/admin/autocomplete/", params)
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Port Halden"]


def test_topics_are_saved_from_the_story_form(client):
    port = topic()
    story = ArticleFactory()
    client.force_login(EditorFactory())
    data = form_data(story, topics=[port.pk])
    response = client.post(f"/admin/articles/article/{story.pk}/change/", data)
    assert response.status_code == 302
    assert list(story.topics.all()) == [port]
