"""
Every reader page type is valid HTML: 0 errors from the Nu Html Checker (vnu).

The pages are rendered by the test client from factory data, collected, and checked in one vnu
run (tests/checkers.py), since its start-up is the slow part.
"""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from articles import preview, recordings, revisions, workflow
from articles.models import Topic
from tests.checkers import html_errors
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EditorFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
)
from tests.test_audio import wav_bytes

pytestmark = pytest.mark.django_db

WRITTEN = datetime.datetime(2025, 4, 9, 6, 17, 10, 123456, tzinfo=datetime.UTC)
BODY = (
    "<p>For the first time, the leaders spoke <strong>directly</strong>.</p>"
    "<h2>What was said</h2><ul><li>Trade</li><li>Security</li></ul>"
    "<blockquote><p>We agreed to meet again.</p></blockquote>"
    '<p>Read the <a href="https://example.org/statement">statement</a>.</p>'
)
# The control: a page with known errors, checked in the same run, so a checker that silently
# reports nothing (a wrong path, a changed output format) fails this test instead of passing it.
INVALID = (
    '<!doctype html><html lang="en"><head><title>x</title></head><body>'
    '<p><time datetime="2025-04-09T06:17:10.123456+00:00">x</time></p><div><p></div></body></html>'
)


def edit(article, user, **changes):
    content = {**revisions.content_of(article), **changes}
    return revisions.save_edit(article=article, content=content, user=user, base_version=article.version)


@pytest.fixture
def reader_pages(client):
    """``{page type: (status, html)}`` for every kind of reader page, with the data each needs."""
    editor = EditorFactory()
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    SectionFactory(name="Economy", slug="economy", position=2)
    author = AuthorFactory(name="Eileen Cahill", affiliation="Newsroom World Radio News")
    photo = PhotoFactory(
        caption="The two leaders spoke by phone.",
        alt_text="A telephone on a desk",
        credit=PhotoCreditFactory(name="Newsroom Photo Desk"),
    )
    older = PublishedArticleFactory(section=politics, authors=[author], written_at=WRITTEN)
    with_photo = PublishedArticleFactory(
        headline="Leaders Hold First Talks",
        section=politics,
        lead_photo=photo,
        body=BODY,
        authors=[author, AuthorFactory(name="Kim Jiwoo")],
        related_articles=[older],
        written_at=WRITTEN + datetime.timedelta(hours=1),
        audio=recordings.audio_create(content=wav_bytes(2), name="r.wav", title="Talks", credit="NWR"),
    )
    talks = Topic.objects.create(name="Leaders' talks", slug="leaders-talks")
    with_photo.topics.add(talks)
    corrected = PublishedArticleFactory(section=politics, written_at=WRITTEN + datetime.timedelta(hours=2))
    edit(corrected, editor, body="<p>The vote was 12 to 3.</p>")
    corrected.refresh_from_db()
    workflow.publish_update(article=corrected, user=editor, correction="An earlier version gave 13 to 2.")
    updated = PublishedArticleFactory(section=politics, written_at=WRITTEN + datetime.timedelta(hours=3))
    edit(updated, editor, body="<p>New figures came in.</p>")
    updated.refresh_from_db()
    workflow.publish_update(article=updated, user=editor, now=timezone.now() + datetime.timedelta(seconds=1))
    withdrawn = PublishedArticleFactory(section=politics)
    withdrawn_url = withdrawn.get_absolute_url()
    workflow.unpublish(article=withdrawn, user=editor, comment="Withdrawn for a test.")

    reporter = ReporterFactory()
    draft = ArticleFactory(headline="Shared draft", authors=[AuthorFactory(user=reporter)], lead_photo=photo)
    edit(draft, reporter, headline="Shared draft")
    draft.refresh_from_db()
    token = preview.make_share_token(article=draft, revision=draft.latest_revision)

    day = timezone.localtime(WRITTEN)
    addresses = {
        "home": reverse("articles:home"),
        "section": politics.get_absolute_url(),
        "article with photo": with_photo.get_absolute_url(),
        "article without photo": older.get_absolute_url(),
        "article with a correction": corrected.get_absolute_url(),
        "article with an update": updated.get_absolute_url(),
        "author": author.get_absolute_url(),
        "topic": talks.get_absolute_url(),
        "archive year": reverse("articles:archive_year", args=[day.year]),
        "archive month": reverse("articles:archive_month", args=[day.year, day.month]),
        "archive day": reverse("articles:archive_day", args=[day.year, day.month, day.day]),
        "search form": reverse("articles:search"),
        "search with results": reverse("articles:search") + "?q=Leaders",
        "search without results": reverse("articles:search") + "?q=zzzyx",
        "404": "/no-such-section/2025/04/09/nothing/",
        "410": withdrawn_url,
        "cookie policy": reverse("cookie_policy"),
        "share preview": reverse("articles:shared_preview", args=[token]),
    }
    pages = {}
    for name, address in addresses.items():
        response = client.get(address)
        pages[name] = (response.status_code, response.content.decode())
    return pages


def test_every_reader_page_type_is_valid_html(reader_pages):
    expected_status = {"404": 404, "410": 410}
    for name, (status, _) in reader_pages.items():
        assert status == expected_status.get(name, 200), name
    # The pages show what they are meant to, so a page that lost its content cannot pass as valid.
    assert "Leaders Hold First Talks" in reader_pages["search with results"][1]
    assert "An earlier version gave 13 to 2." in reader_pages["article with a correction"][1]
    assert "Updated:" in reader_pages["article with an update"][1]
    assert "Photo : Newsroom Photo Desk" in reader_pages["article with photo"][1]

    errors = html_errors({"control": INVALID, **{name: html for name, (_, html) in reader_pages.items()}})

    assert any("fraction of a second" in error for error in errors.pop("control"))
    assert {name: found for name, found in errors.items() if found} == {}


def test_time_elements_carry_seconds_not_microseconds(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    html = Template("{% load reader %}{{ when|datetime_attr }}").render(Context({"when": WRITTEN}))

    assert html == "2025-04-09T15:17:10+09:00"
