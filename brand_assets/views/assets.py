"""Admin views of the brand library: the asset listing, the asset form, and
the asset page with its versions and their files.

The version actions (new version, upload, link media, approve) are in
``versions.py``; this viewset gives them their URLs.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from media_pipeline.forms import collections_for_form
from media_pipeline.views.admin_permissions import object_checked
from media_pipeline.views.in_use import InUseDeleteMixin
from search_engine.admin import EngineSearchMixin

from ..models import (
    BrandAsset,
    BrandAssetVersion,
    BrandVariant,
    UsageScope,
    VariantRole,
)
from ..permissions import TEAM_ACTIONS, permission_policy, user_can_change
from ..services import brand_asset_delete, brand_asset_uses, brand_asset_uses_reason
from . import versions

#: Model-level permissions that open the brand library in the admin.
LIBRARY_ACTIONS = ["add", *TEAM_ACTIONS]


class BrandAssetForm(WagtailAdminModelForm):
    allowed_uses = forms.MultipleChoiceField(
        label=_("允许的用途"),
        choices=UsageScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("授权只能在这些用途之内。"),
    )

    class Meta:
        model = BrandAsset
        fields = [
            "name",
            "slug",
            "kind",
            "collection",
            "description",
            "usage_guidance",
            "allowed_uses",
            "attribution",
            "is_public",
            "public_download",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = kwargs.get("for_user")
        if user is not None and "collection" in self.fields:
            # Only where the user may add; an asset's own collection stays.
            self.fields["collection"].queryset = collections_for_form(
                user, permission_policy, self.instance
            )


class LatestVersionColumn(Column):
    def get_value(self, instance):
        version = instance.versions.first()  # prefetched, newest first
        if version is None:
            return _("尚无版本")
        state = _("已审定") if version.is_approved else _("待审定")
        return f"v{version.number} · {state}"


class BrandAssetIndexView(EngineSearchMixin, generic.IndexView):
    any_permission_required = LIBRARY_ACTIONS

    def get_base_queryset(self):
        return (
            permission_policy.instances_user_has_any_permission_for(
                self.request.user, TEAM_ACTIONS
            )
            .select_related("collection")
            .prefetch_related("versions")
        )


class BrandAssetCreateView(generic.CreateView):
    def get_initial_form_instance(self):
        return BrandAsset(created_by=self.request.user)


def _check_instance(view, action: str, asset: BrandAsset) -> BrandAsset:
    if not permission_policy.user_has_permission_for_instance(
        view.request.user, action, asset
    ):
        raise PermissionDenied
    return asset


class BrandAssetEditView(generic.EditView):
    def get_object(self, queryset=None):
        return _check_instance(self, "change", super().get_object(queryset))


class BrandAssetDeleteView(InUseDeleteMixin, generic.DeleteView):
    """Delete with the delete permission on the asset, and only while
    nothing uses it: a licence would lose its record, a kit or a screen
    playlist its file. Where it is used is shown instead of the button."""

    def get_object(self, queryset=None):
        return _check_instance(self, "delete", super().get_object(queryset))

    def find_uses(self):
        return brand_asset_uses(self.object)

    def uses_reason(self, uses):
        return brand_asset_uses_reason(uses)

    def delete_object(self):
        brand_asset_delete(asset=self.object)


class BrandAssetPageView(generic.InspectView):
    """The asset page: usage rules, then each version with its files, its
    upload form and its approval."""

    any_permission_required = LIBRARY_ACTIONS
    template_name = "brand_assets/admin/asset.html"
    page_title = _("资产详情")

    def get_object(self, queryset=None):
        asset = get_object_or_404(
            BrandAsset.objects.select_related("collection", "created_by"),
            pk=self.pk,
        )
        if not permission_policy.user_has_any_permission_for_instance(
            self.request.user, TEAM_ACTIONS, asset
        ):
            raise PermissionDenied
        return asset

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.object
        can_change = user_can_change(self.request.user, asset)
        variants = BrandVariant.objects.select_related("image", "media_asset").order_by(
            "role", "position", "id"
        )
        version_list = list(
            BrandAssetVersion.objects.filter(asset=asset)
            .select_related("approved_by", "created_by")
            .prefetch_related(Prefetch("variants", queryset=variants))
            .order_by("-number")
        )
        current = next((v for v in version_list if v.is_approved), None)
        context.update(
            asset=asset,
            can_change=can_change,
            versions=[
                versions.version_context(
                    self.request, version, can_change=can_change, current=current
                )
                for version in version_list
            ],
            current_version=current,
            new_version_url=reverse("brand_asset:version_create", args=(asset.pk,)),
            roles=VariantRole.choices,
        )
        return context


class BrandAssetViewSet(ModelViewSet):
    model = BrandAsset
    icon = "image"
    menu_label = _("品牌资产")
    add_to_admin_menu = False
    form_class = BrandAssetForm
    index_view_class = BrandAssetIndexView
    add_view_class = BrandAssetCreateView
    edit_view_class = BrandAssetEditView
    delete_view_class = BrandAssetDeleteView
    # The generic views ask about the model only: ask about the asset too.
    history_view_class = object_checked(generic.HistoryView, "change", "delete")
    usage_view_class = object_checked(generic.UsageView, "change", "delete")
    inspect_view_class = BrandAssetPageView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_filter = ["kind", "is_public", "collection"]
    list_display = [
        TitleColumn("name", label=_("名称"), url_name="brand_asset:inspect"),
        Column("kind", label=_("类别"), accessor="get_kind_display"),
        LatestVersionColumn("versions", label=_("最新版本")),
        BooleanColumn("is_public", label=_("在品牌页展示")),
        Column("collection", label=_("收藏集")),
    ]

    def get_form_class(self, for_update=False):
        return self.form_class

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "<int:pk>/versions/new/",
                versions.version_create_view,
                name="version_create",
            ),
            path(
                "versions/<int:version_id>/upload/",
                versions.VersionUploadView.as_view(),
                name="version_upload",
            ),
            path(
                "versions/<int:version_id>/media/",
                versions.version_link_media_view,
                name="version_link_media",
            ),
            path(
                "versions/<int:version_id>/approve/",
                versions.version_approve_view,
                name="version_approve",
            ),
        ]


urlpatterns = []
