"""
Backups round-trip (``manage.py backup`` and ``restore``, the ``backups`` app): a small newsroom
is backed up, the database and the storages emptied, the archive restored, and every row and
every file compared with what was there. A damaged, cut-off or altered archive is refused and
changes nothing.

Transactional tests: on PostgreSQL pg_dump and pg_restore work on connections of their own, so
they must see committed rows (CI runs this file on SQLite and on PostgreSQL).
"""

import io
import json
import tarfile
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from articles import curation, revisions, search, workflow
from articles.models import Article, ArticleRevision, Photo, WorkflowEvent
from backups import database
from backups.services import MANIFEST, stored_files
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ChiefEditorFactory,
    EditorFactory,
    PublishedArticleFactory,
    ReporterFactory,
    SectionFactory,
    image_bytes,
    uploaded_photo,
)

pytestmark = pytest.mark.django_db(transaction=True)

FILE_STORAGES = ("default", "originals")


@pytest.fixture
def in_memory_storages(settings):
    """Media and originals with no folder at all: only the storage API can reach them."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "originals": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def build_newsroom():
    """
    Stories in every state, taken through the workflow: live with a lead photo, bylines and
    Related News; updated with a correction; scheduled; unpublished; returned to the reporter;
    and deleted (its events and revisions outlive it). Picks with their curation events, photos
    with their files, originals and renditions, a user permission and an admin log entry (both
    refer to rows migrate makes: by natural key in a serialized backup).
    """
    reporter = ReporterFactory(username="reporter")
    editor = EditorFactory(username="editor")
    chief = ChiefEditorFactory(username="chief")
    chief.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    world = SectionFactory(name="World", slug="world")
    sport = SectionFactory(name="Sport", slug="sport")
    byline = AuthorFactory(name="Mina Park", slug="mina-park", user=reporter)
    lead = uploaded_photo(data=image_bytes(size=(400, 300)), caption="The harbour", user=editor)
    uploaded_photo(data=image_bytes("PNG", size=(120, 90), color=(200, 40, 40)), credit="Other Agency")

    live = PublishedArticleFactory(
        headline="Harbour reopens after the storm", section=world, authors=[byline], lead_photo=lead
    )
    PublishedArticleFactory(headline="Ferries resume", section=world, related_articles=[live])
    live.refresh_from_db()
    revisions.save_edit(
        article=live,
        content={**revisions.content_of(live), "summary": "The port is open again."},
        user=editor,
        base_version=live.version,
    )
    workflow.publish_update(article=live, user=editor, correction="The storm hit on Monday.")

    embargo = timezone.now() + timedelta(days=2)
    scheduled = ArticleFactory(headline="Budget day", section=world, publish_at=embargo)
    workflow.submit_for_review(article=scheduled, user=editor)
    workflow.publish(article=scheduled, user=editor)

    gone = PublishedArticleFactory(headline="Withdrawn report", section=sport)
    workflow.unpublish(article=gone, user=editor, comment="Legal asked us to.")

    draft = ArticleFactory(headline="Cup final preview", section=sport, authors=[byline])
    workflow.submit_for_review(article=draft, user=reporter)
    workflow.return_to_reporter(article=draft, user=editor, comment="Needs a quote.")

    doomed = ArticleFactory(headline="Story nobody will read", section=sport)
    revisions.save_edit(
        article=doomed, content=revisions.content_of(doomed), user=editor, base_version=doomed.version
    )
    workflow.submit_for_review(article=Article.objects.get(pk=doomed.pk), user=editor)
    workflow.delete(article=Article.objects.get(pk=doomed.pk), user=editor)

    curation.add_pick(user=chief, article=live)
    curation.add_pick(user=chief, article=Article.objects.get(headline="Ferries resume"), section=world)
    LogEntry.objects.log_actions(editor.pk, [live], CHANGE, "Changed headline.", single_object=True)
    return {"live": live, "deleted_id": doomed.pk}


def rows():
    """
    Every row of every table, in id order; references to content types and permissions by
    natural key (their ids are each database's own).
    """
    by_natural_key = {ContentType, Permission}
    state = {}
    for model in database.stored_models():
        if model in by_natural_key:
            continue
        natural = [
            f for f in model._meta.concrete_fields if f.many_to_one and f.related_model in by_natural_key
        ]
        values = list(model._base_manager.order_by("pk").values())
        for row in values:
            for field in natural:
                if row[field.attname] is not None:
                    row[field.attname] = field.related_model.objects.get(pk=row[field.attname]).natural_key()
        if model._meta.auto_created:
            # A many-to-many link is kept as a link; its row's own id is not (serialized backups).
            values = sorted(repr({k: v for k, v in row.items() if k != "id"}) for row in values)
        state[model._meta.label_lower] = values
    return state


def files():
    """Every stored file's bytes, by storage and name."""
    contents = {}
    for alias in FILE_STORAGES:
        storage = storages[alias]
        for name in stored_files(storage):
            with storage.open(name, "rb") as file:
                contents[alias, name] = file.read()
    return contents


def empty_everything():
    """What a new server has: a migrated, empty database and empty storages."""
    call_command("flush", interactive=False, verbosity=0)
    for alias in FILE_STORAGES:
        for name in list(stored_files(storages[alias])):
            storages[alias].delete(name)
    assert not Article.objects.exists() and not WorkflowEvent.objects.exists() and files() == {}


def backed_up(tmp_path, name="newsroom.tar.gz"):
    output = tmp_path / name
    call_command("backup", "--output", str(output), stdout=io.StringIO())
    return output


def restore(path, *args):
    out = io.StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


# --- the round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("archive_name", "in_memory"),
    [("newsroom.tar.gz", False), ("newsroom.zip", True)],
    ids=["tar-folders", "zip-memory"],
)
def test_a_backup_restores_every_row_and_file_into_an_empty_site(tmp_path, request, archive_name, in_memory):
    if in_memory:
        request.getfixturevalue("in_memory_storages")
    newsroom = build_newsroom()
    rows_before, files_before = rows(), files()
    published_before = list(Article.objects.published().values_list("pk", flat=True).order_by("pk"))
    assert {alias for alias, _ in files_before} == {"default", "originals"}
    assert WorkflowEvent.objects.filter(article_id=newsroom["deleted_id"]).count() >= 2

    archive = backed_up(tmp_path, archive_name)
    empty_everything()
    cache.set("page-from-before", "stale")
    message = restore(archive)

    assert "every checksum and row count matches" in message
    assert rows() == rows_before
    assert files() == files_before
    assert cache.get("page-from-before") is None
    # What the desk and the readers see, read back through the application.
    deleted = newsroom["deleted_id"]
    assert not Article.objects.filter(pk=deleted).exists()
    assert {e.to_status for e in WorkflowEvent.objects.filter(article_id=deleted)} >= {"review", "deleted"}
    assert ArticleRevision.objects.filter(article_id=deleted).exists()
    assert list(Article.objects.published().values_list("pk", flat=True).order_by("pk")) == published_before
    live = Article.objects.get(pk=newsroom["live"].pk)
    assert live.lead_photo.image.read() == files_before["default", live.lead_photo.image.name]
    assert live.lead_photo.original.read() == files_before["originals", live.lead_photo.original.name]
    # The search index is derived: rebuilt (SQLite) or restored (PostgreSQL) with the stories.
    results = search.search_articles(Article.objects.published(), search.parse("harbour"), now=timezone.now())
    assert [a.pk for a in results[:10]] == [live.pk]


