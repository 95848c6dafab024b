import mimetypes

from django.core.files.storage import default_storage
from django.http import Http404
from django.views.decorators.http import require_GET

from ..access import public_output_prefix, user_may_fetch
from ..file_responses import NO_STORE, file_response, text_response
from ..models import AssetStatus, MediaAsset
from ..outputs import MIME_TYPES
from ..serving import REWRITTEN_SUFFIXES, rewrite_references, safe_relative

# Run prefixes are unique, so a file under one never changes; but the asset
# may stop being public (its page unpublished), so shared caches keep a file
# only briefly.
PUBLIC_FILE_CACHE = "public, max-age=300"
# Playlists name presigned URLs on S3, which expire.
PUBLIC_PLAYLIST_CACHE = "public, max-age=60"


def _content_type(relative: str) -> str:
    suffix = "." + relative.rsplit(".", 1)[-1]
    return (
        MIME_TYPES.get(suffix)
        or mimetypes.guess_type(relative)[0]
        or ("application/octet-stream")
    )


@require_GET
def media_file(request, key, relative: str):
    """A file of the published run of a ready asset, to whoever may have it
    (``access``); 404 to everyone else."""
    relative = safe_relative(relative)
    if relative is None:
        raise Http404("媒体文件不存在")
    # The public case first, answered from the cache: every segment of every
    # viewer comes this way.
    prefix = public_output_prefix(key)
    public = prefix is not None
    if not public:
        asset = (
            MediaAsset.objects.select_related("published_job")
            .filter(key=key, status=AssetStatus.READY, published_job__isnull=False)
            .first()
        )
        if asset is None or not user_may_fetch(request.user, asset):
            raise Http404("媒体文件不存在")
        prefix = asset.published_job.output_prefix
    name = f"{prefix}/{relative}"

    if relative.endswith(REWRITTEN_SUFFIXES):
        try:
            with default_storage.open(name, "rb") as stream:
                text = stream.read().decode("utf-8")
        except FileNotFoundError:
            raise Http404("媒体文件不存在") from None
        return text_response(
            rewrite_references(key, prefix, relative, text),
            content_type=_content_type(relative),
            cache_control=PUBLIC_PLAYLIST_CACHE if public else NO_STORE,
        )
    # Media a browser never runs as a page: on S3 the store serves it.
    return file_response(
        request,
        name,
        content_type=_content_type(relative),
        cache_control=PUBLIC_FILE_CACHE if public else NO_STORE,
        redirect_to_storage=True,
    )
