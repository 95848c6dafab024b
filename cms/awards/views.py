from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Award


class AwardViewSet(SnippetViewSet):
    model = Award
    icon = "pick"
    list_display = ["name", "category", "year", "result"]
    list_filter = ["year", "result"]
    search_fields = ["name", "category"]
