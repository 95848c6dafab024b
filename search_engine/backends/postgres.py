"""modelsearch's PostgreSQL backend (tsvector in the index table), fed
segmented text."""

from modelsearch.backends.database.postgres.postgres import (
    ObjectIndexer,
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
)

from .indexing import SegmentingBackendMixin, SegmentingIndexerMixin, with_indexer


class PostgresChineseIndexer(SegmentingIndexerMixin, ObjectIndexer):
    pass


class PostgresChineseIndex(PostgresIndex):
    add_items = with_indexer(PostgresIndex.add_items, PostgresChineseIndexer)


class PostgresChineseAutocompleteQueryCompiler(PostgresSearchQueryCompiler):
    # As search (title and body vectors, field weights); the last Latin word
    # may be the start of a word. Chinese needs no prefix: bigrams are indexed.
    LAST_TERM_IS_PREFIX = True


class PostgresChineseSearchBackend(SegmentingBackendMixin, PostgresSearchBackend):
    autocomplete_query_compiler_class = PostgresChineseAutocompleteQueryCompiler
    index_class = PostgresChineseIndex

    def __init__(self, params):
        # The index holds our terms already cut and folded: 'simple' keeps
        # them as they are (an English configuration would stem Latin words
        # on one side only when a term is both Chinese and Latin).
        super().__init__({"SEARCH_CONFIG": "simple", **params})
