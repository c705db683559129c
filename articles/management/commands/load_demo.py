"""
``manage.py load_demo``: fill the database with a fictional newsroom to click through.

It creates the sections, photo credits, bylines, about thirty stories with generated lead
photos, Related News links, Editor's Pick lists, a running live story with its posts, and three
demo accounts (``reporter``,
``editor`` and ``chief``). A new story is saved the way the admin saves one (the row, then its
first revision) and reaches its demo state through ``articles.workflow`` with the demo editor
as the actor. The workflow's clock is set back for each step, so the stories, their audit
trail and their "Written"/"Updated" times are spread over the last few days.

Running it again changes nothing: rows are found by their natural keys (slug, name, username),
existing stories, their photos and links are left as they are, and a workflow transition is
only taken when a story is not in its demo state. Everything happens in one transaction; if it
fails, the photo files written so far are removed as well. The new photos' renditions (sizes and
crops, articles/renditions.py) are made by tasks enqueued once the transaction has committed.
"""

import os
import secrets
import zlib
from collections import deque
from datetime import timedelta
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles import curation, notifications, recordings, renditions, revisions, roles, workflow
from articles.demo import audio as demo_audio
from articles.demo import stories as demo
from articles.demo.photos import render_photo
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleRevision,
    Audio,
    Author,
    EditorsPick,
    Photo,
    PhotoCredit,
    RelatedArticle,
    Section,
    Topic,
    WorkflowEvent,
)

Status = Article.Status

# username: (role group, first name, last name, email address). The addresses (example.com,
# reserved for examples) let `make run`'s console mailer show the notifications the desk sends;
# the demo's own made-up history notifies nobody (``notifications.silenced``).
DEMO_ACCOUNTS = {
    "reporter": (roles.REPORTER, "Hana", "Morrow", "hana.morrow@newsroom.example.com"),
    "editor": (roles.EDITOR, "Ada", "Quill", "ada.quill@newsroom.example.com"),
    "chief": (roles.CHIEF_EDITOR, "Gareth", "Sloane", "gareth.sloane@newsroom.example.com"),
}

# The status each demo state ends in, and the transitions a new story takes to get there.
TARGET_STATUS = {
    "draft": Status.DRAFT,
    "returned": Status.DRAFT,
    "review": Status.REVIEW,
    "published": Status.PUBLISHED,
    "updated": Status.UPDATED,
    "unpublished": Status.DRAFT,
}
STORY_PATHS = {
    "draft": [],
    "returned": ["submit", "return"],
    "review": ["submit"],
    "published": ["submit", "publish"],
    "updated": ["submit", "publish", "publish_update"],
    "unpublished": ["submit", "publish", "unpublish"],
}
# Transitions that carry the story's comment: why it was returned, updated or unpublished.
COMMENTED_STEPS = {"return", "publish_update", "unpublish"}
RESTORE_COMMENT = "Put back in its demo state by load_demo."


class Command(BaseCommand):
    help = (
        "Load a fictional demo newsroom: sections, bylines, ~30 stories in every workflow state, "
        "photos, related links, Editor's Picks and the demo accounts reporter / editor / chief. "
        "Safe to run again. The accounts' password comes from DEMO_PASSWORD, or is generated once."
    )

    def handle(self, *args, **options):
        loader = DemoLoader(password=os.environ.get("DEMO_PASSWORD") or None)
        try:
            # The demo's history is made up: nobody is told of it.
            with transaction.atomic(), notifications.silenced():
                loader.load()
        except BaseException:
            # The rows are rolled back; the photo files written so far must go too.
            loader.delete_saved_files()
            raise
        # Reported only once committed, so a printed password is one that was really saved.
        for line in loader.report():
            self.stdout.write(line)
        for warning in loader.warnings:
            self.stderr.write(self.style.WARNING(warning))
        site_url = settings.SITE_URL.rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"Site: {site_url}/  Admin: {site_url}{reverse('admin:index')}"))


