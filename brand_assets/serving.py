"""Serving stored user files of the brand library (variants and kits).

The response itself, with its hardening headers and ranges, is the media
library's (``media_pipeline.file_responses``); this module adds the brand
library's policy: how long caches keep a file, and which files a storage
that presigns may serve itself. Only downloads (forced to attachment) and
inline previews of plain raster images are redirected; inline previews of
active formats (SVG, PDF) are streamed through Django so the CSP still holds.
"""

from __future__ import annotations

from django.http import HttpResponse

from media_pipeline.file_responses import file_response as user_file_response

PUBLIC_CACHE = "public, max-age=3600"
PRIVATE_CACHE = "private, max-age=300"
#: Types a browser only ever decodes as pictures: safe to hand to S3 inline.
PASSIVE_TYPES = frozenset(
    {"image/png", "image/apng", "image/jpeg", "image/gif", "image/webp"}
)


def file_response(
    request,
    storage_name: str,
    *,
    filename: str,
    content_type: str,
    attachment: bool,
    public: bool,
    etag: str = "",
) -> HttpResponse:
    """The response for one stored brand file.

    ``storage_name`` is the name in ``default_storage`` (``variant.file.name``,
    ``kit.file.name``); ``filename`` is what the browser saves it as;
    ``content_type`` is the stored type (never guessed from the name);
    ``attachment`` makes it a download, otherwise an inline preview;
    ``public`` lets shared caches keep it; ``etag`` (say the file's SHA-256)
    answers conditional requests with 304.

    Raises ``Http404`` when the file is missing from the storage.
    """
    return user_file_response(
        request,
        storage_name,
        content_type=content_type,
        cache_control=PUBLIC_CACHE if public else PRIVATE_CACHE,
        filename=filename,
        attachment=attachment,
        etag=etag,
        redirect_to_storage=attachment or content_type in PASSIVE_TYPES,
    )
