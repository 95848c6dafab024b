"""The 播出编排 menu: the airings list, slot rules, the 节目单 export, as-run
logs, the broadcast report and the channels' schedule identities."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from .dashboard import schedule_waiting_work
from .views.airings import AiringViewSet, ScheduleChannelViewSet, SlotRuleViewSet
from .views.asrun import AsRunViewSet
from .views.calendar import CalendarViewSet
from .views.listing import ListingViewSet
from .views.reports import BroadcastReportViewSet


class SchedulesViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("播出编排")
    menu_icon = "date"
    menu_order = 250
    items = (
        AiringViewSet,
        CalendarViewSet,
        SlotRuleViewSet,
        ListingViewSet,
        AsRunViewSet,
        BroadcastReportViewSet,
        ScheduleChannelViewSet,
    )


@hooks.register("register_admin_viewset")
def register_schedules():
    return SchedulesViewSetGroup()


hooks.register("dashboard_waiting_work", schedule_waiting_work)
