"""Serving subtitle tracks to players: ``<track src>`` of the public player."""

from django.core.files.storage import default_storage
from django.http import Http404
from django.views.decorators.http import require_GET

from ..access import Access, asset_access
from ..file_responses import NO_STORE, text_response
from ..models import AssetStatus, SubtitleTrack

# A track keeps its URL when replaced, so caches must ask again soon.
TRACK_CACHE = "public, max-age=300"


@require_GET
def subtitle_file(request, key, track_id: int):
    """The WebVTT of a track of a ready asset, as the media files are served.

    Always through this view, also on S3: tracks are small, and a ``<track>``
    from another origin would need CORS on the bucket.
    """
    track = (
        SubtitleTrack.objects.filter(
            pk=track_id, asset__key=key, asset__status=AssetStatus.READY
        )
        .select_related("asset")
        .first()
    )
    if track is None:
        raise Http404("字幕不存在")
    access = asset_access(request, track.asset)
    if access is Access.NONE:
        raise Http404("字幕不存在")
    try:
        with default_storage.open(track.file.name, "rb") as stream:
            text = stream.read().decode("utf-8")
    except FileNotFoundError:
        raise Http404("字幕不存在") from None
    return text_response(
        text,
        content_type="text/vtt; charset=utf-8",
        cache_control=TRACK_CACHE if access is Access.PUBLIC else NO_STORE,
    )
