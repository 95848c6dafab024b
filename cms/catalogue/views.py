"""导入目录 in the admin: upload a catalogue sheet and name its media folder,
read the dry run's report, start the import, follow it row by row and retry
the rows that failed."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.models import Collection

from .checks import check_sheet
from .media_root import MediaRootError, allowed_media_root
from .models import ImportRun, RowStatus, RunStatus
from .reading import SheetError, read_sheet
from .report import import_run_workbook
from .services import (
    import_run_begin,
    import_run_counts,
    import_run_create,
    import_run_dispatch,
    import_run_retry_failed,
)

#: A catalogue of a few thousand rows is well under this; a bigger file is
#: more likely a wrong one (a video picked by mistake).
MAX_SHEET_BYTES = 10 * 1024 * 1024


def can_import(user) -> bool:
    return user.has_perm("catalogue.add_importrun")


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("目录文件"),
        help_text=gettext_lazy(
            "Excel（.xlsx）或 CSV（UTF-8 或 GB18030），按导入模板填写；"
            "模板可用 manage.py import_catalogue --template 生成。"
        ),
    )
    media_root = forms.CharField(
        label=gettext_lazy("媒体根目录"),
        max_length=1000,
        help_text=gettext_lazy(
            "服务器上存放媒体文件的文件夹（或 s3://存储桶/前缀），须在允许的目录之内。"
        ),
    )
    collection = forms.ModelChoiceField(
        label=gettext_lazy("收藏集"),
        queryset=Collection.objects.all(),
        required=False,
        help_text=gettext_lazy("导入的媒体放入的收藏集；不选则放入根收藏集。"),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("直接发布"),
        required=False,
        help_text=gettext_lazy("不勾选时，页面存为草稿，审核后再发布。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SHEET_BYTES:
            raise ValidationError(_("目录文件超过 10 MB，请确认选对了文件。"))
        return upload

    def clean_media_root(self):
        try:
            return allowed_media_root(self.cleaned_data["media_root"])
        except MediaRootError as error:
            raise ValidationError(error.reason) from None


class ImportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CatalogueIndexView(
    ImportPermissionMixin, WagtailAdminTemplateMixin, TemplateView
):
    template_name = "catalogue/admin/index.html"
    page_title = gettext_lazy("导入目录")
    header_icon = "upload"

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("上传目录"), url=reverse("catalogue:upload"), icon_name="upload"
            )
        ]

    def get_context_data(self, **kwargs):
        runs = ImportRun.objects.select_related("started_by")[:100]
        return super().get_context_data(runs=runs, **kwargs)


class CatalogueUploadView(ImportPermissionMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "catalogue/admin/upload.html"
    form_class = CatalogueUploadForm
    page_title = gettext_lazy("上传目录")
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("catalogue:index"), "label": _("导入目录")},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            sheet = read_sheet(upload.read(), filename=upload.name)
        except SheetError as error:
            form.add_error("file", error.reason)
            return self.form_invalid(form)
        media_root = form.cleaned_data["media_root"]
        try:
            report = check_sheet(sheet, media_root=media_root)
        finally:
            media_root.close()  # subtitles and covers fetched from a bucket
        run = import_run_create(
            report=report,
            sheet_name=upload.name,
            media_root=form.cleaned_data["media_root"],
            publish=form.cleaned_data["publish"],
            collection=form.cleaned_data["collection"],
            user=self.request.user,
        )
        return redirect("catalogue:detail", pk=run.pk)


class CatalogueRunView(ImportPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "catalogue/admin/run.html"
    header_icon = "upload"

    @cached_property
    def run(self):
        return get_object_or_404(ImportRun, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("导入目录：%s") % self.run.sheet_name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("catalogue:index"), "label": _("导入目录")},
            {"url": "", "label": self.run.sheet_name},
        ]

    def get_context_data(self, **kwargs):
        run = self.run
        refused = len({problem["row"] for problem in run.problems})
        return super().get_context_data(
            run=run,
            checked=run.status == RunStatus.CHECKED,
            counts=import_run_counts(run),
            passed=run.row_total - refused,
            refused=refused,
            rows=run.rows.select_related("page", "asset").order_by("sheet_row"),
            can_start=run.status == RunStatus.CHECKED and not run.problems,
            can_retry=run.rows.filter(status=RowStatus.FAILED).exists(),
            **kwargs,
        )


@require_POST
def start_run(request, pk: int):
    if not can_import(request.user):
        raise PermissionDenied
    run = get_object_or_404(ImportRun, pk=pk, status=RunStatus.CHECKED)
    try:
        run = import_run_begin(run=run)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("catalogue:detail", pk=run.pk)
    with transaction.atomic():
        queued = import_run_dispatch(run=run)
    messages.success(request, _("已开始导入：%s 行已排入后台队列。") % queued)
    return redirect("catalogue:detail", pk=run.pk)


def download_report(request, pk: int):
    if not can_import(request.user):
        raise PermissionDenied
    run = get_object_or_404(ImportRun, pk=pk)
    response = HttpResponse(
        import_run_workbook(run),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"导入结果-{run.pk}.xlsx"
    )
    return response


@require_POST
def retry_failed(request, pk: int):
    if not can_import(request.user):
        raise PermissionDenied
    run = get_object_or_404(ImportRun, pk=pk)
    retried = import_run_retry_failed(run=run)
    messages.success(request, _("已重新排入 %s 个失败的行。") % retried)
    return redirect("catalogue:detail", pk=run.pk)


class CatalogueViewSet(ViewSet):
    name = "catalogue"
    url_prefix = "catalogue"
    icon = "upload"
    menu_label = gettext_lazy("导入目录")
    menu_order = 900

    @cached_property
    def menu_item_class(self):
        class CatalogueMenuItem(MenuItem):
            def is_shown(self, request):
                return can_import(request.user)

        return CatalogueMenuItem

    def get_urlpatterns(self):
        return [
            path("", CatalogueIndexView.as_view(), name="index"),
            path("upload/", CatalogueUploadView.as_view(), name="upload"),
            path("<int:pk>/", CatalogueRunView.as_view(), name="detail"),
            path("<int:pk>/start/", start_run, name="start"),
            path("<int:pk>/retry/", retry_failed, name="retry"),
            path("<int:pk>/report.xlsx", download_report, name="report"),
        ]
