"""A GIN index on the index table's title and body vectors joined.

A ranked search matches ``title || body`` (modelsearch's match, kept by
backends/postgres.py); Wagtail's GIN indexes cover each column apart and
cannot answer it, so every search read the whole index table. PostgreSQL
only; SQLite searches its FTS5 table.
"""

from django.db import migrations

INDEX = "search_engine_entry_title_body_gin"


def _table(apps) -> str:
    return apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(_table(apps))
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING GIN ((title || body))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]

    operations = [migrations.RunPython(create_index, drop_index)]
