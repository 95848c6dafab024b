"""Admin actions on an asset's versions: start a new version, upload files to
it, link video or audio from the media library, and approve it.

Each needs the change permission on the asset. Files go in only while a
version is unapproved: an approved version is what partners and the public
have been given, so changing it means a new version and a new approval.

An upload may carry several files. Each is inspected on its own
(``files.inspect_upload`` through ``services.variant_create``): the good
ones are stored, each refused one is listed with its reason, and the form
is shown again, never an error page.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from media_pipeline.models import AssetStatus, MediaAsset
from media_pipeline.permissions import permission_policy as media_permission_policy

from ..files import FileRefused, check_size, max_upload_bytes, safe_filename
from ..models import BrandAsset, BrandAssetVersion, VariantRole
from ..permissions import user_can_change
from ..services import (
    asset_version_create,
    variant_create,
    variant_create_from_media,
    version_approve,
)

logger = logging.getLogger(__name__)

#: How many of the newest ready media assets the link form offers.
MEDIA_CHOICES_LIMIT = 200


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or several files. Empty files pass here: ``inspect_upload``
    refuses them with the same reason as everywhere else."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        # An empty selection goes through once, for the "required" error.
        items = data if isinstance(data, list | tuple) and data else [data]
        return [single(item, initial) for item in items]


class VariantUploadForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy(
            "可一次选择多个文件。允许 SVG、PNG、APNG、GIF、WebP、JPEG、PDF，"
            "以及设计源文件 AI、PSD、Sketch；视频和音频请先上传到媒体库再关联。"
        ),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("用途"),
        choices=VariantRole.choices,
        initial=VariantRole.MAIN,
    )
    label = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("例如：横版、反白、最小尺寸版。"),
    )


class MediaLinkForm(forms.Form):
    media_asset = forms.ModelChoiceField(
        label=gettext_lazy("媒体库中的视频或音频"),
        queryset=MediaAsset.objects.none(),
        empty_label=gettext_lazy("请选择"),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("用途"),
        choices=VariantRole.choices,
        initial=VariantRole.MAIN,
    )
    label = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["media_asset"].queryset = linkable_media(user)


def linkable_media(user):
    """Ready media the user may choose, newest first."""
    ready = media_permission_policy.instances_user_has_any_permission_for(
        user, ["choose", "change"]
    ).filter(status=AssetStatus.READY)
    newest = ready.order_by("-created_at").values("pk")[:MEDIA_CHOICES_LIMIT]
    return MediaAsset.objects.filter(pk__in=newest).order_by("-created_at")


def version_context(
    request, version: BrandAssetVersion, *, can_change: bool, current
) -> dict:
    """What the asset page shows of one version."""
    open_for_files = can_change and not version.is_approved
    return {
        "version": version,
        "variants": list(version.variants.all()),
        "is_current": current is not None and version.pk == current.pk,
        "can_upload": open_for_files,
        "can_approve": open_for_files,
        "upload_form": VariantUploadForm(prefix=f"v{version.pk}")
        if open_for_files
        else None,
        "media_form": MediaLinkForm(prefix=f"m{version.pk}", user=request.user)
        if open_for_files
        else None,
        "upload_url": reverse("brand_asset:version_upload", args=(version.pk,)),
        "media_url": reverse("brand_asset:version_link_media", args=(version.pk,)),
        "approve_url": reverse("brand_asset:version_approve", args=(version.pk,)),
    }


def asset_page_url(version: BrandAssetVersion) -> str:
    url = reverse("brand_asset:inspect", args=(version.asset_id,))
    return f"{url}#version-{version.number}"


def _version_for_change(request, version_id: int) -> BrandAssetVersion:
    version = get_object_or_404(
        BrandAssetVersion.objects.select_related("asset__collection"), pk=version_id
    )
    if not user_can_change(request.user, version.asset):
        raise PermissionDenied
    return version


def _next_position(version: BrandAssetVersion, role: str) -> int:
    last = version.variants.filter(role=role).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


@require_POST
def version_create_view(request, pk: int):
    asset = get_object_or_404(BrandAsset, pk=pk)
    if not user_can_change(request.user, asset):
        raise PermissionDenied
    notes = request.POST.get("notes", "").strip()[:2000]
    version = asset_version_create(asset=asset, notes=notes, user=request.user)
    messages.success(
        request, _("已新建第 %(number)s 版，请上传文件。") % {"number": version.number}
    )
    return redirect(asset_page_url(version))


@require_POST
def version_approve_view(request, version_id: int):
    version = _version_for_change(request, version_id)
    if version.is_approved:
        messages.info(request, _("该版本已经审定。"))
    elif not version.variants.exists():
        messages.error(request, _("该版本还没有文件，不能审定。"))
    else:
        version_approve(version=version, user=request.user)
        messages.success(
            request,
            _("第 %(number)s 版已审定，现在起对外提供的是这一版。")
            % {"number": version.number},
        )
    return redirect(asset_page_url(version))


@require_POST
def version_link_media_view(request, version_id: int):
    version = _version_for_change(request, version_id)
    if version.is_approved:
        messages.error(request, _("已审定的版本不能再添加文件，请新建版本。"))
        return redirect(asset_page_url(version))
    form = MediaLinkForm(request.POST, prefix=f"m{version.pk}", user=request.user)
    if form.is_valid():
        role = form.cleaned_data["role"]
        media = form.cleaned_data["media_asset"]
        try:
            variant_create_from_media(
                version=version,
                media_asset=media,
                role=role,
                position=_next_position(version, role),
                label=form.cleaned_data["label"],
            )
        except FileRefused as refusal:  # approved meanwhile
            messages.error(request, refusal.reason)
        else:
            messages.success(
                request, _("已关联媒体“%(title)s”。") % {"title": media.title}
            )
    else:
        messages.error(request, _("请选择一个已转码完成的视频或音频。"))
    return redirect(asset_page_url(version))


class VersionUploadView(WagtailAdminTemplateMixin, TemplateView):
    """Upload files to a version; refused files are listed with reasons."""

    template_name = "brand_assets/admin/upload.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        self.version = _version_for_change(request, kwargs["version_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("上传文件")

    def get_page_subtitle(self):
        return f"{self.version.asset.name} · v{self.version.number}"

    def get_breadcrumbs_items(self):
        asset = self.version.asset
        return self.breadcrumbs_items + [
            {"url": reverse("brand_asset:index"), "label": _("品牌资产")},
            {
                "url": reverse("brand_asset:inspect", args=(asset.pk,)),
                "label": asset.name,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", VariantUploadForm(prefix=f"v{self.version.pk}"))
        context.update(
            version=self.version,
            asset=self.version.asset,
            upload_url=reverse("brand_asset:version_upload", args=(self.version.pk,)),
            asset_url=asset_page_url(self.version),
            max_bytes=max_upload_bytes(),
        )
        return context

    def post(self, request, *args, **kwargs):
        version = self.version
        if version.is_approved:
            messages.error(request, _("已审定的版本不能再添加文件，请新建版本。"))
            return redirect(asset_page_url(version))
        form = VariantUploadForm(request.POST, request.FILES, prefix=f"v{version.pk}")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))

        role = form.cleaned_data["role"]
        label = form.cleaned_data["label"]
        stored, refused = [], []
        for upload in form.cleaned_data["files"]:
            name = safe_filename(upload.name)
            try:
                check_size(upload.size)
                variant = variant_create(
                    version=version,
                    name=upload.name,
                    data=upload.read(),
                    role=role,
                    position=_next_position(version, role),
                    label=label,
                    user=request.user,
                )
            except FileRefused as refusal:
                refused.append((name, refusal.reason))
            except Exception:  # noqa: BLE001 - one file must not sink the others
                logger.exception("Storing %s in version %s failed", name, version.pk)
                refused.append((name, _("保存时出错，请稍后重试。")))
            else:
                stored.append(variant)

        if stored:
            messages.success(
                request,
                _("已上传 %(count)s 个文件：%(names)s")
                % {
                    "count": len(stored),
                    "names": "、".join(v.original_filename for v in stored),
                },
            )
        if not refused:
            return redirect(asset_page_url(version))
        for name, reason in refused:
            form.add_error("files", f"{name}：{reason}")
        context = self.get_context_data(form=form, refused=refused, stored=stored)
        return self.render_to_response(context)
