"""The files of brand variants, for previews and downloads.

``/brand/files/<id>/`` shows a file inline (thumbnails, the brand page);
``/brand/files/<id>/download/`` hands it over as an attachment.

Anyone may preview the files of an asset's approved version when the asset
is shown on the brand page, and download them when it also allows public
downloads. An asset's team (see ``permissions.user_is_team``) may preview and
download every version. Everything else is a 404, so that unapproved work
cannot even be probed for. Downloads are recorded.

Video and audio variants live in the media library: they are redirected to
its published rendition (MP4 for video, M4A or MP3 for audio).
"""

from __future__ import annotations

from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_safe

from media_pipeline.player import player_context
from media_pipeline.syndication.api.fetches import client_address

from ..models import AssetDownload, BrandVariant, DownloadVia
from ..permissions import user_is_team
from ..serving import file_response, harden


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
        BrandVariant.objects.select_related(
            "version__asset", "media_asset__published_job"
        ),
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


def _record(request, variant: BrandVariant, *, team: bool) -> None:
    user = request.user if request.user.is_authenticated else None
    AssetDownload.objects.create(
        asset_id=variant.version.asset_id,
        variant=variant,
        user=user,
        via=DownloadVia.ADMIN if team else DownloadVia.PUBLIC,
        ip_address=client_address(request),
    )


def _media_response(variant: BrandVariant) -> HttpResponse:
    player = player_context(variant.media_asset)
    url = player and (player["mp4"] or player["mp3"])
    if not url:
        return harden(
            HttpResponseNotFound(
                "该视频或音频还没有转码完成，暂时无法播放或下载。".encode(),
                content_type="text/plain; charset=utf-8",
            )
        )
    return HttpResponseRedirect(url)


def _serve(request, variant_id: int, *, download: bool) -> HttpResponse:
    variant, team, public = _variant_for(request, variant_id, download=download)
    if variant.is_media:
        response = _media_response(variant)
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
        _record(request, variant, team=team)
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
