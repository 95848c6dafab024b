"""What the database backends share when they rank a search themselves: the
index ranks the matches and keeps a slice of keys; counts and facets are
asked of the compiler, which answers them without ranking."""

from django.db.models import Case, IntegerField, Value, When


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
