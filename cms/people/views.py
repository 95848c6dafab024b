from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from search_engine.admin import EngineSearchMixin

from .models import Person


class PersonIndexView(EngineSearchMixin, IndexView):
    pass


class PersonViewSet(SnippetViewSet):
    model = Person
    icon = "user"
    list_display = ["name", "title"]
    index_view_class = PersonIndexView
