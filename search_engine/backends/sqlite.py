"""modelsearch's SQLite FTS5 backend, fed segmented text, title weighted."""

from django.db.models import Case, FloatField, Func, IntegerField, Value, When
from modelsearch.backends.database.sqlite.query import (
    MatchExpression,
    SQLiteFTSIndexEntry,
    normalize,
)
from modelsearch.backends.database.sqlite.sqlite import (
    ObjectIndexer,
    SQLiteIndex,
    SQLiteSearchBackend,
    SQLiteSearchQueryCompiler,
)
from modelsearch.query import MatchAll, Not
from modelsearch.utils import get_descendants_content_types_pks

from .indexing import (
    SegmentingBackendMixin,
    SegmentingIndexerMixin,
    repeat_for_boost,
    with_indexer,
)

# Primary keys per query when matches are checked against a queryset: under
# SQLite's oldest limit on query parameters (999).
IN_CHUNK = 900

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

    def search(self, config, start, stop, score_field=None):
        """Ranked results from one pass over the full-text index.

        The base annotates every candidate row with a correlated subquery
        that runs the MATCH again for that row: a query matching 800 pages
        of 5,000 ran 800 full-text searches. Here the index ranks all the
        matches once, the caller's queryset says which of them it allows,
        and only the requested slice is read, in rank order.
        """
        query = normalize(self.query)
        if (
            not self.order_by_relevance
            or score_field is not None
            or isinstance(query, (MatchAll, Not))
        ):
            return super().search(config, start, stop, score_field=score_field)

        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS,
            self.build_search_query(query, config=config),
        )
        matches = SQLiteFTSIndexEntry.objects.filter(match).filter(
            index_entry__content_type__in=get_descendants_content_types_pks(
                self.queryset.model
            )
        )
        to_pk = self.queryset.model._meta.pk.to_python
        ranked = [
            to_pk(oid)
            for oid in matches.annotate(score=WeightedBM25())
            .order_by("score", "-index_entry_id")
            .values_list("index_entry__object_id", flat=True)
        ]
        # Which matches the caller's queryset allows, asked by primary key in
        # chunks: given the full-text subquery instead, SQLite ran it again
        # for every row of the queryset.
        allowed = set()
        for first in range(0, len(ranked), IN_CHUNK):
            chunk = ranked[first : first + IN_CHUNK]
            allowed.update(
                self.queryset.filter(pk__in=chunk).values_list("pk", flat=True)
            )
        page = [pk for pk in ranked if pk in allowed][start:stop]
        if not page:
            return self.queryset.none()
        rank = Case(
            *(When(pk=pk, then=Value(position)) for position, pk in enumerate(page)),
            output_field=IntegerField(),
        )
        return self.queryset.filter(pk__in=page).order_by(rank)


class SQLiteChineseAutocompleteQueryCompiler(SQLiteChineseQueryCompiler):
    # As search, but the last Latin word may be the start of a word ("bai"
    # finds "baigali"); Chinese needs no prefix, its bigrams are indexed.
    LAST_TERM_IS_PREFIX = True


class SQLiteChineseSearchBackend(SegmentingBackendMixin, SQLiteSearchBackend):
    query_compiler_class = SQLiteChineseQueryCompiler
    autocomplete_query_compiler_class = SQLiteChineseAutocompleteQueryCompiler
    index_class = SQLiteChineseIndex
