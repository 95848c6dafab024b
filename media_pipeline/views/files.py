import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from ..models import AssetStatus, MediaAsset
from ..outputs import MIME_TYPES
from ..serving import (
    REWRITTEN_SUFFIXES,
    rewrite_references,
    safe_relative,
    storage_presigns,
)

# Run prefixes are unique, so a file under one never changes.
IMMUTABLE = "public, max-age=31536000, immutable"
PLAYLIST_CACHE = "private, max-age=60"


def _content_type(relative: str) -> str:
    suffix = "." + relative.rsplit(".", 1)[-1]
    return (
        MIME_TYPES.get(suffix)
        or mimetypes.guess_type(relative)[0]
        or ("application/octet-stream")
    )


def _harden(response: HttpResponse) -> HttpResponse:
    # User-supplied media never runs as a page.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_GET
def media_file(request, asset_id: int, relative: str):
    relative = safe_relative(relative)
    asset = (
        MediaAsset.objects.select_related("published_job")
        .filter(pk=asset_id, status=AssetStatus.READY, published_job__isnull=False)
        .first()
    )
    if asset is None or relative is None:
        raise Http404("媒体文件不存在")
    name = f"{asset.published_job.output_prefix}/{relative}"

    if relative.endswith(REWRITTEN_SUFFIXES):
        try:
            with default_storage.open(name, "rb") as stream:
                text = stream.read().decode("utf-8")
        except FileNotFoundError:
            raise Http404("媒体文件不存在") from None
        response = HttpResponse(
            rewrite_references(asset, relative, text),
            content_type=_content_type(relative),
        )
        response["Cache-Control"] = PLAYLIST_CACHE
        return _harden(response)

    if storage_presigns():
        response = HttpResponseRedirect(default_storage.url(name))
        response["Cache-Control"] = "private, max-age=60"
        return _harden(response)
    if not default_storage.exists(name):
        raise Http404("媒体文件不存在")
    response = FileResponse(
        default_storage.open(name, "rb"), content_type=_content_type(relative)
    )
    response["Cache-Control"] = IMMUTABLE
    return _harden(response)
