from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from cms.awards.views import AwardViewSet
from cms.broadcasters.views import BroadcasterViewSet
from cms.core import admin_chrome  # noqa: F401 (registers its hooks)
from cms.core.dashboard import WAITING_WORK_HOOK, WaitingWorkPanel, review_items
from cms.people.views import PersonViewSet

from .review import ReviewShortcutsPanel


class ReferenceLibraryGroup(SnippetViewSetGroup):
    """People, broadcasters and awards live together under one menu item."""

    items = (PersonViewSet, BroadcasterViewSet, AwardViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("资料库")
    menu_order = 200


register_snippet(ReferenceLibraryGroup)


hooks.register(WAITING_WORK_HOOK, review_items)


@hooks.register("construct_homepage_panels")
def add_todo_panel(request, panels):
    panels.append(WaitingWorkPanel())


@hooks.register("construct_homepage_panels")
def add_review_shortcuts(request, panels):
    """Pages awaiting the user's review, with their draft and the comparison
    with the live page one click away."""
    panels.append(ReviewShortcutsPanel())
