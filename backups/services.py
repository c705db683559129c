"""
``backup_create`` writes one archive; ``backup_restore`` puts one back.

An archive holds the database (``database.dump`` or ``database.jsonl``, see
``backups.database``), every file of every storage but the static files' (``media/`` for the
default storage, ``originals/`` for the originals), and ``manifest.json``: when and from what it
was made, the migrations applied, the rows of every model, and the size and SHA-256 of every
other member.

The database is read first, then the files: a photo uploaded meanwhile leaves a file the
database does not know (harmless), never a row without its file.

A restore changes nothing until everything is checked: the database is empty (or ``force``),
every member is whole and matches the manifest, none is missing or unlisted, the dump suits
this database. Then the database is restored, its rows counted against the manifest, the files
written, and every cache emptied (it was filled from the database as it was).
"""

import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from backups import BackupError, archive, database

MANIFEST = "manifest.json"
FORMAT = "newsroom-backup"
VERSION = 1


@dataclass(frozen=True)
class Summary:
    """What a backup or a restore did: the archive, the rows of each model, the files."""

    path: Path
    counts: dict
    files: int
    size: int

    @property
    def rows(self):
        return sum(self.counts.values())


def default_output():
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "backups" / f"newsroom-{stamp}.tar.gz"


def file_storages():
    """``{storage alias: member prefix}``: every storage but the static files' (collectstatic's)."""
    from django.contrib.staticfiles.storage import STATICFILES_STORAGE_ALIAS

    return {
        alias: "media/" if alias == "default" else f"{alias}/"
        for alias in storages.backends
        if alias != STATICFILES_STORAGE_ALIAS
    }


