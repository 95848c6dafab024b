"""The week and month calendar of a channel's schedule in the admin, and the
endpoint its script posts to when an editor drags an airing elsewhere.

The move goes through ``airing_move``, so a drag is refused for the same
reasons, in the same words, as the edit form (which stays the way to move an
airing from the keyboard)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from cms.broadcasters.models import Channel

from ..calendar import channel_calendar, hour_rows, month_grid, week_of
from ..models import Airing
from ..timezones import local
from .access import ScheduleViewSet, can_see_schedule
from .moves import AiringMoveView


def _requested_day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return local(timezone.now()).date()


class CalendarView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "schedules/admin/calendar.html"
    page_title = gettext_lazy("播出日历")
    header_icon = "calendar"

    def dispatch(self, request, *args, **kwargs):
        if not can_see_schedule(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    @cached_property
    def channels(self):
        return list(Channel.objects.select_related("broadcaster"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        channel_id = self.request.GET.get("channel", "")
        channel = next(
            (c for c in self.channels if str(c.pk) == channel_id),
            self.channels[0] if self.channels else None,
        )
        month = self.request.GET.get("view") == "month"
        day = _requested_day(self.request)
        if month:
            first = day.replace(day=1)
            last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(1)
            grid = month_grid(day)
            previous = (first - dt.timedelta(days=1)).replace(day=1)
            following = last + dt.timedelta(days=1)
            heading = _("%(y)s 年 %(m)s 月") % {"y": first.year, "m": first.month}
        else:
            grid = week_of(day)
            first, last = grid
            previous = first - dt.timedelta(days=7)
            following = first + dt.timedelta(days=7)
            heading = f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
        days = []
        if channel is not None:
            days = channel_calendar(
                channel=channel,
                first_day=grid[0],
                last_day=grid[1],
                period=(first, last),
            )
        weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
        view = "month" if month else "week"
        policy = policy_registry.get_by_type(Airing)
        movable = {
            entry.airing.pk
            for day in days
            for entry in day.airings
            if policy.user_has_permission_for_instance(
                self.request.user, "change", entry.airing
            )
        }
        base = reverse("schedules_calendar:index")
        context.update(
            channel=channel,
            channels=self.channels,
            weeks=weeks,
            hours=hour_rows(days) if not month else [],
            movable=movable,
            heading=heading,
            view=view,
            previous_url=f"{base}?channel={channel.pk if channel else ''}"
            f"&view={view}&day={previous:%Y-%m-%d}",
            next_url=f"{base}?channel={channel.pk if channel else ''}"
            f"&view={view}&day={following:%Y-%m-%d}",
            day=day,
            weekdays="一二三四五六日",
        )
        return context


class CalendarViewSet(ScheduleViewSet):
    name = "schedules_calendar"
    url_prefix = "schedules/calendar"
    icon = "calendar"
    menu_label = gettext_lazy("播出日历")

    def get_urlpatterns(self):
        return [
            path("", CalendarView.as_view(), name="index"),
            path("airings/<int:pk>/move/", AiringMoveView.as_view(), name="move"),
        ]
