"""The adoption report page and its Excel export."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import policy_registry

from ..models import Delivery
from ..reports import adoption_chart_svg, adoption_report, adoption_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_SHOWN = 200


def can_see_reports(user) -> bool:
    return policy_registry.get_by_type(Delivery).user_has_any_permission(
        user, ["add", "change", "view"]
    )


def requested_year(request) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isdigit() and 1900 < int(year) < 3000 else None


class ReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "syndication/admin/report.html"
    page_title = gettext_lazy("采用报表")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not can_see_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def report(self):
        return adoption_report(year=requested_year(self.request))

    @cached_property
    def header_buttons(self):
        export = reverse("syndication_reports:export") + f"?year={self.report.year}"
        return [
            HeaderButton(_("导出 Excel"), url=export, icon_name="download"),
            HeaderButton(
                _("交付台账"),
                url=reverse("syndication_deliveries:index"),
                icon_name="resubmit",
            ),
        ]

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report
        context.update(
            report=report,
            chart=adoption_chart_svg(report),
            year_totals=report.year_totals,
            pending=report.pending[:PENDING_SHOWN],
            rejected=report.rejected[:PENDING_SHOWN],
            shown_limit=PENDING_SHOWN,
            export_url=reverse("syndication_reports:export"),
        )
        return context


def export_view(request):
    if not can_see_reports(request.user):
        raise PermissionDenied
    report = adoption_report(year=requested_year(request))
    response = HttpResponse(adoption_workbook(report), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="adoption-report-{report.year}.xlsx"'
    )
    return response


class ReportViewSet(ViewSet):
    name = "syndication_reports"
    url_prefix = "syndication/reports"
    icon = "table"
    menu_label = gettext_lazy("采用报表")

    @cached_property
    def menu_item_class(self):
        class ReportMenuItem(MenuItem):
            def is_shown(self, request):
                return can_see_reports(request.user)

        return ReportMenuItem

    def get_urlpatterns(self):
        return [
            path("", ReportView.as_view(), name="index"),
            path("export/", export_view, name="export"),
        ]