def stored_files(storage, folder=""):
    """Every file's name in ``storage`` (under ``folder``), through the storage API alone."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a storage folder not made yet: nothing uploaded
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from stored_files(storage, f"{folder}/{name}" if folder else name)


def backup_create(*, output=None) -> Summary:
    """Write the database and every stored file to one archive at ``output``; return a summary."""
    path = Path(output) if output else default_output()
    kind = archive.kind_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed when whole: a failed backup never leaves a plausible archive.
    partial = path.with_name(f".{path.name}.partial")
    engine = database.engine()
    members = {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="newsroom-backup-") as folder,
            archive.writing(partial, kind) as add,
        ):
            dump = Path(folder) / engine.member
            counts = engine.dump(dump)
            with dump.open("rb") as source:
                members[engine.member] = add(engine.member, source)
            dump.unlink()
            prefixes = file_storages()
            for alias, prefix in prefixes.items():
                storage = storages[alias]
                for name in stored_files(storage):
                    with storage.open(name, "rb") as source:
                        members[prefix + name] = add(prefix + name, source)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "django": django.get_version(),
                "database": {"vendor": connection.vendor, "format": engine.format, "member": engine.member},
                "migrations": database.applied_migrations(),
                "counts": counts,
                "storages": prefixes,
                "members": {name: member._asdict() for name, member in members.items()},
            }
            add(MANIFEST, io.BytesIO(json.dumps(manifest, indent=1, sort_keys=True).encode()))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Summary(path, counts, len(members) - 1, path.stat().st_size)


def backup_restore(*, path, force=False) -> Summary:
    """
    Restore the archive at ``path``: database, files, counts checked. Refuses a database with
    content unless ``force``, and any archive that is not whole, before changing anything.
    """
    path = Path(path)
    if not force and (filled := database.filled_models()):
        raise BackupError(
            f"The database is not empty ({_some(f'{label}: {rows}' for label, rows in filled.items())}). "
            "A restore replaces all of it: add --force to do that."
        )
    engine = database.engine()
    with tempfile.TemporaryDirectory(prefix="newsroom-restore-") as folder:
        folder = Path(folder)
        found = archive.extract(path, folder)
        manifest = _checked_manifest(path, folder, found)
        targets = _storages_for(manifest)
        theirs = manifest["database"]
        if theirs["format"] != engine.format:
            raise BackupError(
                f"{path} holds a {theirs['vendor']} database ({theirs['format']}); this one is "
                f"{connection.vendor}: restore it into a {theirs['vendor']} database."
            )
        if unknown := sorted(set(manifest["counts"]) - database.known_models()):
            raise BackupError(
                f"{path} holds rows of models this code does not have ({_some(unknown)}): "
                "restore it with the code it was made with."
            )
        dump = folder / manifest["database"]["member"]
        engine.check(dump, manifest)

        # Everything is checked: from here on the database and the storages change.
        engine.load(dump, manifest["counts"])
        files = 0
        for name in sorted(manifest["members"]):
            for prefix, storage in targets.items():
                if name.startswith(prefix):
                    _put(storage, name.removeprefix(prefix), folder / name)
                    files += 1
                    break
    ContentType.objects.clear_cache()
    for alias in settings.CACHES:
        caches[alias].clear()
    return Summary(path, manifest["counts"], files, path.stat().st_size)


def _put(storage, name, source):
    if storage.exists(name):
        storage.delete(name)
    with source.open("rb") as content:
        stored = storage.save(name, File(content, name=name))
    if stored != name:
        raise BackupError(f"{name} could not be restored under its own name (the storage chose {stored}).")


def _some(items, shown=5):
    items = list(items)
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _checked_manifest(path, folder, found):
    """The manifest, once it is known to describe exactly the members found, byte for byte."""
    if MANIFEST not in found:
        raise BackupError(f"{path} has no {MANIFEST}: it was not made by manage.py backup, or is incomplete.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not a newsroom backup (its {MANIFEST} names no such format).")
        if manifest.get("version") != VERSION:
            raise BackupError(
                f"{path} is a backup of format {manifest.get('version')}; this code reads {VERSION}."
            )
        listed = {
            name: archive.Member(entry["size"], entry["sha256"])
            for name, entry in manifest["members"].items()
        }
        described = manifest["database"]
        if not all(isinstance(described[key], str) for key in ("member", "format", "vendor")):
            raise TypeError("database")
        database_member = described["member"]
        counts, prefixes = manifest["counts"], manifest["storages"]
        if not all(isinstance(label, str) and isinstance(rows, int) for label, rows in counts.items()):
            raise TypeError("counts")
        if not all(isinstance(name, str) for name in manifest["migrations"]):
            raise TypeError("migrations")
        if not all(isinstance(prefix, str) and prefix.endswith("/") for prefix in prefixes.values()):
            raise TypeError("storages")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(f"{path}: {MANIFEST} is damaged or incomplete.") from None

    if missing := sorted(set(listed) - set(found)):
        raise BackupError(f"{path} is missing {len(missing)} member(s) its manifest lists: {_some(missing)}.")
    if unlisted := sorted(set(found) - set(listed) - {MANIFEST}):
        raise BackupError(f"{path} holds member(s) its manifest does not list: {_some(unlisted)}.")
    if wrong := sorted(name for name, member in listed.items() if found[name] != member):
        raise BackupError(f"{path} is corrupt: {_some(wrong)} do(es) not match the manifest's SHA-256.")
    if database_member not in listed:
        raise BackupError(f"{path} holds no database ({database_member}).")
    if stray := [n for n in listed if n != database_member and not n.startswith(tuple(prefixes.values()))]:
        raise BackupError(f"{path} holds member(s) that belong to no storage: {_some(stray)}.")
    return manifest


def _storages_for(manifest):
    """``{member prefix: storage}`` for the backup's files; refuses a storage this site lacks."""
    configured = storages.backends
    if unknown := sorted(set(manifest["storages"]) - set(configured)):
        raise BackupError(
            f"The backup holds files of storages settings.STORAGES does not have: {_some(unknown)}."
        )
    return {prefix: storages[alias] for alias, prefix in manifest["storages"].items()}