def test_the_manifest_counts_rows_and_checksums_every_member(tmp_path):
    build_newsroom()
    archive = backed_up(tmp_path)

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(MANIFEST))
        dump = tar.extractfile(manifest["database"]["member"]).read()
    assert archive.stat().st_mode & 0o777 == 0o600
    assert set(manifest["members"]) == set(names) - {MANIFEST}
    assert manifest["counts"]["articles.article"] == Article.objects.count()
    assert manifest["counts"]["articles.workflowevent"] == WorkflowEvent.objects.count()
    assert manifest["counts"]["articles.photo"] == Photo.objects.count() == 2
    assert manifest["members"][manifest["database"]["member"]]["size"] == len(dump)
    photo = Photo.objects.first()
    assert f"media/{photo.image.name}" in names and f"originals/{photo.original.name}" in names


# --- refusals -----------------------------------------------------------------------------------


def test_a_database_with_content_is_refused_unless_forced(tmp_path):
    build_newsroom()
    archive = backed_up(tmp_path)
    rows_at_backup, files_at_backup = rows(), files()
    ArticleFactory(headline="Written after the backup")
    storages["default"].save("photos/after-the-backup.txt", ContentFile(b"new"))
    rows_now = rows()

    with pytest.raises(CommandError, match=r"not empty \(.*articles\.article: 6,.*--force"):
        restore(archive)
    assert rows() == rows_now

    restore(archive, "--force")
    assert rows() == rows_at_backup
    # Files the backup does not have are left alone; every one it has is as it was.
    assert files() == {**files_at_backup, ("default", "photos/after-the-backup.txt"): b"new"}


