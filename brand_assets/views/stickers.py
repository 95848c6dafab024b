"""Admin views of WeChat sticker albums: the specification (editable data)
and, per sticker pack, the check results with the export zip to download.

URL names (namespace ``brand_sticker_spec``, the viewset's name):

- ``pack_check`` (BrandAsset pk; ``?version=N`` optional): what the export
  fixes, warns about or is blocked by, and the files it would write;
- ``pack_download`` (BrandAsset pk; ``?version=N``): the zip, as an
  attachment; back to the check page when the album cannot be fixed.
"""

from __future__ import annotations

import base64
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from media_pipeline.file_responses import content_disposition, harden

from ..models import BrandAsset, StickerSpecItem, VariantRole
from ..permissions import user_is_team
from ..stickers import sticker_pack_export, sticker_pack_version
from ..stickers.spec import ALBUM_ROLES, SPEC_FORMATS, format_bytes, sticker_spec

#: Previews are inlined as data: URIs; larger files are only listed.
PREVIEW_MAX_BYTES = 100 * 1024
FORMAT_ALIASES = {"jpg": "jpeg"}
LIST_SEPARATORS = re.compile(r"[\s,，、;；/]+")
#: ASCII digits only: str.isdigit() also takes "²" and "१", which int() refuses.
WHOLE_NUMBER = re.compile(r"[0-9]{1,4}")


def _split(value: str) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(value or "") if part]


class StickerSpecForm(WagtailAdminModelForm):
    """The list fields as plain text (``gif, png``; ``8, 16, 24``), checked
    against what the exporter can write."""

    formats = forms.CharField(
        label=gettext_lazy("格式"),
        help_text=gettext_lazy(
            "按优先顺序，用逗号分隔，例如：gif, png。可选：png、gif、jpeg、webp。"
        ),
    )
    counts = forms.CharField(
        label=gettext_lazy("数量"),
        required=False,
        help_text=gettext_lazy(
            "允许的张数，用逗号分隔，例如：8, 16, 24。缩略图留空表示与表情主图相同；"
            "封面、图标、横幅留空或填 1 表示一张，填 0, 1 表示可以没有。"
        ),
    )

    class Meta:
        model = StickerSpecItem
        fields = [
            "role",
            "width",
            "height",
            "formats",
            "max_bytes",
            "counts",
            "max_fps",
            "transparent",
            "verified",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label)
            for value, label in self.fields["role"].choices
            if value in ALBUM_ROLES
        ]
        if self.instance.pk:
            # The exporter looks lines up by role; a line keeps its role.
            self.fields["role"].disabled = True
            self.initial["formats"] = ", ".join(self.instance.formats or [])
            self.initial["counts"] = ", ".join(
                str(n) for n in self.instance.counts or []
            )
        for name in ("width", "height", "max_bytes"):
            self.fields[name].min_value = 1
            self.fields[name].widget.attrs["min"] = 1
        self.fields["max_fps"].help_text = _("动图每秒最多几帧；留空表示不限。")

    def clean_formats(self) -> list[str]:
        formats = []
        unknown = []
        for part in _split(self.cleaned_data["formats"]):
            fmt = FORMAT_ALIASES.get(part.lower(), part.lower())
            if fmt not in SPEC_FORMATS:
                unknown.append(part)
            elif fmt not in formats:
                formats.append(fmt)
        if unknown:
            raise forms.ValidationError(
                _("不支持的格式：%(unknown)s。可选：png、gif、jpeg、webp。")
                % {"unknown": "、".join(unknown)}
            )
        if not formats:
            raise forms.ValidationError(_("请至少填写一种格式。"))
        return formats

    def clean_counts(self) -> list[int]:
        counts = set()
        for part in _split(self.cleaned_data.get("counts", "")):
            if not WHOLE_NUMBER.fullmatch(part) or int(part) > 1000:
                raise forms.ValidationError(
                    _("“%s”不是张数：请填写 0 到 1000 的整数，用逗号分隔。") % part
                )
            counts.add(int(part))
        return sorted(counts)

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role") or self.instance.role
        counts = cleaned.get("counts")
        if role == VariantRole.STICKER and counts is not None:
            if not counts:
                self.add_error(
                    "counts", _("表情主图须填写允许的张数，例如 8, 16, 24。")
                )
            elif 0 in counts:
                self.add_error("counts", _("表情主图的张数不能为 0。"))
        if cleaned.get("max_fps") == 0:
            self.add_error("max_fps", _("帧率须大于 0；不限请留空。"))
        return cleaned