class DemoLoader:
    def __init__(self, *, password=None):
        self.password = password
        self.now = timezone.now()
        self.created = {}
        self.warnings = []
        self.saved_files = []
        self.new_accounts = []
        self.generated_password = None

    def load(self):
        self.accounts = self.load_accounts()
        self.editor = self.accounts["editor"]
        sections = self.load_sections()
        credits = self.load_credits()
        authors = self.load_authors()

        articles, new = {}, set()
        for story in demo.STORIES:
            article = Article.objects.filter(slug=story.slug).first()
            if article is None:
                article = self.create_article(story, sections=sections, credits=credits, authors=authors)
                new.add(story.slug)
            articles[story.slug] = article
        # Links before the first revision, so that revision holds them like the admin's would.
        self.load_related(articles, new=new)
        self.load_topics(articles, new=new)
        for story in demo.STORIES:
            if story.slug in new:
                articles[story.slug] = self.publish_new_story(story, articles[story.slug])
            else:
                articles[story.slug] = self.restore_state(story, articles[story.slug])
        self.load_picks(articles, sections)
        self.load_live_story(articles)

    def load_live_story(self, articles):
        """One running live story with posts over several hours (the live app's demo)."""
        # Imported here: articles never imports the live app when it is loaded.
        from live.demo import LIVE_STORY_SLUG, load_live_story

        added = load_live_story(
            article=articles[LIVE_STORY_SLUG],
            editor=self.editor,
            reporter=self.accounts["reporter"],
            now=self.now,
        )
        if added:
            self.created["live posts"] = added

    def _count(self, label, created=True):
        if created:
            self.created[label] = self.created.get(label, 0) + 1

    # --- accounts and reference data ----------------------------------------------------

    def load_accounts(self):
        user_model = get_user_model()
        accounts = {}
        for username, (role, first_name, last_name, email) in DEMO_ACCOUNTS.items():
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "first_name": first_name, "last_name": last_name, "email": email},
            )
            if not user.is_staff or not user.email:  # an account from before the demo had addresses
                user.is_staff, user.email = True, user.email or email
                user.save(update_fields=["is_staff", "email"])
            user.groups.add(Group.objects.get(name=role))
            if created:
                self.new_accounts.append(user)
            accounts[username] = user

        if self.password:
            for user in accounts.values():
                if not user.check_password(self.password):
                    user.set_password(self.password)
                    user.save(update_fields=["password"])
        elif self.new_accounts:
            self.generated_password = secrets.token_urlsafe(12)
            for user in self.new_accounts:
                user.set_password(self.generated_password)
                user.save(update_fields=["password"])
        return accounts

    def load_sections(self):
        sections = {}
        for position, (name, slug, description) in enumerate(demo.SECTIONS, start=1):
            sections[slug], created = _upsert(
                Section, {"slug": slug}, {"name": name, "position": position, "description": description}
            )
            self._count("sections", created)
        return sections

    def load_credits(self):
        credits = {}
        for name in demo.CREDITS:
            credits[name], created = PhotoCredit.objects.get_or_create(name=name)
            self._count("photo credits", created)
        return credits

    def load_authors(self):
        authors = {}
        for data in demo.AUTHORS:
            values = {"name": data["name"], "affiliation": demo.AFFILIATION, "bio": data["bio"]}
            if data["user"]:
                values["user"] = self.accounts[data["user"]]
            authors[data["slug"]], created = _upsert(Author, {"slug": data["slug"]}, values)
            self._count("authors", created)
        return authors

    # --- new stories ----------------------------------------------------------------------

    def create_article(self, story, *, sections, credits, authors):
        """The article row with its photo and bylines; an updated story lacks its update yet."""
        bylines = [authors[slug] for slug in story.authors]
        paragraphs = story.paragraphs[:-1] if story.state == "updated" else story.paragraphs
        article = Article.objects.create(
            slug=story.slug,
            headline=story.headline,
            section=sections[story.section],
            lead_photo=self.make_photo(story, credit=credits[story.credit]),
            audio=self.make_audio(story),
            anchor_lead=f"{story.anchor}\n{bylines[0].name} has more.",
            body=_body(paragraphs),
            summary=story.summary,
            created_by=bylines[0].user or self.editor,
        )
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author=author, position=position)
            for position, author in enumerate(bylines)
        )
        self._count("articles")
        return article

    def make_photo(self, story, *, credit):
        image = render_photo(slug=story.slug, section_slug=story.section)
        photo = Photo(caption=story.caption, alt_text=story.alt_text, credit=credit, uploaded_by=self.editor)
        photo.image.save(f"{story.slug}.jpg", ContentFile(image), save=False)
        self.saved_files.append((photo.image.storage, photo.image.name))
        photo.full_clean()
        photo.save()
        # Its sizes and crops, once the demo is committed (none are made if loading fails).
        renditions.make_renditions_later(photo)
        self._count("photos")
        return photo

    def make_audio(self, story):
        """The report's recording, for the stories of ``demo_audio.AUDIO_STORIES``; None for the rest."""
        seconds = demo_audio.AUDIO_STORIES.get(story.slug)
        if seconds is None:
            return None
        content = demo_audio.render_report_audio(slug=story.slug, seconds=seconds)
        recording = recordings.audio_create(
            content=content,
            name=f"{story.slug}.wav",
            title=story.headline,
            credit=settings.NEWSROOM_SITE_NAME,
            user=self.editor,
        )
        self.saved_files.append((recording.recording.storage, recording.recording.name))
        self._count("recordings")
        return recording

    def load_topics(self, articles, *, new):
        """The demo's topics, and the new stories filed under them (an existing story keeps its own)."""
        for name, slug, description, story_slugs in demo_audio.TOPICS:
            topic, created = _upsert(Topic, {"slug": slug}, {"name": name, "description": description})
            self._count("topics", created)
            for story_slug in story_slugs:
                if story_slug in new:
                    articles[story_slug].topics.add(topic)

    def publish_new_story(self, story, article):
        """Take the first revision, then walk the story through the workflow on its timeline."""
        revisions.create_revision(
            article=article, content=revisions.snapshot(article), user=article.created_by
        )
        times = self.timeline(story)
        for name in STORY_PATHS[story.state]:
            if name == "publish_update":
                self.edit_in_update(story, article)
            article = workflow.apply_transition(
                article=article,
                user=self.editor,
                name=name,
                comment=story.comment if name in COMMENTED_STEPS else "",
                now=times[name],
            )
            self._count("workflow transitions")
        Article.objects.filter(pk=article.pk).update(created_at=times["created"])
        return article

    def edit_in_update(self, story, article):
        """Add the update (the story's last paragraph) as a revision waiting to be published."""
        article.refresh_from_db()
        content = revisions.content_of(article)
        content["body"] = _body(story.paragraphs)
        revisions.save_edit(
            article=article,
            content=content,
            user=self.editor,
            base_version=article.version,
            message=story.comment,
        )

    def timeline(self, story):
        """When each step of a new story happened: ``hours_ago`` marks publication (or creation)."""
        jitter = timedelta(minutes=zlib.crc32(story.slug.encode()) % 60)
        moment = self.now - timedelta(hours=story.hours_ago) - jitter
        times = {
            "created": moment - timedelta(minutes=50),
            "submit": moment - timedelta(minutes=25),
            "return": moment,
            "publish": moment,
            "unpublish": min(moment + timedelta(hours=3), self.now),
        }
        if story.updated_hours_ago is not None:
            times["publish_update"] = self.now - timedelta(hours=story.updated_hours_ago) - jitter
        return times

    # --- existing stories -----------------------------------------------------------------

    def restore_state(self, story, article):
        """Take an existing story back to its demo state, if someone moved it; else do nothing."""
        target = TARGET_STATUS[story.state]
        if article.status == target:
            return article
        try:
            for name in _path_between(article.status, target):
                article = workflow.apply_transition(
                    article=article, user=self.editor, name=name, comment=RESTORE_COMMENT
                )
                self._count("workflow transitions")
        except workflow.TransitionError as error:
            self.warnings.append(f"{story.slug}: left {article.status}: {error}")
            return article
        if article.status != target:
            self.warnings.append(f"{story.slug}: is {article.status}, not {target}.")
        return article

    # --- links and picks ------------------------------------------------------------------

    def load_related(self, articles, *, new):
        """Related News of the new stories; an existing story's links are its editors' business."""
        positions = {}
        for from_slug, to_slug in demo.RELATED:
            position = positions[from_slug] = positions.get(from_slug, -1) + 1
            if from_slug not in new:
                continue
            RelatedArticle.objects.create(
                from_article=articles[from_slug], to_article=articles[to_slug], position=position
            )
            self._count("related links")

    def load_picks(self, articles, sections):
        """Picks go through the curation service, like the chief editor's, in reverse so the
        first story of each demo list ends up on top."""
        curator = self.accounts["chief"]
        for section_slug, slugs in demo.PICKS.items():
            section = sections[section_slug] if section_slug else None
            for slug in reversed(slugs):
                article = articles[slug]
                if not article.is_published:
                    self.warnings.append(f"{slug}: not published, so not in the Editor's Pick.")
                    continue
                if EditorsPick.objects.filter(article=article, section=section).exists():
                    continue
                curation.add_pick(user=curator, article=article, section=section)
                self._count("editor's picks")

    # --- cleanup and report ---------------------------------------------------------------

    def delete_saved_files(self):
        for storage, name in self.saved_files:
            storage.delete(name)
        self.saved_files = []

    def report(self):
        usernames = " / ".join(DEMO_ACCOUNTS)
        if self.password:
            yield f"Demo accounts: {usernames}, password from DEMO_PASSWORD."
        elif self.generated_password:
            created = " / ".join(user.username for user in self.new_accounts)
            yield f"Demo accounts: {created}, password: {self.generated_password}"
            if len(self.new_accounts) < len(DEMO_ACCOUNTS):
                yield "The other demo accounts already existed; their passwords were not changed."
        else:
            yield f"Demo accounts {usernames} already exist; their passwords were not changed."

        if self.created:
            yield "Created: " + ", ".join(f"{count} {label}" for label, count in self.created.items()) + "."
        else:
            yield "Nothing to do: the demo data was already loaded."

        by_status = dict.fromkeys(Status, 0)
        for status in Article.objects.values_list("status", flat=True):
            by_status[status] += 1
        articles = ", ".join(f"{count} {Status(status).label.lower()}" for status, count in by_status.items())
        yield (
            f"In the database: {Section.objects.count()} sections, {Author.objects.count()} authors, "
            f"{PhotoCredit.objects.count()} photo credits, {Photo.objects.count()} photos, "
            f"{Audio.objects.count()} recordings, {Topic.objects.count()} topics, "
            f"{sum(by_status.values())} articles ({articles}), "
            f"{ArticleRevision.objects.count()} revisions, {WorkflowEvent.objects.count()} workflow events, "
            f"{RelatedArticle.objects.count()} related links, {EditorsPick.objects.count()} editor's picks."
        )


def _body(paragraphs):
    return "\n".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)


def _upsert(model, lookup, values):
    """Get or create by natural key; on an existing row, save only the fields that differ."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed:
            obj.save(update_fields=changed)
    return obj, created


def _path_between(current, target):
    """The shortest list of workflow transitions from one status to another (empty if none)."""
    queue, seen = deque([(current, [])]), {current}
    while queue:
        status, path = queue.popleft()
        if status == target:
            return path
        for transition in workflow.transitions_from(status):
            after = transition.target(status)
            if after not in seen and transition.name != "delete":
                seen.add(after)
                queue.append((after, [*path, transition.name]))
    return []
