"""The demo newsroom's running live story (live/demo.py, called by ``manage.py load_demo``)."""

import datetime

import pytest
from django.urls import reverse

from live.demo import LIVE_STORY_SLUG
from live.models import LiveCoverage, LivePost
from tests.test_load_demo import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_running_live_story_with_posts_over_several_hours(monkeypatch, client):
    output = load_demo(monkeypatch)

    [coverage] = LiveCoverage.objects.all()
    assert coverage.article.slug == LIVE_STORY_SLUG and coverage.is_running
    times = sorted(LivePost.objects.published().values_list("posted_at", flat=True))
    assert len(times) >= 6 and times[-1] - times[0] >= datetime.timedelta(hours=4)
    assert LivePost.objects.filter(approved_at__isnull=True).count() == 0
    assert "live posts" in output
    page = client.get(coverage.article.get_absolute_url()).content.decode()
    assert "Shipping lane closed" in page and "live__key-events" in page
    assert client.get(reverse("live:updates", args=[coverage.article_id])).status_code == 200


def test_loading_the_demo_again_adds_no_posts(monkeypatch):
    load_demo(monkeypatch)
    posts = LivePost.objects.count()

    load_demo(monkeypatch)

    assert LivePost.objects.count() == posts and LiveCoverage.objects.count() == 1
