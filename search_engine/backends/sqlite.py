"""modelsearch's SQLite FTS5 backend, fed segmented text, title weighted."""

from django.db.models import FloatField, Func
from modelsearch.backends.database.sqlite.query import SQLiteFTSIndexEntry
from modelsearch.backends.database.sqlite.sqlite import (
    ObjectIndexer,
    SQLiteIndex,
    SQLiteSearchBackend,
    SQLiteSearchQueryCompiler,
)

from .indexing import (
    SegmentingBackendMixin,
    SegmentingIndexerMixin,
    repeat_for_boost,
    with_indexer,
)

# bm25() weights, in the FTS5 table's column order (autocomplete, body,
# title): a word in the title counts ten times a word in the body. The
# autocomplete column is not matched (see SegmentingBackendMixin).
COLUMN_WEIGHTS = (0.0, 1.0, 10.0)


class SQLiteChineseIndexer(SegmentingIndexerMixin, ObjectIndexer):
    def prepare_field(self, obj, field):
        for current_field, value in super().prepare_field(obj, field):
            yield current_field, repeat_for_boost(current_field, value)


class SQLiteChineseIndex(SQLiteIndex):
    add_items = with_indexer(SQLiteIndex.add_items, SQLiteChineseIndexer)


class WeightedBM25(Func):
    """FTS5's bm25() with column weights (the base calls it without)."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        weights = ", ".join(str(weight) for weight in COLUMN_WEIGHTS)
        return f"bm25({SQLiteFTSIndexEntry._meta.db_table}, {weights})", []


class SQLiteChineseQueryCompiler(SQLiteSearchQueryCompiler):
    def _build_rank_expression(self, vectors, config):
        # One score for the whole match, title and body weighted by column;
        # bm25() is lower for better matches, as the base orders it.
        return WeightedBM25()


class SQLiteChineseAutocompleteQueryCompiler(SQLiteChineseQueryCompiler):
    # As search, but the last Latin word may be the start of a word ("bai"
    # finds "baigali"); Chinese needs no prefix, its bigrams are indexed.
    LAST_TERM_IS_PREFIX = True


class SQLiteChineseSearchBackend(SegmentingBackendMixin, SQLiteSearchBackend):
    query_compiler_class = SQLiteChineseQueryCompiler
    autocomplete_query_compiler_class = SQLiteChineseAutocompleteQueryCompiler
    index_class = SQLiteChineseIndex
