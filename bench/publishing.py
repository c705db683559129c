"""
The in-process half of `make bench-publishing` (bench/publishing_load.py runs it through two
commands of the bench app, with the benchmark's environment):

* ``manage.py reader_paths``: the addresses the readers cycle over, by kind, from the database.
* ``manage.py publishing_editor``: an editor taking one workflow transition a second on a few
  stories, each through ``articles.workflow.take`` as the admin would, one JSON line per commit.

Each edited story goes round publish → edit and submit → publish update → unpublish → submit →
publish, one transition at a time, so that readers see a story go live, change and come down.
The next transition is read from the story itself (its status, its pending edit, its last
event), so a second run on the same database carries on where the first stopped.
"""

import json
import random
import time
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from articles import revisions, workflow
from articles.models import Article, Author, Section, WorkflowEvent
from articles.sitemaps import ArticleSitemap
from bench.generator import GENERATOR_USERNAME

Status = Article.Status
EDITOR_COMMENT = "make bench-publishing"
# Search queries readers send: words and pairs of the generator's vocabulary (bench/generator.py).
SEARCH_QUERIES = ("fishing quotas", "budget plan", "parliament", "rail link delays", "harbour", "museum")


# --- the edited stories ------------------------------------------------------------------------


def edited_stories(count):
    """
    The stories the editor works on: the newest story readers have seen in each of the first
    ``count`` sections, with no embargo or take-down time (the clock must not move them too).
    Chosen the same way on every run, whatever state the last run left them in.
    """
    stories = []
    for section in Section.objects.order_by("position", "name")[:count]:
        story = (
            Article.objects.filter(
                section=section,
                status__in=[Status.PUBLISHED, Status.UPDATED, Status.DRAFT, Status.REVIEW],
                written_at__isnull=False,
                publish_at__isnull=True,
                expire_at__isnull=True,
            )
            .order_by("-written_at", "-pk")
            .first()
        )
        if story is not None:
            stories.append(story)
    return stories


def next_transition(article, last_action):
    """
    The transition that moves ``article`` on round its cycle, given the action of its last
    workflow event: ``(name, needs_an_edit_first)``.
    """
    if article.status == Status.DRAFT:
        return "submit", False
    if article.status == Status.REVIEW:
        return "publish", False
    if article.has_unpublished_changes:
        if article.submitted_revision_id == article.latest_revision_id:
            return "publish_update", False
        return "submit_update", False
    if last_action == "publish_update":
        return "unpublish", False
    return "submit_update", True


def take_next(article_pk, user, *, step, mark=None):
    """
    Take ``article_pk``'s next transition as ``user`` and return what was committed: the story,
    the transition, the states, its headline and ``committed_at``, the moment the database
    committed it (the first on-commit callback, so before the page cache is told). An edit ends
    the headline with ``(edit MARK)`` (``mark``: ``step`` by default): a mark no earlier run used
    lets a reader tell the new headline from every old one.
    """
    committed = {}
    with transaction.atomic():
        transaction.on_commit(lambda: committed.setdefault("at", time.time()))
        article = Article.objects.select_related("section").get(pk=article_pk)
        last = WorkflowEvent.objects.filter(article_id=article_pk).order_by("-created_at", "-pk").first()
        name, edit = next_transition(article, last.action if last else None)
        if edit:
            content = revisions.content_of(article)
            headline = content["headline"].split(" (edit ")[0]
            content["headline"] = f"{headline} (edit {step if mark is None else mark})"[:200]
            revisions.save_edit(
                article=article,
                content=content,
                user=user,
                base_version=article.version,
                message=EDITOR_COMMENT,
            )
            article.refresh_from_db()
        source = article.status
        article = workflow.take(name, article=article, user=user, comment=EDITOR_COMMENT)
    return {
        "step": step,
        "article": article_pk,
        "action": name,
        "from": source,
        "to": article.status,
        "path": article.get_absolute_url(),
        "headline": article.headline,
        "committed_at": committed["at"],
    }


