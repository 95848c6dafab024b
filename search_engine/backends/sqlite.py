"""modelsearch's SQLite FTS5 backend, fed segmented text, title weighted."""

from collections import Counter, OrderedDict

from django.db.models import CharField, Count, FloatField, Func
from django.db.models.functions import Cast
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
from .ranked import RankedHeadCompilerMixin, SelfRankedResultsMixin, in_rank_order

# Primary keys per query when a facet counts the values of the matches: under
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


class SQLiteChineseQueryCompiler(RankedHeadCompilerMixin, SQLiteSearchQueryCompiler):
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

    def matches(self, config):
        """The index entries that match and that the caller's queryset
        allows, in one query: the full-text index drives it, and the
        queryset is a subquery of its primary keys, which SQLite reads once.
        (The other way round, the queryset filtered by a full-text subquery,
        SQLite ran the MATCH again for every row of the queryset.)"""
        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS,
            self.build_search_query(normalize(self.query), config=config),
        )
        # object_id is text: the keys compared as text, as stored.
        allowed = (
            self.queryset.order_by()
            .annotate(_search_pk=Cast("pk", output_field=CharField()))
            .values("_search_pk")
        )
        return SQLiteFTSIndexEntry.objects.filter(match).filter(
            index_entry__content_type__in=get_descendants_content_types_pks(
                self.queryset.model
            ),
            index_entry__object_id__in=allowed,
        )

    RANKED_KEY = "index_entry__object_id"

    def ranked(self, config):
        """The allowed matches, best first: SQLite ranks every match in the
        index."""
        return (
            self.matches(config)
            .annotate(score=WeightedBM25())
            .order_by("score", "-index_entry_id")
        )

    def key_to_pk(self, key):
        return self.queryset.model._meta.pk.to_python(key)

    #: Up to this many matches, every key is read in rank order and counted
    #: in Python: cheaper than SQLite matching them all again to count them.
    KEYS_COUNTED_HERE = 2000

    def read_ranked_head(self, config) -> tuple[list, int]:
        """FTS5's bm25() refuses to run beside a window function: the ranked
        keys are read (up to KEYS_COUNTED_HERE, and counted), and only past
        that are the matches counted by a query of their own."""
        keys = list(
            self.ranked(config).values_list(self.RANKED_KEY, flat=True)[
                : self.KEYS_COUNTED_HERE
            ]
        )
        head = [self.key_to_pk(key) for key in keys[: self.HEAD]]
        if len(keys) < self.KEYS_COUNTED_HERE:
            return head, len(keys)
        return head, self.matches(config).count()

    def search(self, config, start, stop, score_field=None):
        """Ranked results from one pass over the full-text index.

        The base annotates every candidate row with a correlated subquery
        that runs the MATCH again for that row: a query matching 800 pages
        of 5,000 ran 800 full-text searches. Here one query ranks the
        allowed matches and reads only the requested slice, which is then
        fetched in that order (the order written for the slice alone: a
        CASE over every match cost more than the search).
        """
        if not self.ranks_itself(score_field):
            return super().search(config, start, stop, score_field=score_field)
        return in_rank_order(self.queryset, self.ranked_pks(config, start, stop))

    def facet(self, config, field_name: str) -> dict:
        """How many allowed matches have each value of ``field_name``, most
        first: the matches' keys from the index (unranked), their values
        counted a chunk of keys at a time."""
        to_pk = self.queryset.model._meta.pk.to_python
        pks = [
            to_pk(oid)
            for oid in self.matches(config).values_list(
                "index_entry__object_id", flat=True
            )
        ]
        counts = Counter()
        for first in range(0, len(pks), IN_CHUNK):
            rows = (
                self.queryset.filter(pk__in=pks[first : first + IN_CHUNK])
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


class SQLiteChineseSearchResults(SelfRankedResultsMixin, SQLiteSearchResults):
    pass


class SQLiteChineseSearchBackend(SegmentingBackendMixin, SQLiteSearchBackend):
    results_class = SQLiteChineseSearchResults
    query_compiler_class = SQLiteChineseQueryCompiler
    autocomplete_query_compiler_class = SQLiteChineseAutocompleteQueryCompiler
    index_class = SQLiteChineseIndex
