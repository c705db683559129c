"""
The database part of a backup, in the best form each database has:

* PostgreSQL: ``pg_dump``'s custom format, put back by ``pg_restore`` in one transaction with
  ``--clean`` (the backup's tables replace the database's). Schema, rows, sequences and the
  search index's table come back as they were. The client programs are taken from ``PATH`` and
  the connection from the database's settings.
* Any other database (SQLite, the embedded default): Django's serializer, as JSON lines (what
  ``dumpdata`` writes), loaded in one transaction after the tables are emptied, so a failure
  leaves the database as it was. Content types and permissions are not in it: ``migrate`` makes
  them, with ids of each database's own, so rows refer to them by natural key. Every other row
  keeps its id, so references without a database constraint (a deleted story's workflow events
  and revisions) still point where they did; many-to-many links are kept as links (the rows of
  their tables get new ids). Times keep their microseconds. Derived data (the search index) is
  rebuilt.

Rows are counted in the transaction the dump is read in (on PostgreSQL pg_dump reads the
snapshot that transaction exports), so the manifest's counts are exactly those of the dump.
"""

import datetime
import io
import os
import subprocess

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLinesSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Prefetch

from backups import BackupError

# Rows that migrate makes, with ids of each database's own.
MADE_BY_MIGRATE = frozenset({"contenttypes.contenttype", "auth.permission"})
# Rows a freshly migrated database already has (the role groups too): restoring over them
# overwrites nothing anyone made.
IN_A_FRESH_DATABASE = MADE_BY_MIGRATE | {"auth.group", "auth.group_permissions"}
# Commands that rebuild derived data after a serializer load (loading sends no save signals).
REBUILD_AFTER_LOAD = ["rebuild_search_index"]
# A PostgreSQL restore waiting longer than this for a lock (a site still running) gives up.
LOCK_TIMEOUT = "30s"


def _connection():
    return connections[DEFAULT_DB_ALIAS]


def stored_models():
    """Every model whose table the database has, the auto-created many-to-many ones included."""
    connection = _connection()
    tables = set(connection.introspection.table_names())
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
        and model._meta.managed
        and router.allow_migrate_model(connection.alias, model)
        and model._meta.db_table in tables
    ]


def known_models():
    """The labels of every model of the installed apps."""
    return {model._meta.label_lower for model in apps.get_models(include_auto_created=True)}


def count_rows(models):
    return {model._meta.label_lower: model._base_manager.using(DEFAULT_DB_ALIAS).count() for model in models}


def filled_models():
    """``{model label: rows}`` of the models a fresh database has no rows of, and this one has."""
    counts = count_rows(m for m in stored_models() if m._meta.label_lower not in IN_A_FRESH_DATABASE)
    return {label: rows for label, rows in sorted(counts.items()) if rows}


def applied_migrations():
    """The migrations applied to the database, as sorted ``app.name`` strings."""
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(_connection()).applied_migrations())


def check_counts(expected):
    """Raise unless every model of ``expected`` (``{label: rows}``) has that many rows now."""
    models = {model._meta.label_lower: model for model in stored_models()}
    missing = sorted(set(expected) - set(models))
    if missing:
        raise BackupError(f"After the restore the database has no table for {', '.join(missing)}.")
    found = count_rows(models[label] for label in expected)
    wrong = [
        f"{label}: {found[label]} rows, not {rows}"
        for label, rows in expected.items()
        if found[label] != rows
    ]
    if wrong:
        raise BackupError(f"The restored rows do not match the manifest's counts ({'; '.join(wrong)}).")


def engine():
    """The engine for the database in use: ``PgDump`` on PostgreSQL, ``Serialized`` elsewhere."""
    return PgDump() if _connection().vendor == "postgresql" else Serialized()