def settled(article):
    """Whether readers see ``article`` as it stands: published, with no edit waiting."""
    return article.status in (Status.PUBLISHED, Status.UPDATED) and not article.has_unpublished_changes


def restore(article_pk, user):
    """
    Take ``article_pk`` round its cycle until it is published with no edit waiting (at most
    submit and publish, or submit update and publish update): an editor stopped part-way must
    not leave a story unpublished for the next measurement. Returns the transitions taken.
    """
    taken = []
    while not settled(Article.objects.get(pk=article_pk)):
        if len(taken) >= 3:
            raise RuntimeError(f"Story {article_pk} is still not published after {taken}.")
        taken.append(take_next(article_pk, user, step=len(taken))["action"])
    return taken


def editor():
    return get_user_model().objects.get(username=GENERATOR_USERNAME)


def last_event_id():
    return WorkflowEvent.objects.aggregate(last=Max("pk"))["last"] or 0


# --- what the readers read ---------------------------------------------------------------------

DEEP_PAGES = (10, 100, 1000)
ARTICLES_NEWEST = 500
ARTICLES_OLDER = 1500


def reader_paths(*, stories, articles=ARTICLES_NEWEST + ARTICLES_OLDER, seed=14):
    """
    ``{kind: [path]}``: the home page, each section's page 1, deep section pages (10, 100, 1,000
    and the last, where a section has them), ``articles`` stories (the newest 500 and a seeded
    sample of older ones), the edited ``stories``, searches, the RSS and Atom feeds, the sitemaps
    and the news sitemap.
    """
    from articles.views import STORIES_PER_PAGE

    sections = list(Section.objects.order_by("position", "name"))
    live = Article.objects.published()
    readers_only = live.exclude(pk__in=[story.pk for story in stories])
    deep = []
    for section in sections:
        pages = -(-live.filter(section=section).count() // STORIES_PER_PAGE)
        deep += [
            f"{section.get_absolute_url()}?page={n}" for n in sorted({*DEEP_PAGES, pages}) if 1 < n <= pages
        ]
    newest_count = min(ARTICLES_NEWEST, articles)
    newest = list(readers_only.select_related("section").order_by("-written_at", "-pk")[:newest_count])
    newest_pks = {story.pk for story in newest}
    older_pks = [
        pk for pk in readers_only.values_list("pk", flat=True).order_by("pk") if pk not in newest_pks
    ]
    chosen = random.Random(seed).sample(older_pks, min(articles - newest_count, len(older_pks)))
    older = list(Article.objects.filter(pk__in=chosen).select_related("section").order_by("pk"))
    authors = list(Author.objects.order_by("pk")[:5])
    feeds = [reverse("articles:feed_latest"), reverse("articles:feed_latest_atom")]
    for section in sections:
        feeds += [
            reverse("articles:feed_section", kwargs={"section_slug": section.slug}),
            reverse("articles:feed_section_atom", kwargs={"section_slug": section.slug}),
        ]
    feeds += [reverse("articles:feed_author", kwargs={"author_slug": author.slug}) for author in authors]
    article_sitemap_pages = -(
        -(Article.objects.aggregate(last=Max("pk"))["last"] or 0) // ArticleSitemap.limit
    )
    sitemaps = [
        reverse("sitemap_index"),
        reverse("sitemap_news"),
        *(reverse("sitemap", kwargs={"section": name}) for name in ("home", "sections", "authors")),
        *(
            f"{reverse('sitemap', kwargs={'section': 'articles'})}?p={n}"
            for n in range(1, article_sitemap_pages + 1)
        ),
    ]
    return {
        "home": [reverse("articles:home")],
        "section": [section.get_absolute_url() for section in sections],
        "deep": deep,
        "article": [story.get_absolute_url() for story in [*newest, *older]],
        "edited": [story.get_absolute_url() for story in stories],
        "search": [f"{reverse('articles:search')}?{urlencode({'q': query})}" for query in SEARCH_QUERIES],
        "feed": feeds,
        "sitemap": sitemaps,
    }


def dumps(value):
    return json.dumps(value, separators=(",", ":"))
