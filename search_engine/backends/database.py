"""The project's search backend on the database it runs on.

``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND":
"search_engine.backends.database"}}``: like ``wagtail.search.backends.database``
it picks the implementation for the default database's vendor, here the
segmenting subclasses of modelsearch's SQLite (FTS5) and PostgreSQL
(tsvector) backends. The index lives in the database, in modelsearch's
tables; ``manage.py update_index`` rebuilds it.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import connection


def SearchBackend(params):  # noqa: N802 - the name modelsearch looks up
    if connection.vendor == "postgresql":
        from .postgres import PostgresChineseSearchBackend

        return PostgresChineseSearchBackend(params)
    if connection.vendor == "sqlite":
        from modelsearch.backends.database.sqlite.utils import fts5_available

        if not fts5_available():
            raise ImproperlyConfigured(
                "Chinese search needs SQLite with the FTS5 extension."
            )
        from .sqlite import SQLiteChineseSearchBackend

        return SQLiteChineseSearchBackend(params)
    raise ImproperlyConfigured(
        f"search_engine has no backend for {connection.vendor}; "
        "use SQLite or PostgreSQL, or a cluster through SEARCH_URL."
    )
