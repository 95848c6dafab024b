"""The 节目单 export in the admin: pick a channel and dates, get the Excel
file stations use."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.broadcasters.models import Channel

from ..forms import DateRangeForm
from ..listing import listing_workbook
from ..services import schedule_channel_for
from .access import ScheduleViewSet, can_see_schedule
from .airings import coming_days

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ListingForm(DateRangeForm):
    channel = forms.ModelChoiceField(
        label=gettext_lazy("频道"),
        queryset=Channel.objects.select_related("broadcaster"),
    )
    field_order = ["channel", "first_day", "last_day"]


class ListingExportView(WagtailAdminTemplateMixin, FormView):
    """The form's GET (``export``) with a valid channel and range downloads
    the file; otherwise the form is shown, with what is wrong in Chinese."""

    template_name = "schedules/admin/listing.html"
    form_class = ListingForm
    # The form is sent by GET; FormView's POST would save nothing and, with
    # valid fields, look for a success URL there is none of.
    http_method_names = ["get", "head", "options"]
    page_title = gettext_lazy("导出节目单")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not can_see_schedule(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get(self, request, *args, **kwargs):
        if "export" not in request.GET:
            # Opened from the 播出表: prefilled with what was being looked at.
            first, last = coming_days()
            initial = {"first_day": first, "last_day": last}
            initial.update(
                (key, request.GET[key])
                for key in ("channel", "first_day", "last_day")
                if request.GET.get(key)
            )
            form = self.form_class(initial=initial)
            return self.render_to_response(self.get_context_data(form=form))
        form = self.form_class(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        channel = form.cleaned_data["channel"]
        first, last = form.cleaned_data["first_day"], form.cleaned_data["last_day"]
        response = HttpResponse(
            listing_workbook(channel=channel, first_day=first, last_day=last),
            content_type=XLSX,
        )
        slug = schedule_channel_for(channel=channel).slug
        response["Content-Disposition"] = (
            f'attachment; filename="listing-{slug}-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"'
        )
        return response


class ListingViewSet(ScheduleViewSet):
    name = "schedules_listing"
    url_prefix = "schedules/listing"
    icon = "download"
    menu_label = gettext_lazy("导出节目单")

    def get_urlpatterns(self):
        return [path("", ListingExportView.as_view(), name="index")]
