"""
The full-text search index (articles/search.py): on PostgreSQL a table of ``tsvector``
documents with a GIN index, on SQLite an FTS5 table; filled for every existing story.

Plain SQL through the search backends rather than models: neither table has a model (the ORM
reaches them through ``articles.search`` expressions), and each exists on one database only.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    from articles import search

    engine = search.backend(schema_editor.connection)
    with schema_editor.connection.cursor() as cursor:
        engine.create(cursor)
        engine.index(cursor)


def drop_index(apps, schema_editor):
    from articles import search

    with schema_editor.connection.cursor() as cursor:
        search.backend(schema_editor.connection).drop(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_audit_trail_outlives_stories"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
