"""Who reaches the schedule's admin pages, and the viewset they share."""

from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.permissions import policy_registry


def can_see_schedule(user) -> bool:
    from ..models import Airing

    return policy_registry.get_by_type(Airing).user_has_any_permission(
        user, ["add", "change", "view"]
    )


def can_import(user) -> bool:
    from ..models import Airing

    return policy_registry.get_by_type(Airing).user_has_permission(user, "change")


class ScheduleViewSet(ViewSet):
    """A schedule page of its own in the 播出编排 menu, listed for those
    ``may_open`` lets in (the views check the same)."""

    may_open = staticmethod(can_see_schedule)

    @cached_property
    def menu_item_class(self):
        may_open = self.may_open

        class ScheduleMenuItem(MenuItem):
            def is_shown(self, request):
                return may_open(request.user)

        return ScheduleMenuItem
