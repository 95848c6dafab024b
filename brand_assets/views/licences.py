"""Licences and download records in the admin; licence link pages.

Managers list licences (by asset, licensee kind and state), create and edit
them through the services in ``licences.py`` (the model's reasons shown on
the form), revoke them, and make a download link for a school or an
organisation that has no API key. Download records are a read-only listing.

The public side (``urlpatterns``, under /brand/): a licence link's page,
listing the licensed asset's approved files, and each file's download,
checked and recorded like a partner's (``downloads.py``).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.log_actions import log

from syndication.models import PartnerAccount
from syndication.views.platforms import (
    ReadOnlyIndexView,
    ReadOnlyViewSetMixin,
)

from ..downloads import (
    DownloadRefused,
    approved_variants,
    licence_end,
    licence_link_days,
    licence_link_token,
    licence_link_url,
    read_licence_link,
    serve_licence_file,
)
from ..licences import (
    EDITABLE_FIELDS,
    licence_create,
    licence_revoke,
    licence_status,
    licence_update,
)
from ..models import (
    AssetDownload,
    BrandAsset,
    DownloadVia,
    Licence,
    LicenseeKind,
    UsageScope,
    licence_today,
)

STATUS_LABELS = {
    "in_force": gettext_lazy("有效"),
    "pending": gettext_lazy("未生效"),
    "ended": gettext_lazy("已到期"),
    "revoked": gettext_lazy("已撤销"),
}
#: The longest a licence link may be made for, in days.
MAX_LINK_DAYS = 366


# --- the form -----------------------------------------------------------------


class LicenceForm(WagtailAdminModelForm):
    """Uses as checkboxes; the licensee's name taken from the partner account
    when left empty. The model's ``clean()`` gives the reasons for the rest."""

    uses = forms.MultipleChoiceField(
        label=gettext_lazy("授权用途"),
        choices=UsageScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("只能在该资产允许的用途之内。"),
    )

    class Meta:
        model = Licence
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licensee_name"].required = False
        self.fields["licensee_name"].help_text = _(
            "学校或机构的全称；授权给合作平台时留空即用其合作方名称。"
        )

    def clean(self):
        cleaned = super().clean()
        partner = cleaned.get("partner")
        if not cleaned.get("licensee_name"):
            if partner is not None:
                cleaned["licensee_name"] = partner.name
                self.instance.licensee_name = partner.name
            else:
                self.add_error("licensee_name", _("请填写被授权方的全称。"))
        return cleaned


# --- the listing --------------------------------------------------------------


def _today():
    return licence_today()


class LicenceFilterSet(WagtailFilterSet):
    asset = django_filters.ModelChoiceFilter(
        label=gettext_lazy("资产"),
        queryset=BrandAsset.objects.all(),
        empty_label=gettext_lazy("全部"),
    )
    licensee_kind = django_filters.ChoiceFilter(
        label=gettext_lazy("被授权方类别"),
        choices=LicenseeKind.choices,
        empty_label=gettext_lazy("全部"),
        widget=forms.RadioSelect,
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"),
        choices=list(STATUS_LABELS.items()),
        method="filter_status",
        empty_label=gettext_lazy("全部"),
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Licence
        fields = []

    def filter_status(self, queryset, name, value):
        today = _today()
        live = queryset.filter(revoked_at__isnull=True)
        if value == "in_force":
            return queryset.in_force(today)
        if value == "pending":
            return live.filter(starts_on__gt=today)
        if value == "ended":
            return live.filter(ends_on__lt=today)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class LicenceStatusColumn(StatusTagColumn):
    def get_value(self, instance):
        return STATUS_LABELS[licence_status(instance)]

    def get_primary(self, instance):
        return licence_status(instance) == "in_force"


def _use_labels(licence: Licence) -> str:
    labels = dict(UsageScope.choices)
    return "、".join(str(labels.get(use, use)) for use in licence.uses or [])


class LicenceIndexView(generic.IndexView):
    any_permission_required = ["add", "change", "view"]
    default_ordering = "-starts_on"

    def get_base_queryset(self):
        return Licence.objects.select_related("asset", "partner")


# --- create, edit -------------------------------------------------------------


def _fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in EDITABLE_FIELDS}


class LicenceCreateView(generic.CreateView):
    def save_instance(self):
        # Through the service, which validates again and records the creator.
        licence = licence_create(user=self.request.user, **_fields(self.form))
        log(instance=licence, action="wagtail.create", user=self.request.user)
        return licence


