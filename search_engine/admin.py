"""Admin listings searched through the project's engine."""

from .services import filter_by_search


class EngineSearchMixin:
    """For a Wagtail ``IndexView`` (generic, snippet or a ViewSet's): its
    search box goes through ``services.filter_by_search``, so Chinese is
    found word by word, whatever the listing's queryset filters."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return filter_by_search(
            queryset,
            self.search_query,
            order_by_relevance=not self.is_explicitly_ordered,
        )