def _members(archive):
    with tarfile.open(archive) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar if info.isfile()}


def _packed(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _altered_manifest(members, change):
    manifest = json.loads(members[MANIFEST])
    change(manifest)
    return {**members, MANIFEST: json.dumps(manifest).encode()}


def test_a_damaged_or_altered_archive_is_refused_and_nothing_changes(tmp_path):
    build_newsroom()
    archive = backed_up(tmp_path)
    zipped = backed_up(tmp_path, "newsroom.zip").read_bytes()
    whole = archive.read_bytes()
    members = _members(archive)
    photo = Photo.objects.first()
    media_member, original_member = f"media/{photo.image.name}", f"originals/{photo.original.name}"
    other_engine = "django-jsonl" if database.engine().format == "pg_dump-custom" else "pg_dump-custom"
    # A site that moved on since the backup: only the checks stand between it and the restore.
    ArticleFactory(headline="Written after the backup")
    storages["default"].delete(photo.image.name)
    rows_now, files_now = rows(), files()

    middle = len(whole) // 2
    damaged = {
        "truncated": (whole[:middle], "corrupt or truncated"),
        "cut before gzip's trailer": (whole[:-6], "corrupt or truncated"),
        "a byte flipped": (whole[:middle] + bytes([whole[middle] ^ 0xFF]) + whole[middle + 1 :], "corrupt"),
        "a file changed": (
            _packed({**members, media_member: members[media_member] + b"tampered"}),
            f"corrupt: {media_member} do\\(es\\) not match the manifest's SHA-256",
        ),
        "a member missing": (
            _packed({n: d for n, d in members.items() if n != original_member}),
            f"missing 1 member\\(s\\) its manifest lists: {original_member}",
        ),
        "a member not listed": (
            _packed({**members, "media/extra.jpg": b"x"}),
            "manifest does not list: media/extra.jpg",
        ),
        "no manifest": (_packed({n: d for n, d in members.items() if n != MANIFEST}), "has no manifest.json"),
        "a damaged manifest": (_packed({**members, MANIFEST: b'{"format": '}), "manifest.json is damaged"),
        "another database's dump": (
            _packed(_altered_manifest(members, lambda m: m["database"].update(format=other_engine))),
            "restore it into a",
        ),
        "rows of a model this code lacks": (
            _packed(_altered_manifest(members, lambda m: m["counts"].update({"gone.model": 1}))),
            r"models this code does not have \(gone.model\)",
        ),
        "not an archive": (b"just some text\n", "not a backup archive"),
        "empty": (b"", "not a backup archive"),
        "a zip cut short": (zipped[: len(zipped) - 100], "corrupt or truncated"),
    }

    if connection.vendor != "postgresql":
        # Serialized rows load only into the tables they were read from (pg_dump brings its own).
        damaged["other migrations"] = (
            _packed(_altered_manifest(members, lambda m: m["migrations"].append("articles.9999_future"))),
            "other migrations than this database is at .*only in the backup: articles.9999_future",
        )

    for case, (data, message) in damaged.items():
        path = tmp_path / f"damaged-{case.replace(' ', '-')}.tar.gz"
        path.write_bytes(data)
        with pytest.raises(CommandError, match=message):
            restore(path, "--force")
        assert rows() == rows_now, case
        assert files() == files_now, case


def test_an_archive_name_must_say_its_format(tmp_path):
    with pytest.raises(CommandError, match=r"\.tar\.gz or a \.zip"):
        call_command("backup", "--output", str(tmp_path / "backup.rar"))
    assert not list(tmp_path.iterdir())