class LicenceEditView(generic.EditView):
    def save_instance(self):
        licence = licence_update(licence=self.object, **_fields(self.form))
        log(instance=licence, action="wagtail.edit", user=self.request.user)
        return licence

    def get_page_subtitle(self):
        status = STATUS_LABELS[licence_status(self.object)]
        return f"{self.object}（{status}）"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        licence = self.object
        if self.user_has_permission("change") and licence.revoked_at is None:
            buttons.append(
                Button(
                    _("生成下载链接"),
                    url=reverse("brand_licence:link", args=(licence.pk,)),
                    icon_name="link",
                    priority=30,
                )
            )
            buttons.append(
                Button(
                    _("撤销授权"),
                    url=reverse("brand_licence:revoke", args=(licence.pk,)),
                    icon_name="cross",
                    priority=40,
                )
            )
        buttons.append(
            Button(
                _("下载记录"),
                url=reverse("brand_download:index") + f"?licence={licence.pk}",
                icon_name="download",
                priority=50,
            )
        )
        return buttons


# --- revoke, link -------------------------------------------------------------


class LicenceActionView(
    PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """A page about one licence, for those who may change licences."""

    model = Licence
    permission_required = "change"
    header_icon = "key"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            Licence.objects.select_related("asset", "partner"), pk=kwargs["pk"]
        )

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("brand_licence:index"), "label": _("授权")},
            {"url": self.edit_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    @property
    def edit_url(self) -> str:
        return reverse("brand_licence:edit", args=(self.object.pk,))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            licence=self.object,
            status=STATUS_LABELS[licence_status(self.object)],
            edit_url=self.edit_url,
        )
        return context


class LicenceRevokeView(LicenceActionView):
    page_title = gettext_lazy("撤销授权")
    template_name = "brand_assets/licences/revoke.html"

    def post(self, request, *args, **kwargs):
        licence = self.object
        if licence.revoked_at is not None:
            messages.warning(request, _("该授权已于之前撤销。"))
        else:
            licence_revoke(licence=licence, user=request.user)
            messages.success(
                request,
                _("已撤销授权“%(licence)s”，其下载链接即刻失效。")
                % {"licence": licence},
            )
        return redirect(self.edit_url)


class LinkForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("有效天数"),
        min_value=1,
        max_value=MAX_LINK_DAYS,
        help_text=gettext_lazy("链接在这些天后失效，最迟在授权截止日当天结束时失效。"),
    )


class LicenceLinkView(LicenceActionView):
    """“生成下载链接”: a signed link for a licensee without an API key."""

    page_title = gettext_lazy("生成下载链接")
    template_name = "brand_assets/licences/admin_link.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", LinkForm(initial={"days": licence_link_days()}))
        context["refusal"] = self._refusal()
        context["pending"] = licence_status(self.object) == "pending"
        return context

    def _refusal(self) -> str | None:
        status = licence_status(self.object)
        if status == "revoked":
            return _("该授权已撤销，不能生成下载链接。")
        if status == "ended":
            return _("该授权已到期，不能生成下载链接。")
        return None

    def post(self, request, *args, **kwargs):
        form = LinkForm(request.POST)
        context = {"form": form}
        if form.is_valid() and self._refusal() is None:
            token, ends_at = licence_link_token(
                self.object, days=form.cleaned_data["days"]
            )
            context.update(link=licence_link_url(request, token), link_ends_at=ends_at)
        return self.render_to_response(self.get_context_data(**context))


# --- the viewsets -------------------------------------------------------------


class LicenceViewSet(ModelViewSet):
    model = Licence
    icon = "key"
    menu_label = gettext_lazy("授权")
    add_to_admin_menu = False
    copy_view_enabled = False
    form_fields = list(EDITABLE_FIELDS)
    index_view_class = LicenceIndexView
    add_view_class = LicenceCreateView
    edit_view_class = LicenceEditView
    filterset_class = LicenceFilterSet
    search_fields = ["licensee_name", "asset__name", "partner__name"]
    list_display = [
        TitleColumn(
            "licensee_name",
            label=gettext_lazy("被授权方"),
            url_name="brand_licence:edit",
            sort_key="licensee_name",
        ),
        Column("asset", label=gettext_lazy("资产"), sort_key="asset__name"),
        Column(
            "licensee_kind",
            label=gettext_lazy("类别"),
            accessor="get_licensee_kind_display",
        ),
        Column("uses", label=gettext_lazy("授权用途"), accessor=_use_labels),
        DateColumn("starts_on", label=gettext_lazy("起始"), sort_key="starts_on"),
        DateColumn("ends_on", label=gettext_lazy("截止"), sort_key="ends_on"),
        LicenceStatusColumn("status", label=gettext_lazy("状态")),
    ]

    def get_form_class(self, for_update=False):
        return LicenceForm

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "<int:pk>/revoke/",
                self.construct_view(LicenceRevokeView),
                name="revoke",
            ),
            path("<int:pk>/link/", self.construct_view(LicenceLinkView), name="link"),
        ]


