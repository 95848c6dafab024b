"""Platforms, their delivery profiles, partner accounts and fetch records in
the admin. Profiles are data the managers edit: no platform publishes its
ingest specification."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry

from media_pipeline.admin_ui import YesNoColumn

from ..models import (
    AspectRatio,
    DeliveryProfile,
    FetchRecord,
    PartnerAccount,
    PartnerKey,
    Platform,
    RequiredMetadata,
)
from ..qc import parse_size


class PlatformViewSet(ModelViewSet):
    model = Platform
    icon = "globe"
    menu_label = gettext_lazy("平台")
    name = "syndication_platforms"
    url_prefix = "syndication/platforms"
    copy_view_enabled = False
    add_to_reference_index = False
    form_fields = ["name", "slug", "website", "description", "is_active"]
    list_display = [
        "name",
        "slug",
        "website",
        YesNoColumn(
            "is_active", label=Platform._meta.get_field("is_active").verbose_name
        ),
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, **kwargs)


class DeliveryProfileForm(WagtailAdminModelForm):
    """Lists edited as checkboxes and one size a line, not as raw JSON."""

    accepted_aspects = forms.MultipleChoiceField(
        label=gettext_lazy("接受的画面比例"),
        choices=AspectRatio.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("都不勾选表示不限。"),
    )
    required_metadata = forms.MultipleChoiceField(
        label=gettext_lazy("必备元数据"),
        choices=RequiredMetadata.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    cover_sizes = forms.CharField(
        label=gettext_lazy("封面尺寸"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个，宽x高，如 1920x1080。"),
    )

    class Meta:
        model = DeliveryProfile
        fields = [
            "platform",
            "name",
            "transcode_profile",
            "method",
            "container",
            "video_codec",
            "audio_codec",
            "min_height",
            "accepted_aspects",
            "min_duration",
            "max_duration",
            "loudness_tolerance",
            "required_metadata",
            "cover_sizes",
            "spec_verified",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["cover_sizes"] = "\n".join(self.instance.cover_sizes or [])

    def clean_cover_sizes(self):
        lines = [
            line.strip()
            for line in self.cleaned_data["cover_sizes"].splitlines()
            if line.strip()
        ]
        sizes = []
        for line in lines:
            size = parse_size(line)
            if size is None:
                raise forms.ValidationError(
                    _("“%(line)s”不是有效的尺寸，请写成 宽x高，如 1920x1080。")
                    % {"line": line}
                )
            sizes.append(f"{size[0]}x{size[1]}")
        return sizes

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_duration"), cleaned.get("max_duration")
        if low and high and low > high:
            self.add_error("max_duration", _("最长时长不能短于最短时长。"))
        return cleaned


class DeliveryProfileViewSet(ModelViewSet):
    model = DeliveryProfile
    icon = "sliders"
    menu_label = gettext_lazy("交付规格")
    name = "syndication_profiles"
    url_prefix = "syndication/profiles"
    copy_view_enabled = True
    add_to_reference_index = False
    list_display = [
        TitleColumn(
            "name",
            label=gettext_lazy("名称"),
            url_name="syndication_profiles:edit",
            sort_key="name",
        ),
        Column("platform", label=gettext_lazy("平台"), sort_key="platform__name"),
        Column("method", label=gettext_lazy("交付方式"), accessor="get_method_display"),
        Column("transcode_profile", label=gettext_lazy("转码方案")),
        Column(
            "spec_verified",
            label=gettext_lazy("规格"),
            accessor=lambda p: _("已核实") if p.spec_verified else _("待核实"),
        ),
    ]
    list_filter = ["platform", "method", "spec_verified"]
    search_fields = ["name", "platform__name"]

    def get_form_class(self, for_update=False):
        return DeliveryProfileForm


class ReadOnlyViewSetMixin:
    """A listing (and inspect page) only: the rows are made elsewhere."""

    copy_view_enabled = False
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in (
            "add_url_name",
            "edit_url_name",
            "delete_url_name",
            "history_url_name",
            "usage_url_name",
            "copy_url_name",
        ):
            view_kwargs[name] = None
        return view_kwargs

    def get_urlpatterns(self):
        keep = {"index", "index_results", "inspect"}
        return [p for p in super().get_urlpatterns() if p.name in keep]

    def get_form_class(self, for_update=False):
        return forms.Form


class ReadOnlyIndexView(generic.IndexView):
    any_permission_required = ["add", "change", "view"]


class ReadOnlyInspectView(generic.InspectView):
    any_permission_required = ["add", "change", "view"]


class PartnerInspectView(ReadOnlyInspectView):
    template_name = "syndication/admin/partner_detail.html"

    def get_fields(self):
        return ["name", "platform", "is_active", "created_at"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keys"] = self.object.keys.order_by("-created_at")
        context["can_revoke"] = self.permission_policy.user_has_permission(
            self.request.user, "change"
        )
        context["fetches"] = self.object.fetches.select_related("delivery__page")[:50]
        return context


def key_revoke_view(request, key_id: int):
    """Revoke one API key from the partner's page; it stops working at once."""
    from ..keys import partner_key_revoke

    if request.method != "POST":
        raise Http404
    policy = policy_registry.get_by_type(PartnerAccount)
    if not policy.user_has_permission(request.user, "change"):
        raise PermissionDenied
    key = get_object_or_404(PartnerKey.objects.select_related("partner"), pk=key_id)
    if key.revoked_at:
        messages.warning(request, _("该密钥已被吊销。"))
    else:
        partner_key_revoke(key=key)
        messages.success(
            request,
            _("已吊销 %(partner)s 的密钥 %(prefix)s…，使用它的请求将被拒绝。")
            % {"partner": key.partner, "prefix": key.prefix},
        )
    return redirect("syndication_partners:inspect", key.partner_id)


class PartnerAccountViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = PartnerAccount
    icon = "key"
    menu_label = gettext_lazy("合作方")
    name = "syndication_partners"
    url_prefix = "syndication/partners"
    index_view_class = ReadOnlyIndexView
    inspect_view_class = PartnerInspectView
    inspect_view_enabled = True
    list_display = [
        TitleColumn(
            "name",
            label=gettext_lazy("名称"),
            url_name="syndication_partners:inspect",
            sort_key="name",
        ),
        Column("platform", label=gettext_lazy("平台"), sort_key="platform__name"),
        Column(
            "is_active",
            label=gettext_lazy("状态"),
            accessor=lambda p: _("启用") if p.is_active else _("停用"),
        ),
        DateColumn("created_at", label=gettext_lazy("创建时间"), sort_key="created_at"),
    ]
    list_filter = ["platform", "is_active"]
    search_fields = ["name"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("keys/<int:key_id>/revoke/", key_revoke_view, name="key_revoke")
        ]


class FetchRecordIndexView(ReadOnlyIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("partner", "delivery__page")


class FetchRecordViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = FetchRecord
    icon = "download"
    menu_label = gettext_lazy("拉取记录")
    name = "syndication_fetches"
    url_prefix = "syndication/fetches"
    index_view_class = FetchRecordIndexView
    inspect_view_enabled = False
    ordering = "-created_at"
    list_per_page = 100
    list_display = [
        DateColumn("created_at", label=gettext_lazy("时间"), sort_key="created_at"),
        Column("partner", label=gettext_lazy("合作方"), sort_key="partner__name"),
        Column("kind", label=gettext_lazy("类型"), sort_key="kind"),
        Column(
            "delivery",
            label=gettext_lazy("内容"),
            accessor=lambda f: f.delivery.page.title if f.delivery_id else "—",
        ),
        Column("version", label=gettext_lazy("版本")),
        Column("path", label=gettext_lazy("地址")),
        Column("address", label=gettext_lazy("来源 IP")),
    ]
    list_filter = ["partner", "kind"]

    def get_urlpatterns(self):
        keep = {"index", "index_results"}
        return [p for p in ModelViewSet.get_urlpatterns(self) if p.name in keep]