class PgDump:
    format = "pg_dump-custom"
    member = "database.dump"

    def _environment(self, **extra):
        """The connection as libpq's variables, with what Django's own psql client passes."""
        settings_dict = _connection().settings_dict
        _, client_env = _connection().client.settings_to_cmd_args_env(settings_dict, [])
        env = {**os.environ, **(client_env or {}), **extra}
        for variable, key in [
            ("PGHOST", "HOST"),
            ("PGPORT", "PORT"),
            ("PGUSER", "USER"),
            ("PGDATABASE", "NAME"),
        ]:
            if settings_dict.get(key):
                env[variable] = str(settings_dict[key])
        return env

    def _run(self, *args, env=None):
        try:
            done = subprocess.run(args, env=env or self._environment(), capture_output=True, text=True)
        except FileNotFoundError:
            raise BackupError(
                f"{args[0]} is not on PATH: install PostgreSQL's client programs "
                "(apt-get install postgresql-client), of the server's version or newer."
            ) from None
        if done.returncode:
            raise BackupError(f"{args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def _outside_transactions(self, what):
        # pg_dump and pg_restore work on connections of their own: this one must hold nothing.
        if _connection().in_atomic_block:
            raise BackupError(f"A PostgreSQL {what} must run outside a transaction.")

    def dump(self, path):
        """Write the database to ``path``; return the rows of every model."""
        self._outside_transactions("backup")
        with transaction.atomic(using=DEFAULT_DB_ALIAS), _connection().cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = count_rows(stored_models())
            self._run(
                "pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={path}"
            )
        return counts

    def check(self, path, manifest):
        """Refuse a dump pg_restore cannot read (a newer pg_dump's, say) before anything changes."""
        self._run("pg_restore", "--list", str(path))

    def load(self, path, counts):
        self._outside_transactions("restore")
        self._run(
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={_connection().settings_dict['NAME']}",
            str(path),
            env=self._environment(
                PGOPTIONS=f"{os.environ.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}"
            ),
        )
        check_counts(counts)


def _by_natural_key(model):
    return model._meta.label_lower in MADE_BY_MIGRATE


class _Serializer(JSONLinesSerializer):
    """
    Django's JSON lines, with natural keys for content types and permissions only: their ids are
    each database's own. Every other row is referred to by its id, which the restore keeps (were
    Django to drop this hook, users and groups would go by natural key too: slower, as correct).
    """

    def _model_supports_natural_key(self, model):
        return _by_natural_key(model) and super()._model_supports_natural_key(model)


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder cuts them to milliseconds (ECMA-262's format)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _rows(model):
    """``model``'s rows in id order, with what their natural keys read fetched in the same queries."""

    def with_natural_keys(queryset):
        # Named fields only: select_related() without them would join every non-null foreign key,
        # and an inner join drops the rows whose story was deleted (workflow events, revisions).
        fields = [
            field.name
            for field in queryset.model._meta.concrete_fields
            if field.many_to_one and _by_natural_key(field.related_model)
        ]
        return queryset.select_related(*fields) if fields else queryset

    many = [
        Prefetch(field.name, queryset=with_natural_keys(field.related_model._base_manager.all()))
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    queryset = with_natural_keys(model._base_manager.using(DEFAULT_DB_ALIAS).order_by("pk"))
    return queryset.prefetch_related(*many).iterator(chunk_size=2000)


class Serialized:
    format = "django-jsonl"
    member = "database.jsonl"

    def _models(self):
        """The models whose rows the backup holds (auto-created tables: with their models' rows)."""
        return [model for model in stored_models() if model._meta.label_lower not in MADE_BY_MIGRATE]

    def dump(self, path):
        """Write the database to ``path``; return the rows of every model."""
        # One transaction: the counts and the rows are read from the same state of the database.
        with transaction.atomic(using=DEFAULT_DB_ALIAS), open(path, "w", encoding="utf-8") as stream:
            models = self._models()
            counts = count_rows(models)
            serializer = _Serializer()
            for model in models:
                if not model._meta.auto_created:
                    serializer.serialize(
                        _rows(model), stream=stream, use_natural_foreign_keys=True, cls=_Encoder
                    )
        return counts

    def check(self, path, manifest):
        """The rows load only into the tables they were read from: the same migrations."""
        theirs, ours = set(manifest["migrations"]), set(applied_migrations())
        if theirs == ours:
            return
        if not ours:
            raise BackupError("This database has no tables yet: run `manage.py migrate` first.")
        differences = [
            f"{where}: {', '.join(sorted(names)[:5])}{' …' if len(names) > 5 else ''}"
            for where, names in [
                ("only in the backup", theirs - ours),
                ("only in this database", ours - theirs),
            ]
            if names
        ]
        raise BackupError(
            "The backup was made at other migrations than this database is at "
            f"({'; '.join(differences)}). Migrate this database to the backup's migrations "
            "(`manage.py migrate <app> <migration>`), restore, then migrate forward."
        )

    def load(self, path, counts):
        connection = _connection()
        models = self._models()
        tables = [model._meta.db_table for model in models]
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                connection.ops.execute_sql_flush(
                    connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
                )
                with connection.constraint_checks_disabled(), open(path, encoding="utf-8") as stream:
                    deferred = []
                    for row in serializers.deserialize(
                        "jsonl", stream, using=DEFAULT_DB_ALIAS, handle_forward_references=True
                    ):
                        row.save(using=DEFAULT_DB_ALIAS)
                        if row.deferred_fields:
                            deferred.append(row)
                    for row in deferred:
                        row.save_deferred_fields(using=DEFAULT_DB_ALIAS)
                connection.check_constraints(table_names=tables)
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), models):
                        cursor.execute(sql)
                for command in REBUILD_AFTER_LOAD:
                    call_command(command, stdout=io.StringIO())
                # Inside the transaction: rows that do not add up are rolled back.
                check_counts(counts)
        except (DeserializationError, DatabaseError) as error:
            raise BackupError(
                f"The backup's rows could not be loaded, nothing was changed: {error}"
            ) from None
