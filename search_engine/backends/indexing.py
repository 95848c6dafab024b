"""What the database backends' indexers and query compilers get from us.

modelsearch's database indexes build an ``ObjectIndexer`` per object in
``add_items`` and have no setting for its class; ``with_indexer`` gives an
index class's ``add_items`` our indexer instead, without copying its code
(which writes the rows, differently on each database, and is kept upstream).
"""

import types

from django.utils.encoding import force_str
from modelsearch.index import SearchField

from ..query import segment_query
from ..text import index_text

# How many times, at most, a field's text is written into the SQLite index to
# carry its boost (see SQLiteChineseIndexer.prepare_field).
MAX_REPEAT = 5


def _names(code: types.CodeType) -> set[str]:
    """The global names ``code`` uses, with those of its comprehensions."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def with_indexer(add_items, indexer_class):
    """``add_items`` running with ``indexer_class`` as its ``ObjectIndexer``."""
    if "ObjectIndexer" not in _names(add_items.__code__):
        # A modelsearch upgrade changed how add_items finds its indexer: fail
        # at start-up rather than index unsegmented text.
        raise ImportError(
            f"{add_items.__qualname__} no longer uses ObjectIndexer; "
            "search_engine must be updated for this modelsearch version."
        )
    namespace = dict(add_items.__globals__, ObjectIndexer=indexer_class)
    return types.FunctionType(
        add_items.__code__,
        namespace,
        add_items.__name__,
        add_items.__defaults__,
        add_items.__closure__,
    )


class SegmentingIndexerMixin:
    """Every indexed value is written as its index terms (``text.index_text``)."""

    def prepare_value(self, value):
        if isinstance(value, (list, dict)):
            # The base joins the items, each coming back through here.
            return super().prepare_value(value)
        return index_text(force_str(value))


def repeat_for_boost(field, value: str) -> str:
    """SQLite's index has a title and a body column, not a weight per field:
    a boosted body field (a person's name, a topic) is written as often as its
    boost says, so its terms count more in the body's BM25."""
    if not isinstance(field, SearchField) or field.field_name == "title":
        return value
    copies = max(1, min(MAX_REPEAT, round(field.boost or 1)))
    return " ".join([value] * copies) if value else value


class SegmentingBackendMixin:
    """Queries are segmented like the index (``query.segment_query``).

    ``autocomplete()`` — what Wagtail's admin listings call — searches like
    ``search()``: with every substring of two characters indexed, a partial
    word is found anyway, and titles, summaries, people and topics are all
    searched rather than the title alone.
    """

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        if query is None or query == "":
            # The base answers these (all, with a deprecation warning; none).
            return super()._search(
                query_compiler_class, query, model_or_queryset, **kwargs
            )
        query = segment_query(query, operator=kwargs.get("operator"))
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)
