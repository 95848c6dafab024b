"""modelsearch's PostgreSQL backend (tsvector in the index table), fed
segmented text; a ranked search is driven by the index table."""

from collections import OrderedDict

from django.db.models import Count, F
from django.db.models.functions import Cast
from modelsearch.backends.database.postgres.postgres import (
    IndexEntry,
    ObjectIndexer,
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
    PostgresSearchResults,
)
from modelsearch.query import Fuzzy, MatchAll, Not
from modelsearch.utils import get_descendants_content_types_pks

from .indexing import SegmentingBackendMixin, SegmentingIndexerMixin, with_indexer
from .ranked import RankedHeadCompilerMixin, SelfRankedResultsMixin, in_rank_order


class PostgresChineseIndexer(SegmentingIndexerMixin, ObjectIndexer):
    pass


class PostgresChineseIndex(PostgresIndex):
    add_items = with_indexer(PostgresIndex.add_items, PostgresChineseIndexer)


class PostgresChineseQueryCompiler(
    RankedHeadCompilerMixin, PostgresSearchQueryCompiler
):
    """The base runs every query (page, count, facet) from the caller's table
    joined to the index on a key cast to text, the match and the rank
    evaluated per row of that join. A ranked search here runs from the index
    table instead: the caller's queryset is a subquery of its keys as text,
    the facet does not rank, the count comes with the best keys (see
    RankedHeadCompilerMixin), and only the keys of the slice asked for are
    fetched."""

    def ranks_itself(self, score_field=None) -> bool:
        """Relevance order, no score asked for, the index's own vectors (no
        ``fields``), and a query that is a full-text match."""
        return (
            self.order_by_relevance
            and score_field is None
            and self.fields is None
            and not isinstance(self.query, (MatchAll, Not, Fuzzy))
        )

    def get_entry_vectors(self):
        """The base's index vectors and weights, named from the index table
        rather than from the caller's model."""
        return [(F("title"), F("title_norm")), (F("body"), 1.0)]

    def object_id_as_pk(self) -> Cast:
        """The index's ``object_id`` (text) as the caller's key, so that keys
        compare and order as the base's ``-pk`` does."""
        pk_field = self.queryset.model._meta.pk
        # A child page's key is its link to the parent's: the parent's column.
        column = pk_field.target_field if pk_field.is_relation else pk_field
        return Cast("object_id", output_field=column)

    def entries_matching(self, config):
        """The index entries whose title and body, as one vector, match (the
        base's match), answered by the GIN index on that expression (the
        search_engine migration)."""
        search_query = self.build_tsquery(self.query, config=config)
        (title, _), (body, _) = self.get_entry_vectors()
        return IndexEntry.objects.annotate(
            _vector_=title._combine(body, "||", False)
        ).filter(_vector_=search_query)

    def matches(self, config):
        """The matching entries of the caller's model that the caller's
        queryset allows."""
        # The keys compared as the caller's keys, not as text: the planner
        # misjudges how many entries match (on a fresh table, with no
        # statistics for the joined vectors yet) and, comparing text,
        # scanned the caller's table once per matching entry; a key is
        # looked up in its primary key index. The entries are of the
        # caller's model only (the content types), so every object_id casts.
        return (
            self.entries_matching(config)
            .filter(
                content_type__in=get_descendants_content_types_pks(self.queryset.model)
            )
            .annotate(search_key=self.object_id_as_pk())
            .filter(search_key__in=self.queryset.order_by().values("pk"))
        )

    RANKED_KEY = "search_key"

    def ranked(self, config):
        """The allowed matches, best first (ties: the higher key first, as
        the base)."""
        rank = self._build_rank_expression(self.get_entry_vectors(), config)
        return (
            self.matches(config)
            .annotate(_score_=rank)
            .order_by(F("_score_").desc(), F("search_key").desc())
        )

    def search(self, config, start, stop, score_field=None, backend=None):
        if not self.ranks_itself(score_field):
            return super().search(
                config, start, stop, score_field=score_field, backend=backend
            )
        return in_rank_order(self.queryset, self.ranked_pks(config, start, stop))

    def facet(self, config, field_name: str) -> dict:
        """How many allowed matches have each value of ``field_name``, most
        first: the caller's rows whose keys match, unranked."""
        matching_pks = self.matches(config).values_list("search_key", flat=True)
        rows = (
            self.queryset.filter(pk__in=matching_pks)
            .order_by()
            .values(field_name)
            .annotate(count=Count("pk"))
            .order_by("-count")
            .values_list(field_name, "count")
        )
        return OrderedDict(rows)


class PostgresChineseAutocompleteQueryCompiler(PostgresChineseQueryCompiler):
    # As search (title and body vectors, field weights); the last Latin word
    # may be the start of a word. Chinese needs no prefix: bigrams are indexed.
    LAST_TERM_IS_PREFIX = True


class PostgresChineseSearchResults(SelfRankedResultsMixin, PostgresSearchResults):
    pass


class PostgresChineseSearchBackend(SegmentingBackendMixin, PostgresSearchBackend):
    results_class = PostgresChineseSearchResults
    query_compiler_class = PostgresChineseQueryCompiler
    autocomplete_query_compiler_class = PostgresChineseAutocompleteQueryCompiler
    index_class = PostgresChineseIndex

    def __init__(self, params):
        # The index holds our terms already cut and folded: 'simple' keeps
        # them as they are (an English configuration would stem Latin words
        # on one side only when a term is both Chinese and Latin).
        super().__init__({"SEARCH_CONFIG": "simple", **params})
