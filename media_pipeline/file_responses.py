"""Responses for user files: every media file, subtitle track, download,
package, brand variant and kit a browser or a partner receives.

Every such response goes through this module, so each one carries the same
hardening whatever the storage and whoever serves it:

- ``Content-Security-Policy: default-src 'none'``: an uploaded SVG, PDF or
  HTML-looking file opened directly runs no script and loads nothing;
- ``X-Content-Type-Options: nosniff``: browsers keep to the stored type;
- ``Content-Disposition``: ``attachment`` for downloads, ``inline``
  otherwise, with the file name in RFC 6266 form (``filename*=UTF-8''…``);
- ``Range`` (a single range): ``206`` with ``Content-Range``, ``416`` for a
  range past the end, ``Accept-Ranges: bytes`` on every file streamed, so
  audio and video can be seeked in a browser.

On S3 (and alikes that presign) the bucket stays private, and the caller may
let the request be redirected to a short-lived presigned URL that makes S3
answer with our Content-Type and Content-Disposition (S3 serves ranges
itself). S3 cannot add the two security headers, so a caller only redirects
downloads and files a browser never runs (media, plain raster images).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)

from .storage import presigned_url, storage_presigns

CONTENT_SECURITY_POLICY = "default-src 'none'"
#: For answers only the one who asked may keep: nothing is cached.
NO_STORE = "private, no-store"
#: Presigned URLs expire; a redirect to one must not outlive it in a cache.
REDIRECT_CACHE = "private, max-age=60"
STREAM_CHUNK = 64 * 1024
SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


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


def harden(response: HttpResponse, *, cache_control: str = "") -> HttpResponse:
    """The headers no user file goes without (and its Cache-Control, when
    given)."""
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    if cache_control:
        response["Cache-Control"] = cache_control
    return response


def text_response(text: str, *, content_type: str, cache_control: str) -> HttpResponse:
    """A file made in the request (a rewritten playlist), hardened alike."""
    return harden(
        HttpResponse(text, content_type=content_type), cache_control=cache_control
    )


def refusal_response(status: int, detail: str) -> HttpResponse:
    """A refused file request, with its reason (Chinese) as JSON; never
    cached, as the next request may be answered."""
    response = JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    return harden(response, cache_control=NO_STORE)


def _quoted_etag(etag: str) -> str:
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'


def _not_modified(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header or not etag:
        return False
    tags = {tag.strip() for tag in header.split(",")}
    return "*" in tags or etag in tags or etag.removeprefix("W/") in tags


def requested_range(request, size: int, etag: str = "") -> tuple[int, int] | None:
    """The single byte range ``(first, last)`` a GET asks for, or None to
    send the whole file: no ``Range``, a form we do not serve (several
    ranges, another unit) or an ``If-Range`` that no longer matches.

    Raises ``RangeNotSatisfiable`` for a range that starts past the end.
    """
    header = request.headers.get("Range", "")
    if request.method not in ("GET", "HEAD") or not header:
        return None
    if_range = request.headers.get("If-Range", "").strip()
    if if_range and (not etag or if_range != etag):
        return None  # the file may have changed: the whole of it, as RFC 9110
    match = SINGLE_RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable(size)
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # syntactically invalid: ignored, as RFC 9110 says
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, end


class RangeNotSatisfiable(Exception):
    def __init__(self, size: int):
        self.size = size
        super().__init__(size)


def _chunks(stream, length: int):
    """``length`` bytes of ``stream`` from where it stands, then closed."""
    try:
        while length > 0:
            chunk = stream.read(min(STREAM_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        stream.close()


def file_response(
    request,
    storage_name: str,
    *,
    content_type: str,
    cache_control: str,
    filename: str = "",
    attachment: bool = False,
    etag: str = "",
    redirect_to_storage: bool = False,
    redirect_expiry: int | None = None,
) -> HttpResponse:
    """The response for one stored user file.

    ``storage_name`` is the name in ``default_storage``; ``content_type`` the
    stored type (never guessed from content); ``cache_control`` what caches
    may do with it (``NO_STORE`` for anything not public); ``filename`` what
    the browser saves it as (the stored name's last part when empty);
    ``attachment`` makes it a download; ``etag`` (say the file's SHA-256)
    answers conditional requests with 304 and guards ``If-Range``.
    ``redirect_to_storage`` lets a storage that presigns serve the file
    itself, through a URL valid for ``redirect_expiry`` seconds.

    Raises ``Http404`` when the file is missing from the storage.
    """
    if not storage_name:
        raise Http404("文件不存在")
    content_type = content_type or "application/octet-stream"
    disposition = content_disposition(
        filename or storage_name.rsplit("/", 1)[-1], attachment=attachment
    )
    etag = _quoted_etag(etag) if etag else ""

    if _not_modified(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return harden(response, cache_control=cache_control)

    if redirect_to_storage and storage_presigns():
        url = presigned_url(
            storage_name,
            expire=redirect_expiry,
            content_type=content_type,
            disposition=disposition,
        )
        keep = cache_control if "no-store" in cache_control else REDIRECT_CACHE
        return harden(HttpResponseRedirect(url), cache_control=keep)

    try:
        stream = default_storage.open(storage_name, "rb")
        size = stream.size
    except (FileNotFoundError, OSError):
        raise Http404("文件不存在") from None
    try:
        byte_range = requested_range(request, size, etag)
    except RangeNotSatisfiable:
        stream.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return harden(response, cache_control=cache_control)

    if byte_range is None:
        # The whole file: FileResponse lets the server hand it to the kernel
        # (wsgi.file_wrapper, sendfile) when the storage has local files.
        response = FileResponse(stream, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = byte_range
        stream.seek(first)
        response = StreamingHttpResponse(
            _chunks(stream, last - first + 1), status=206, content_type=content_type
        )
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    if etag:
        response["ETag"] = etag
    return harden(response, cache_control=cache_control)
