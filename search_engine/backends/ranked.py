"""What the database backends share when they rank a search themselves: the
index ranks the matches and keeps a slice of keys; the count comes with the
best of them, and facets are asked of the compiler, which answers them
without ranking."""

from django.db.models import Case, Count, IntegerField, Value, When, Window


def in_rank_order(queryset, pks: list):
    """``queryset``'s rows with these keys, in the order given (the order
    written for the slice alone: a CASE over every match cost more than the
    search)."""
    if not pks:
        return queryset.none()
    rank = Case(
        *(When(pk=pk, then=Value(position)) for position, pk in enumerate(pks)),
        output_field=IntegerField(),
    )
    return queryset.filter(pk__in=pks).order_by(rank)


class SelfRankedResultsMixin:
    """Counts and facets of a search the compiler ranks itself
    (``ranks_itself``): no query that orders every match."""

    def _do_count(self):
        compiler = self.query_compiler
        if not compiler.ranks_itself(self._score_field):
            return super()._do_count()
        config = compiler.get_config(self.backend)
        return compiler.count(config, self.start, self.stop)

    def facet(self, field_name):
        compiler = self.query_compiler
        if not compiler.ranks_itself(self._score_field):
            return super().facet(field_name)
        if compiler._get_filterable_field(field_name) is None:
            # The base's FilterFieldError, with its message.
            return super().facet(field_name)
        return compiler.facet(compiler.get_config(self.backend), field_name)


def count_in_slice(total: int, start, stop) -> int:
    """How many of ``total`` results fall within ``start``–``stop``."""
    end = total if stop is None else min(stop, total)
    return max(0, end - (start or 0))


class RankedHeadCompilerMixin:
    """The count of a ranked search and its best ``HEAD`` keys in one query.

    A listing asks for the count and then for a page; each, asked apart,
    matched every entry again (and at 3,400 items a search can match a
    third of them). The count rides on the ranked query as a window over
    the same matches, and the first pages are read from its rows.

    The compiler (shared by a search's sliced copies) provides ``ranked``
    (the allowed matches, best first), ``RANKED_KEY`` (the field holding the
    caller's key) and ``key_to_pk``.
    """

    #: How many of the best matches the count's query keeps: a listing's
    #: first pages at the usual page sizes.
    HEAD = 60

    RANKED_KEY: str

    def ranked(self, config):
        raise NotImplementedError

    def key_to_pk(self, key):
        return key

    def ranked_head(self, config) -> tuple[list, int]:
        """The best ``HEAD`` keys, and how many allowed matches there are."""
        head = getattr(self, "_ranked_head", None)
        if head is None:
            head = self._ranked_head = self.read_ranked_head(config)
        return head

    def read_ranked_head(self, config) -> tuple[list, int]:
        rows = list(
            self.ranked(config)
            .annotate(_total_=Window(Count("*")))
            .values_list(self.RANKED_KEY, "_total_")[: self.HEAD]
        )
        return [self.key_to_pk(key) for key, _ in rows], rows[0][1] if rows else 0

    def ranked_pks(self, config, start=None, stop=None) -> list:
        """Primary keys of the allowed matches, best first, from ``start`` to
        ``stop``."""
        if stop is not None and stop <= self.HEAD:
            return self.ranked_head(config)[0][start:stop]
        keys = self.ranked(config).values_list(self.RANKED_KEY, flat=True)
        return [self.key_to_pk(key) for key in keys[start:stop]]

    def count(self, config, start=0, stop=None) -> int:
        """How many allowed matches (within ``start``–``stop``)."""
        return count_in_slice(self.ranked_head(config)[1], start, stop)
