from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Person


class PersonViewSet(SnippetViewSet):
    model = Person
    icon = "user"
    list_display = ["name", "title"]
    search_fields = ["name", "title"]