class StickerSpecViewSet(ModelViewSet):
    model = StickerSpecItem
    icon = "clipboard-list"
    menu_label = gettext_lazy("表情规格")
    add_to_admin_menu = False
    copy_view_enabled = False
    list_display = [
        TitleColumn(
            "role",
            label=gettext_lazy("图片"),
            accessor="get_role_display",
            url_name="brand_sticker_spec:edit",
        ),
        Column(
            "size",
            label=gettext_lazy("尺寸"),
            accessor=lambda item: f"{item.width}×{item.height}",
        ),
        Column(
            "formats",
            label=gettext_lazy("格式"),
            accessor=lambda item: " / ".join(f.upper() for f in item.formats or []),
        ),
        Column(
            "max_bytes",
            label=gettext_lazy("大小上限"),
            accessor=lambda item: format_bytes(item.max_bytes),
        ),
        Column(
            "counts",
            label=gettext_lazy("数量"),
            accessor=lambda item: "、".join(str(n) for n in item.counts or []) or "—",
        ),
        Column("max_fps", label=gettext_lazy("最高帧率")),
        BooleanColumn("transparent", label=gettext_lazy("透明背景")),
        BooleanColumn("verified", label=gettext_lazy("已核实")),
    ]

    def get_form_class(self, for_update=False):
        return StickerSpecForm

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("pack/<int:asset_pk>/", PackCheckView.as_view(), name="pack_check"),
            path(
                "pack/<int:asset_pk>/download/",
                pack_download_view,
                name="pack_download",
            ),
        ]


def _pack_for_team(request, asset_pk: int):
    """The asset and the version asked for (``?version=N``), for its team."""
    asset = get_object_or_404(BrandAsset, pk=asset_pk)
    if not user_is_team(request.user, asset):
        raise PermissionDenied
    number = request.GET.get("version")
    if number is not None and not WHOLE_NUMBER.fullmatch(number):
        raise Http404
    version = sticker_pack_version(asset, int(number) if number else None)
    return asset, version


def _query(version) -> str:
    return f"?version={version.number}" if version else ""


class PackCheckView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "brand_assets/stickers/pack_check.html"
    header_icon = "clipboard-list"

    def dispatch(self, request, *args, **kwargs):
        self.asset, self.version = _pack_for_team(request, kwargs["asset_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("表情包检查")

    def get_page_subtitle(self):
        return self.asset.name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("brand_asset:index"), "label": _("品牌资产")},
            {
                "url": reverse("brand_asset:edit", args=[self.asset.pk]),
                "label": self.asset.name,
            },
            {"url": "", "label": _("表情包检查")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            asset=self.asset,
            version=self.version,
            versions=self.asset.versions.order_by("-number"),
            spec=sticker_spec().values(),
            spec_url=reverse("brand_sticker_spec:index"),
        )
        if self.version is not None:
            result = sticker_pack_export(self.version)
            context.update(
                result=result,
                files=[
                    {"file": file, "preview": _preview(file)} for file in result.files
                ],
                download_url=reverse(
                    "brand_sticker_spec:pack_download", args=[self.asset.pk]
                )
                + _query(self.version),
            )
        return context


def _preview(file) -> str:
    if file.size > PREVIEW_MAX_BYTES:
        return ""
    mime = (
        "image/jpeg" if file.fitted.format == "jpeg" else f"image/{file.fitted.format}"
    )
    return f"data:{mime};base64,{base64.b64encode(file.data).decode('ascii')}"


def pack_download_view(request, asset_pk: int):
    asset, version = _pack_for_team(request, asset_pk)
    if version is None:
        raise Http404
    result = sticker_pack_export(version)
    if not result.ok:
        messages.error(
            request,
            _("表情包有 %d 个问题不能自动修正，暂不能导出。") % len(result.blockers),
        )
        return redirect(
            reverse("brand_sticker_spec:pack_check", args=[asset.pk]) + _query(version)
        )
    response = HttpResponse(result.data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(
        result.filename, attachment=True
    )
    response["Cache-Control"] = "private, no-store"
    return harden(response)
