"""Serving stored user files of the brand library (variants and kits).

Every response for a user file goes through ``file_response``, so each one
carries the same hardening whatever the storage:

- ``Content-Security-Policy: default-src 'none'``: an SVG or PDF opened
  directly runs no script and loads nothing;
- ``X-Content-Type-Options: nosniff``: browsers keep to the stored type;
- ``Content-Disposition``: ``attachment`` for downloads, ``inline`` for
  previews, with the file name in RFC 6266 form (``filename*=UTF-8''…``).

On S3 (and alikes that presign) the bucket stays private and the request is
redirected to a short-lived presigned URL that makes S3 answer with our
Content-Type and Content-Disposition. S3 cannot add the other two headers, so
only downloads (forced to attachment) and inline previews of plain raster
images are redirected; inline previews of active formats (SVG, PDF) are
streamed through Django so the CSP still holds.
"""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
)

from media_pipeline.serving import storage_presigns

CONTENT_SECURITY_POLICY = "default-src 'none'"
PUBLIC_CACHE = "public, max-age=3600"
PRIVATE_CACHE = "private, max-age=300"
#: Presigned URLs expire; a redirect to one must not outlive it in a cache.
REDIRECT_CACHE = "private, max-age=60"
#: Types a browser only ever decodes as pictures: safe to hand to S3 inline.
PASSIVE_TYPES = frozenset(
    {"image/png", "image/apng", "image/jpeg", "image/gif", "image/webp"}
)


def content_disposition(filename: str, *, attachment: bool) -> str:
    """``attachment`` or ``inline`` with an ASCII fallback name and the real
    name in RFC 5987 form, which every current browser prefers."""
    disposition = "attachment" if attachment else "inline"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
        for c in filename
    )
    return (
        f'{disposition}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def harden(response: HttpResponse) -> HttpResponse:
    """The headers no user file goes without."""
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quoted_etag(etag: str) -> str:
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'


def _not_modified(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header or not etag:
        return False
    tags = {tag.strip() for tag in header.split(",")}
    return "*" in tags or etag in tags or etag.removeprefix("W/") in tags


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
    """The response for one stored user file.

    ``storage_name`` is the name in ``default_storage`` (``variant.file.name``,
    ``kit.file.name``); ``filename`` is what the browser saves it as;
    ``content_type`` is the stored type (never guessed from the name);
    ``attachment`` makes it a download, otherwise an inline preview;
    ``public`` lets shared caches keep it; ``etag`` (say the file's SHA-256)
    answers conditional requests with 304.

    Raises ``Http404`` when the file is missing from the storage.
    """
    if not storage_name:
        raise Http404("文件不存在")
    content_type = content_type or "application/octet-stream"
    disposition = content_disposition(filename, attachment=attachment)
    cache_control = PUBLIC_CACHE if public else PRIVATE_CACHE
    etag = _quoted_etag(etag) if etag else ""

    if _not_modified(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        return harden(response)

    if storage_presigns() and (attachment or content_type in PASSIVE_TYPES):
        url = default_storage.url(
            storage_name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = REDIRECT_CACHE
        return harden(response)

    try:
        stream = default_storage.open(storage_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件不存在") from None
    response = FileResponse(stream, content_type=content_type)
    # FileResponse would derive a disposition of its own from the stream name.
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = cache_control
    if etag:
        response["ETag"] = etag
    return harden(response)
