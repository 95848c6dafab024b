from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Broadcaster


class BroadcasterViewSet(SnippetViewSet):
    model = Broadcaster
    icon = "site"
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]
