"""Searching, for the admin's listings and the public site's search page."""

from collections.abc import Iterable

from django.db.models import Case, IntegerField, QuerySet, Value, When
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

# An admin listing shows, at most, this many best matches of a search; enough
# to page through, and a bound on what one search box asks of the index.
LISTING_MATCH_LIMIT = 1000


def search_pages(
    query: str,
    *,
    kinds: Iterable[type[Page]] | None = None,
    live_only: bool = True,
):
    """Pages matching ``query``, best first: live and public ones unless
    ``live_only`` is False; of the given page ``kinds`` (models) only, if any.

    Returns Wagtail search results (slice them, or give them to a paginator).
    """
    pages = Page.objects.all()
    if live_only:
        pages = pages.live().public()
    if kinds:
        pages = pages.type(*kinds)
    return pages.specific().search(query)


def filter_by_search(
    queryset: QuerySet,
    query: str,
    *,
    order_by_relevance: bool = True,
    limit: int = LISTING_MATCH_LIMIT,
) -> QuerySet:
    """``queryset`` narrowed to the objects matching ``query``, best first
    unless ``order_by_relevance`` is False.

    The search runs on the model's whole index and the matches are applied
    to ``queryset`` as primary keys: a listing's queryset carries permission
    rules, filters and orderings the search backends would each have to
    declare as ``FilterField``s, and it stays an ordinary queryset after.
    """
    model = queryset.model
    results = get_search_backend().search(
        query,
        model._default_manager.only("pk"),
        order_by_relevance=order_by_relevance,
    )
    pks = [obj.pk for obj in results[:limit]]
    matches = queryset.filter(pk__in=pks)
    if order_by_relevance and pks:
        rank = Case(
            *(When(pk=pk, then=Value(position)) for position, pk in enumerate(pks)),
            output_field=IntegerField(),
        )
        matches = matches.order_by(rank)
    return matches
