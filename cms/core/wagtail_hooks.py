from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from cms.awards.views import AwardViewSet
from cms.broadcasters.views import BroadcasterViewSet
from cms.core import admin_chrome  # noqa: F401 (registers its hooks)
from cms.people.views import PersonViewSet


class ReferenceLibraryGroup(SnippetViewSetGroup):
    """People, broadcasters and awards live together under one menu item."""

    items = (PersonViewSet, BroadcasterViewSet, AwardViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("资料库")
    menu_order = 200


register_snippet(ReferenceLibraryGroup)
