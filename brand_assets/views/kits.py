"""Admin views of download kits; public kit downloads.

A kit is built in the background: saving one (its assets or whether it
includes design sources may have changed) schedules a build, which does
nothing when the kit is current. "重新生成" builds it again regardless.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from ..kits import kit_is_public, kit_request_build, kit_zip_is_current, safe_name
from ..models import BrandKit, DownloadVia, KitStatus
from ..records import kit_download_records
from ..serving import file_response

STAFF_ACTIONS = ["add", "change", "delete", "view"]


def kit_policy() -> ModelPermissionPolicy:
    return ModelPermissionPolicy(BrandKit)


def kit_filename(kit: BrandKit) -> str:
    return f"{safe_name(kit.name, kit.slug)}.zip"


class KitIndexView(generic.IndexView):
    any_permission_required = STAFF_ACTIONS

    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("assets")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        user = self.request.user
        policy = self.permission_policy
        if policy.user_has_any_permission(user, STAFF_ACTIONS):
            buttons.insert(
                0,
                Button(
                    _("生成状态"),
                    url=reverse("brand_kit:inspect", args=(instance.pk,)),
                    icon_name="info-circle",
                    priority=5,
                ),
            )
        if instance.file and policy.user_has_any_permission(user, STAFF_ACTIONS):
            buttons.append(
                Button(
                    _("下载"),
                    url=reverse("brand_kit:download", args=(instance.pk,)),
                    icon_name="download",
                    priority=15,
                )
            )
        return buttons


class KitInspectView(generic.InspectView):
    any_permission_required = STAFF_ACTIONS
    template_name = "brand_assets/kits/inspect.html"

    def get_fields(self):
        return ["name", "slug", "description", "include_sources"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kit = self.object
        context["kit"] = kit
        context["assets"] = [
            (asset, asset.approved_version) for asset in kit.assets.order_by("pk")
        ]
        context["size"] = filesizeformat(kit.size) if kit.file else ""
        context["can_rebuild"] = self.permission_policy.user_has_permission(
            self.request.user, "change"
        )
        context["is_public"] = kit_is_public(kit)
        return context

    @property
    def header_buttons(self):
        buttons = []
        if self.object.file:
            buttons.append(
                HeaderButton(
                    _("下载"),
                    url=reverse("brand_kit:download", args=(self.object.pk,)),
                    icon_name="download",
                )
            )
        return buttons


class KitSaveMixin:
    """Saving a kit schedules a build; it is a no-op when nothing that goes
    into the zip (the asset list, design sources) changed."""

    def save_instance(self):
        kit = super().save_instance()
        kit_request_build(kit=kit)
        return kit


class KitCreateView(KitSaveMixin, generic.CreateView):
    pass


class KitEditView(KitSaveMixin, generic.EditView):
    pass


@require_POST
def kit_rebuild_view(request, pk: int):
    """Build the kit again now, even if it looks current."""
    if not kit_policy().user_has_permission(request.user, "change"):
        raise PermissionDenied
    kit = get_object_or_404(BrandKit, pk=pk)
    kit_request_build(kit=kit, force=True)
    messages.success(
        request,
        _("已安排在后台重新生成“%(kit)s”，稍后刷新本页查看结果。") % {"kit": kit},
    )
    return redirect("brand_kit:inspect", kit.pk)


@require_GET
def kit_admin_download_view(request, pk: int):
    """The built zip for the team, recorded as an admin download."""
    if not kit_policy().user_has_any_permission(request.user, STAFF_ACTIONS):
        raise PermissionDenied
    kit = get_object_or_404(BrandKit, pk=pk)
    if not kit.file:
        raise Http404(_("套件尚未生成。"))
    response = file_response(
        request,
        kit.file.name,
        filename=kit_filename(kit),
        content_type="application/zip",
        attachment=True,
        public=False,
    )
    kit_download_records(request, kit=kit, via=DownloadVia.ADMIN)
    return response


def _status(kit: BrandKit) -> str:
    label = kit.get_status_display()
    if kit.status == KitStatus.FAILED and kit.failure_reason:
        return f"{label}：{kit.failure_reason}"
    return label


class BrandKitViewSet(ModelViewSet):
    model = BrandKit
    icon = "download"
    menu_label = gettext_lazy("下载套件")
    add_to_admin_menu = False
    form_fields = ["name", "slug", "description", "assets", "include_sources"]
    index_view_class = KitIndexView
    inspect_view_class = KitInspectView
    inspect_view_enabled = True
    add_view_class = KitCreateView
    edit_view_class = KitEditView
    copy_view_enabled = False
    search_fields = ["name", "slug"]
    list_filter = ["status", "include_sources"]
    list_display = [
        TitleColumn(
            "name",
            label=gettext_lazy("名称"),
            url_name="brand_kit:inspect",
            sort_key="name",
        ),
        Column(
            "status", label=gettext_lazy("状态"), accessor=_status, sort_key="status"
        ),
        Column(
            "assets",
            label=gettext_lazy("资产"),
            accessor=lambda kit: "、".join(a.name for a in kit.assets.all()) or "—",
        ),
        Column(
            "size",
            label=gettext_lazy("大小"),
            accessor=lambda kit: filesizeformat(kit.size) if kit.file else "—",
            sort_key="size",
        ),
        Column("build_count", label=gettext_lazy("生成次数"), sort_key="build_count"),
        DateColumn("built_at", label=gettext_lazy("生成时间"), sort_key="built_at"),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/rebuild/", kit_rebuild_view, name="rebuild"),
            path("<int:pk>/download/", kit_admin_download_view, name="download"),
        ]


# --- Public downloads -----------------------------------------------------------


@require_GET
def kit_public_download_view(request, slug: str):
    """A kit from the brand page: only when every asset in it may be
    downloaded by anyone. Recorded once per asset, as partner downloads are."""
    kit = get_object_or_404(BrandKit, slug=slug)
    if not (kit_is_public(kit) and kit_zip_is_current(kit)):
        raise Http404(_("该套件不提供公开下载。"))
    response = file_response(
        request,
        kit.file.name,
        filename=kit_filename(kit),
        content_type="application/zip",
        attachment=True,
        public=False,
        etag=kit.fingerprint,
    )
    if response.status_code != 304:
        kit_download_records(request, kit=kit, via=DownloadVia.PUBLIC)
    return response


urlpatterns = [
    path(
        "kits/<str:slug>/download/",
        kit_public_download_view,
        name="public_kit_download",
    ),
]
