"""modelsearch's SQLite FTS5 backend, fed segmented text, title weighted."""

from collections import Counter, OrderedDict

from django.db.models import (
    Case,
    Count,
    FloatField,
    Func,
    IntegerField,
    Value,
    When,
)
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
    SQLiteSearchResults,
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

    def ranks_itself(self, score_field=None) -> bool:
        """Whether ``search`` ranks in one pass over the index (below), rather
        than the base's way: relevance order, no score asked for, and a query
        that is a full-text match."""
        return (
            self.order_by_relevance
            and score_field is None
            and not isinstance(normalize(self.query), (MatchAll, Not))
        )

    def _ranked_pks(self, config) -> list:
        """Primary keys of every match in the index, best first.

        Kept on the compiler: the results, their slices and their count share
        it, and a listing asks for the count and a page of the same search.
        """
        cached = getattr(self, "_ranked_pks_cache", None)
        if cached is not None and cached[0] == config:
            return cached[1]
        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS,
            self.build_search_query(normalize(self.query), config=config),
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
        self._ranked_pks_cache = (config, ranked)
        return ranked

    def allowed_pks(self, config, stop=None) -> list:
        """The matches the caller's queryset allows, best first; only the
        first ``stop`` of them when given.

        Asked by primary key in chunks, in rank order, and no further than
        needed: a page of results from a search matching thousands reads one
        chunk. (Given the full-text subquery instead, SQLite ran it again for
        every row of the queryset.)
        """
        cached = getattr(self, "_allowed_pks_cache", None)
        if cached is not None and cached[0] == config and cached[1] is None:
            return cached[2][:stop]
        ranked = self._ranked_pks(config)
        allowed = []
        for first in range(0, len(ranked), IN_CHUNK):
            chunk = ranked[first : first + IN_CHUNK]
            found = set(self.queryset.filter(pk__in=chunk).values_list("pk", flat=True))
            allowed.extend(pk for pk in chunk if pk in found)
            if stop is not None and len(allowed) >= stop:
                return allowed[:stop]
        self._allowed_pks_cache = (config, None, allowed)
        return allowed

    def search(self, config, start, stop, score_field=None):
        """Ranked results from one pass over the full-text index.

        The base annotates every candidate row with a correlated subquery
        that runs the MATCH again for that row: a query matching 800 pages
        of 5,000 ran 800 full-text searches. Here the index ranks all the
        matches once, the caller's queryset says which of them it allows,
        and only the requested slice is read, in rank order (the order
        written for that slice alone: a CASE over every match cost more than
        the search).
        """
        if not self.ranks_itself(score_field):
            return super().search(config, start, stop, score_field=score_field)
        page = self.allowed_pks(config, stop)[start:stop]
        if not page:
            return self.queryset.none()
        rank = Case(
            *(When(pk=pk, then=Value(position)) for position, pk in enumerate(page)),
            output_field=IntegerField(),
        )
        return self.queryset.filter(pk__in=page).order_by(rank)

    def facet(self, config, field_name: str) -> dict:
        """How many allowed matches have each value of ``field_name``, most
        first, counted a chunk of primary keys at a time (no ranking order
        to write: a facet counts every match)."""
        counts = Counter()
        allowed = self.allowed_pks(config)
        for first in range(0, len(allowed), IN_CHUNK):
            rows = (
                self.queryset.filter(pk__in=allowed[first : first + IN_CHUNK])
                .order_by()
                .values(field_name)
                .annotate(count=Count("pk"))
                .values_list(field_name, "count")
            )
            counts.update(dict(rows))
        return OrderedDict(counts.most_common())


class SQLiteChineseAutocompleteQueryCompiler(SQLiteChineseQueryCompiler):
    # As search, but the last Latin word may be the start of a word ("bai"
    # finds "baigali"); Chinese needs no prefix, its bigrams are indexed.
    LAST_TERM_IS_PREFIX = True


class SQLiteChineseSearchResults(SQLiteSearchResults):
    """Counts and facets of a ranked search read the allowed matches the
    compiler found (no query that orders every match)."""

    def _do_count(self):
        compiler = self.query_compiler
        if not compiler.ranks_itself(self._score_field):
            return super()._do_count()
        config = compiler.get_config(self.backend)
        return len(compiler.allowed_pks(config, self.stop)[self.start : self.stop])

    def facet(self, field_name):
        compiler = self.query_compiler
        if not compiler.ranks_itself(self._score_field):
            return super().facet(field_name)
        if compiler._get_filterable_field(field_name) is None:
            # The base's FilterFieldError, with its message.
            return super().facet(field_name)
        return compiler.facet(compiler.get_config(self.backend), field_name)


class SQLiteChineseSearchBackend(SegmentingBackendMixin, SQLiteSearchBackend):
    results_class = SQLiteChineseSearchResults
    query_compiler_class = SQLiteChineseQueryCompiler
    autocomplete_query_compiler_class = SQLiteChineseAutocompleteQueryCompiler
    index_class = SQLiteChineseIndex