class AssetDownloadFilterSet(WagtailFilterSet):
    asset = django_filters.ModelChoiceFilter(
        label=gettext_lazy("资产"),
        queryset=BrandAsset.objects.all(),
        empty_label=gettext_lazy("全部"),
    )
    via = django_filters.ChoiceFilter(
        label=gettext_lazy("途径"),
        choices=DownloadVia.choices,
        empty_label=gettext_lazy("全部"),
        widget=forms.RadioSelect,
    )
    partner = django_filters.ModelChoiceFilter(
        label=gettext_lazy("合作方"),
        queryset=PartnerAccount.objects.all(),
        empty_label=gettext_lazy("全部"),
    )
    licence = django_filters.NumberFilter(
        label=gettext_lazy("授权编号"), widget=forms.HiddenInput
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("时间"), widget=DateRangePickerWidget
    )

    class Meta:
        model = AssetDownload
        fields = []


class AssetDownloadIndexView(ReadOnlyIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("asset", "variant", "kit", "licence", "partner", "user")
        )


def _asset(record: AssetDownload) -> str:
    if record.asset_id:
        return str(record.asset)
    if record.asset_name:  # the asset has been deleted since
        return _("%(name)s（已删除）") % {"name": record.asset_name}
    return "—"


def _downloaded(record: AssetDownload) -> str:
    if record.kit_id:
        return _("套件：%(kit)s") % {"kit": record.kit}
    return str(record.variant) if record.variant_id else "—"


class AssetDownloadViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """Every download of a brand asset: read only, made by the downloads."""

    model = AssetDownload
    icon = "download"
    menu_label = gettext_lazy("下载记录")
    add_to_admin_menu = False
    index_view_class = AssetDownloadIndexView
    inspect_view_enabled = False
    filterset_class = AssetDownloadFilterSet
    ordering = "-created_at"
    list_per_page = 100
    list_display = [
        DateColumn("created_at", label=gettext_lazy("时间"), sort_key="created_at"),
        Column(
            "asset", label=gettext_lazy("资产"), accessor=_asset, sort_key="asset_name"
        ),
        Column("variant", label=gettext_lazy("文件"), accessor=_downloaded),
        Column(
            "licence",
            label=gettext_lazy("授权"),
            accessor=lambda r: r.licence.licensee_name if r.licence_id else "—",
        ),
        Column("partner", label=gettext_lazy("合作方"), sort_key="partner__name"),
        Column("user", label=gettext_lazy("用户")),
        Column("via", label=gettext_lazy("途径"), accessor="get_via_display"),
        Column("ip_address", label=gettext_lazy("来源 IP")),
    ]

    def get_urlpatterns(self):
        keep = {"index", "index_results"}
        return [p for p in ModelViewSet.get_urlpatterns(self) if p.name in keep]


# --- licence links (public) ---------------------------------------------------


def _private(response):
    # The token is the key: keep it out of caches, referrers and indexes.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def licence_link_page(request, token: str):
    """The files a licence link gives: the asset's approved version."""
    try:
        licence, ends_at = read_licence_link(token)
    except DownloadRefused as refused:
        response = render(
            request,
            "brand_assets/licences/link_refused.html",
            {"detail": refused.detail},
            status=refused.status,
        )
        return _private(response)
    asset = licence.asset
    variants = approved_variants(asset)
    labels = dict(UsageScope.choices)
    context = {
        "licence": licence,
        "asset": asset,
        "version": variants[0].version if variants else None,
        "files": [
            {
                "variant": variant,
                "url": reverse("brand_assets:licence_file", args=(token, variant.pk)),
            }
            for variant in variants
        ],
        "uses": [str(labels.get(use, use)) for use in licence.uses],
        "attribution": licence.attribution or asset.attribution,
        # The licence may have been shortened since the link was made.
        "link_ends_at": min(ends_at, licence_end(licence)),
    }
    return _private(render(request, "brand_assets/licences/link.html", context))


def licence_link_file(request, token: str, variant_id: int):
    return _private(serve_licence_file(request, token, variant_id))


urlpatterns = [
    path("licences/<str:token>/", licence_link_page, name="licence_link"),
    path(
        "licences/<str:token>/files/<int:variant_id>/",
        licence_link_file,
        name="licence_file",
    ),
]
