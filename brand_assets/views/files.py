"""The files of brand variants, for previews and downloads.

``/brand/files/<id>/`` shows a file inline (thumbnails, the brand page);
``/brand/files/<id>/download/`` hands it over as an attachment.

Anyone may preview the files of an asset's approved version when the asset
is shown on the brand page, and download them when it also allows public
downloads. An asset's team (see ``permissions.user_is_team``) may preview and
download every version. Everything else is a 404, so that unapproved work
cannot even be probed for. Downloads are recorded.

Video and audio variants live in the media library: their published
rendition (``media.variant_media_rendition``) is served here, after the same
checks, never by redirecting to the media library's public URL.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_safe

from media_pipeline.file_responses import harden

from ..media import variant_media_filename, variant_media_rendition
from ..models import BrandVariant, DownloadVia
from ..permissions import user_is_team
from ..records import download_record
from ..serving import file_response


def is_shown_publicly(variant: BrandVariant) -> bool:
    """Whether the brand page shows this file: it belongs to the approved
    version of an asset shown there, and is not a design source."""
    if variant.is_design_source:
        return False
    asset = variant.version.asset
    if not (asset.is_public and variant.version.is_approved):
        return False
    approved = asset.approved_version
    return approved is not None and variant.version_id == approved.pk


def _variant_for(request, variant_id: int, *, download: bool):
    """The variant, whether the requester is its team, and whether it is
    public; 404 when the requester may not have it."""
    variant = get_object_or_404(
        BrandVariant.objects.select_related("version__asset", "media_asset"),
        pk=variant_id,
    )
    asset = variant.version.asset
    # Public: what anyone gets here, so shared caches may keep it too.
    public = is_shown_publicly(variant) and (asset.public_download or not download)
    if user_is_team(request.user, asset):
        return variant, True, public
    if not public:
        raise Http404("文件不存在")
    return variant, False, public


def _media_response(request, variant: BrandVariant, *, download: bool, public: bool):
    rendition = variant_media_rendition(variant)
    if rendition is None:
        return harden(
            HttpResponseNotFound(
                "该视频或音频还没有转码完成，暂时无法播放或下载。".encode(),
                content_type="text/plain; charset=utf-8",
            )
        )
    # Served here, after the brand checks, rather than redirected to the media
    # library's own URL: that one answers anyone for any ready media.
    return file_response(
        request,
        rendition.name,
        filename=variant_media_filename(variant, rendition),
        content_type=rendition.mime_type,
        attachment=download,
        public=public,
    )


def _serve(request, variant_id: int, *, download: bool) -> HttpResponse:
    variant, team, public = _variant_for(request, variant_id, download=download)
    if variant.is_media:
        response = _media_response(request, variant, download=download, public=public)
    else:
        response = file_response(
            request,
            variant.file.name,
            filename=variant.download_name,
            content_type=variant.content_type,
            attachment=download,
            public=public,
            etag=variant.sha256,
        )
    if download and request.method == "GET" and response.status_code in (200, 302):
        via = DownloadVia.ADMIN if team else DownloadVia.PUBLIC
        download_record(request, variant=variant, via=via)
    return response


@require_safe
def variant_preview(request, variant_id: int):
    return _serve(request, variant_id, download=False)


@require_safe
def variant_download(request, variant_id: int):
    return _serve(request, variant_id, download=True)


urlpatterns = [
    path("files/<int:variant_id>/", variant_preview, name="file"),
    path("files/<int:variant_id>/download/", variant_download, name="file_download"),
]
