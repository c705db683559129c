"""
The duty editor's emergency path: take a workflow transition from a terminal, with the same
engine, permissions and audit trail as the admin.

    python manage.py workflow 42 unpublish --user duty --comment "Legal: take down now"
    python manage.py workflow https://news.example/world/2026/03/02/slug/ unpublish --user duty -c "…"
    python manage.py workflow 42 reschedule --user duty --expire-at "2026-03-03 18:00" -c "…"
"""

from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import workflow
from articles.models import Article


def _article(reference):
    """An article by id, by its public address, or by its admin address."""
    if reference.isdigit():
        article = Article.objects.filter(pk=int(reference)).first()
        if article is None:
            raise CommandError(f"No article has the id {reference}.")
        return article
    try:
        match = resolve(urlsplit(reference).path or "/")
    except Resolver404:
        match = None
    if match and match.url_name == "article" and "slug" in match.kwargs:
        article = Article.objects.filter(slug=match.kwargs["slug"]).first()
    elif match and match.url_name == "articles_article_change":
        article = Article.objects.filter(pk=match.kwargs.get("object_id")).first()
    else:
        raise CommandError(f"“{reference}” is neither an article id nor an article's address.")
    if article is None:
        raise CommandError(f"No article is at “{reference}”.")
    return article


def _moment(text, option):
    """A time in the site's zone (or with an explicit offset); "none" clears it."""
    if text is None or text.lower() == "none":
        return None
    moment = parse_datetime(text)
    if moment is None:
        raise CommandError(f"--{option}: “{text}” is not a time; write it as 2026-03-02 09:00.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Take a workflow transition (unpublish, publish, reschedule…) as a named user."

    def add_arguments(self, parser):
        parser.add_argument("article", help="The article's id, public address or admin address.")
        names = [t.name for t in workflow.TRANSITIONS.values() if not t.system]
        parser.add_argument("transition", help=f"One of: {', '.join(names)}.")
        parser.add_argument("--user", required=True, help="Who takes it: their permissions apply.")
        parser.add_argument("-c", "--comment", default="", help="The reason, for the audit trail.")
        parser.add_argument("--correction", default="", help="Publish update: a public correction note.")
        parser.add_argument("--publish-at", help="Reschedule: the embargo time (site time zone).")
        parser.add_argument("--expire-at", help='Reschedule: the take-down time (site time zone), or "none".')

    def handle(self, *args, **options):
        name = options["transition"]
        transition = workflow.TRANSITIONS.get(name)
        if transition is None or transition.system:
            names = ", ".join(t.name for t in workflow.TRANSITIONS.values() if not t.system)
            raise CommandError(f"Unknown transition “{name}”. Choose one of: {names}.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user is called “{options['user']}”.")
        article = _article(options["article"])

        kwargs = {"article": article, "user": user, "comment": options["comment"]}
        if name in {"publish_update", "publish_correction"}:
            kwargs["correction"] = options["correction"]
        if name == "reschedule":
            kwargs["publish_at"] = (
                _moment(options["publish_at"], "publish-at")
                if options["publish_at"] is not None
                else article.publish_at
            )
            kwargs["expire_at"] = (
                _moment(options["expire_at"], "expire-at")
                if options["expire_at"] is not None
                else article.expire_at
            )
        try:
            result = workflow.take(name, **kwargs)
        except workflow.TransitionError as error:
            raise CommandError(f"“{article.headline}” (#{article.pk}): {error}") from None

        if result.pk is None:
            self.stdout.write(f"Deleted “{article.headline}” (#{article.pk}); its audit trail is kept.")
        else:
            self.stdout.write(
                f"“{result.headline}” (#{result.pk}) is now {result.get_status_display()}: "
                f"{result.reader_state().label}."
            )
