"""As-run logs in the admin: upload a station's log, see what it proved
aired, late, short or missing, and resolve the lines that matched nothing."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton

from cms.broadcasters.models import Channel

from ..asrun import MAX_FILE_BYTES, asrun_import, asrun_missing
from ..models import AsRunImport, AsRunLine
from .access import ScheduleViewSet, can_import


class AsRunUploadForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=gettext_lazy("频道"),
        queryset=Channel.objects.select_related("broadcaster"),
    )
    file = forms.FileField(
        label=gettext_lazy("播出记录文件"),
        help_text=gettext_lazy(
            "CSV（UTF-8 或 GB18030）或 Excel（.xlsx）；表头：频道、实际开始、"
            "实际结束、节目名称或节目库号。时间为北京时间。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("文件超过 5 MB，请按天或按周拆分后再导入。"))
        return upload


class AsRunPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AsRunIndexView(AsRunPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schedules/admin/asrun_index.html"
    page_title = gettext_lazy("播出记录")
    header_icon = "tasks"

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("导入播出记录"),
                url=reverse("schedules_asrun:upload"),
                icon_name="upload",
            ),
            HeaderButton(
                _("未匹配、待处理的记录"),
                url=reverse("schedules_asrun:unmatched"),
                icon_name="warning",
            ),
        ]

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        logs = AsRunImport.objects.select_related("channel__broadcaster").annotate(
            unresolved=Count(
                "lines", filter=Q(lines__airing__isnull=True, lines__resolved=False)
            )
        )[:100]
        return super().get_context_data(logs=logs, **kwargs)


class AsRunUploadView(AsRunPermissionMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "schedules/admin/asrun_upload.html"
    form_class = AsRunUploadForm
    page_title = gettext_lazy("导入播出记录")
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("schedules_asrun:index"), "label": _("播出记录")},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            log = asrun_import(
                channel=form.cleaned_data["channel"],
                file_name=upload.name,
                content=upload.read(),
                user=self.request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
            return self.form_invalid(form)
        messages.success(self.request, _("播出记录已导入并核对。"))
        return redirect("schedules_asrun:detail", pk=log.pk)


class AsRunDetailView(AsRunPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schedules/admin/asrun_detail.html"
    header_icon = "tasks"

    @cached_property
    def log(self):
        return get_object_or_404(
            AsRunImport.objects.select_related("channel__broadcaster"),
            pk=self.kwargs["pk"],
        )

    def get_page_title(self):
        return str(self.log)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("schedules_asrun:index"), "label": _("播出记录")},
            {"url": "", "label": str(self.log)},
        ]

    def get_context_data(self, **kwargs):
        lines = self.log.lines.select_related("airing__programme", "airing__episode")
        return super().get_context_data(
            log=self.log,
            matched=[line for line in lines if line.airing_id],
            unmatched=[line for line in lines if line.airing_id is None],
            missing=list(asrun_missing(self.log)),
            **kwargs,
        )


class UnmatchedLinesView(AsRunPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """Every log line that matched no airing and is not resolved yet."""

    template_name = "schedules/admin/asrun_unmatched.html"
    page_title = gettext_lazy("未匹配、待处理的播出记录")
    header_icon = "warning"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("schedules_asrun:index"), "label": _("播出记录")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        lines = AsRunLine.objects.filter(
            airing__isnull=True, resolved=False
        ).select_related("log__channel__broadcaster")
        return super().get_context_data(lines=lines[:500], **kwargs)


@require_POST
def resolve_line(request, pk: int):
    """A person looked at an unmatched line and dealt with it."""
    if not can_import(request.user):
        raise PermissionDenied
    line = get_object_or_404(AsRunLine, pk=pk, airing__isnull=True)
    line.resolved = True
    line.save(update_fields=["resolved"])
    messages.success(
        request, _("第 %(n)s 行已标记为已处理。") % {"n": line.line_number}
    )
    return redirect("schedules_asrun:detail", pk=line.log_id)


class AsRunViewSet(ScheduleViewSet):
    may_open = staticmethod(can_import)
    name = "schedules_asrun"
    url_prefix = "schedules/asrun"
    icon = "tasks"
    menu_label = gettext_lazy("播出记录")

    def get_urlpatterns(self):
        return [
            path("", AsRunIndexView.as_view(), name="index"),
            path("upload/", AsRunUploadView.as_view(), name="upload"),
            path("unmatched/", UnmatchedLinesView.as_view(), name="unmatched"),
            path("<int:pk>/", AsRunDetailView.as_view(), name="detail"),
            path("lines/<int:pk>/resolve/", resolve_line, name="resolve"),
        ]
