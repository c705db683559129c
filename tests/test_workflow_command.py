"""``manage.py workflow``: the duty editor's path, through the same engine, rules and audit."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, EditorFactory, PublishedArticleFactory, ReporterFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("workflow", *args, stdout=out)
    return out.getvalue()


def test_unpublish_by_id_is_audited_with_the_named_user():
    article = PublishedArticleFactory()
    duty = EditorFactory(username="duty")

    out = run(str(article.pk), "unpublish", "--user", "duty", "--comment", "Legal: take it down.")

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().filter(pk=article.pk).exists()
    event = article.events.last()
    assert (event.action, event.actor, event.comment) == ("unpublish", duty, "Legal: take it down.")
    assert f"“{article.headline}” (#{article.pk}) is now Draft" in out


@pytest.mark.parametrize("address", ["path", "absolute", "admin"])
def test_article_found_by_its_address(address):
    article = PublishedArticleFactory()
    EditorFactory(username="duty")
    reference = {
        "path": article.get_absolute_url(),
        "absolute": f"https://news.example{article.get_absolute_url()}",
        "admin": f"/admin/articles/article/{article.pk}/change/",
    }[address]

    run(reference, "unpublish", "--user", "duty", "-c", "Wrong story.")

    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_reschedule_a_take_down_time():
    article = PublishedArticleFactory()
    EditorFactory(username="duty")
    local = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)

    run(
        str(article.pk),
        "reschedule",
        "--user",
        "duty",
        "--expire-at",
        local.strftime("%Y-%m-%d %H:%M"),
        "-c",
        "x",
    )

    assert Article.objects.get(pk=article.pk).expire_at == local


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "unpublish", "--user", "duty", "-c", "x"], "No article has the id 999999."),
        (["/no/such/page/", "unpublish", "--user", "duty", "-c", "x"], "neither an article id nor"),
        (["{pk}", "vanish", "--user", "duty"], "Unknown transition “vanish”. Choose one of: submit,"),
        (["{pk}", "go_live", "--user", "duty"], "Unknown transition “go_live”"),
        (["{pk}", "unpublish", "--user", "nobody", "-c", "x"], "No active user is called “nobody”."),
        (["{pk}", "submit", "--user", "duty"], "Cannot submit for review: the article is Published."),
        (["{pk}", "unpublish", "--user", "duty"], "Unpublish needs a comment: reason for unpublishing."),
        (["{pk}", "unpublish", "--user", "reporter", "-c", "x"], "You do not have permission to unpublish"),
        (["{pk}", "reschedule", "--user", "duty", "--expire-at", "soon", "-c", "x"], "“soon” is not a time"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(args, message):
    article = PublishedArticleFactory()
    EditorFactory(username="duty")
    ReporterFactory(username="reporter")
    events = article.events.count()

    with pytest.raises(CommandError, match=message):
        run(*[arg.format(pk=article.pk) for arg in args])

    article.refresh_from_db()
    assert (article.status, article.events.count()) == (Article.Status.PUBLISHED, events)


def test_delete_from_the_terminal_keeps_the_trail():
    article = ArticleFactory()
    EditorFactory(username="duty")

    out = run(str(article.pk), "delete", "--user", "duty")

    assert not Article.objects.filter(pk=article.pk).exists()
    assert "its audit trail is kept" in out
