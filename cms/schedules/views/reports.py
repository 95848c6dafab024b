"""The broadcast report page and its Excel export."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton

from ..reports import broadcast_report, broadcast_workbook
from .access import ScheduleViewSet, can_see_schedule
from .listing import XLSX


def requested_year(request) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isdigit() and 1900 < int(year) < 3000 else None


class SeeScheduleMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_see_schedule(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class BroadcastReportView(SeeScheduleMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schedules/admin/report.html"
    page_title = gettext_lazy("播出统计")
    header_icon = "table"

    @cached_property
    def report(self):
        return broadcast_report(year=requested_year(self.request))

    @cached_property
    def header_buttons(self):
        url = reverse("schedules_reports:export") + f"?year={self.report.year}"
        return [HeaderButton(_("导出 Excel"), url=url, icon_name="download")]

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        report = self.report
        return super().get_context_data(
            report=report, tables=[report.by_month, report.by_year], **kwargs
        )


@require_GET
def export_view(request):
    if not can_see_schedule(request.user):
        raise PermissionDenied
    report = broadcast_report(year=requested_year(request))
    response = HttpResponse(broadcast_workbook(report), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="broadcast-report-{report.year}.xlsx"'
    )
    return response


class BroadcastReportViewSet(ScheduleViewSet):
    name = "schedules_reports"
    url_prefix = "schedules/reports"
    icon = "table"
    menu_label = gettext_lazy("播出统计")

    def get_urlpatterns(self):
        return [
            path("", BroadcastReportView.as_view(), name="index"),
            path("export/", export_view, name="export"),
        ]
