"""The tus 1.0 protocol over HTTP: core, creation, checksum, termination and
expiration (https://tus.io/protocols/resumable-upload).

Every answer carries ``Tus-Resumable``; every error is JSON
``{"error": "<reason in Chinese>"}``. Bodies are never read through
``request.body`` or ``request.POST``: chunks are streamed from the request to
disk in fixed-size pieces, so memory stays flat whatever the file size (and
``DATA_UPLOAD_MAX_MEMORY_SIZE``, which only guards ``body``, never applies).
"""

import base64
import binascii
import contextlib
import logging

from django.http import HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..errors import MediaError
from ..models import MediaAsset
from . import auth, services, staging
from .errors import (
    BadRequest,
    LengthRequired,
    MethodNotAllowed,
    NotAuthenticated,
    OffsetMismatch,
    PermissionDenied,
    UnsupportedMediaType,
    UploadError,
    UploadNotFound,
    VersionUnsupported,
)

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,termination,expiration"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"
# Metadata is a handful of short fields; anything longer is not a real client.
METADATA_MAX_LENGTH = 8 * 1024
# Model field limits (MediaAsset.title and original_filename).
TITLE_MAX_LENGTH = 255
FILENAME_MAX_LENGTH = 255
# HTTP has no standard phrase for tus's own status.
REASON_PHRASES = {460: "Checksum Mismatch"}


def error_response(status: int, reason: str, *, headers=None, **extra) -> HttpResponse:
    response = JsonResponse(
        {"error": str(reason), **extra},
        status=status,
        reason=REASON_PHRASES.get(status),
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def metadata_parse(header: str) -> dict[str, str]:
    """Decode ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    invalid = BadRequest(_("Upload-Metadata 头格式不正确。"))
    if len(header) > METADATA_MAX_LENGTH:
        raise invalid
    metadata = {}
    for pair in header.split(","):
        if not pair.strip():
            continue
        key, _space, value = pair.strip().partition(" ")
        if not key.isascii() or not key.isprintable() or key in metadata:
            raise invalid
        try:
            metadata[key] = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise invalid from None
    return metadata


def metadata_encode(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key
        for key, value in metadata.items()
    )


def checksum_parse(header: str) -> tuple[str, bytes]:
    """Decode ``Upload-Checksum``: ``<algorithm> <base64 digest>``."""
    algorithm, _space, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in staging.CHECKSUM_ALGORITHMS:
        raise BadRequest(
            _("不支持的校验算法“%(algorithm)s”，可用：%(supported)s。")
            % {
                "algorithm": algorithm,
                "supported": ", ".join(staging.CHECKSUM_ALGORITHMS),
            }
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != staging.CHECKSUM_ALGORITHMS[algorithm]().digest_size:
        raise BadRequest(_("Upload-Checksum 头格式不正确。"))
    return algorithm, digest


def header_int(request, name: str) -> int | None:
    value = request.headers.get(name)
    if value is None:
        return None
    value = value.strip()
    # Digits only: int() would also take signs, spaces and underscores.
    if not value.isdecimal() or not value.isascii():
        raise BadRequest(_("%(header)s 头必须是非负整数。") % {"header": name})
    return int(value)


def content_length(request) -> int:
    # Without Content-Length an HTTP/1.1 body is empty, unless it is chunked:
    # then WSGI cannot tell where it ends, and the client must say.
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise LengthRequired()
    value = request.META.get("CONTENT_LENGTH", "").strip() or "0"
    if not value.isdecimal() or not value.isascii():
        raise BadRequest(_("Content-Length 头必须是非负整数。"))
    return int(value)


def asset_headers(asset_id: int) -> dict[str, str]:
    headers = {"X-Media-Asset-Id": str(asset_id)}
    # The media library's admin views may not be installed.
    with contextlib.suppress(NoReverseMatch):
        headers["X-Media-Asset-Url"] = MediaAsset(pk=asset_id).get_admin_url()
    return headers


def finished_response(state: staging.UploadState, *, method: str) -> HttpResponse:
    """The answer for an upload whose last byte is in, however often asked."""
    if state.asset_id is None:
        extra = {"existing_id": state.existing_id} if state.existing_id else {}
        return error_response(state.failure_status, state.failure_reason, **extra)
    response = HttpResponse(status=200 if method == "HEAD" else 204)
    response["Upload-Offset"] = str(state.length)
    response["Upload-Length"] = str(state.length)
    for name, value in asset_headers(state.asset_id).items():
        response[name] = value
    return response


def expires_header(state: staging.UploadState) -> str:
    return http_date(state.expires_at.timestamp())


@method_decorator(csrf_exempt, name="dispatch")
class TusView(View):
    """What both endpoints share: method override, protocol version, auth,
    and turning every failure into a JSON answer.

    CSRF is exempt at the middleware only because ``auth`` checks it itself
    for session requests; token requests need no CSRF protection.
    """

    tus_methods: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        method = request.method.upper()
        try:
            method = self.tus_method(request)
            response = self.tus_dispatch(request, method, *args, **kwargs)
        except UploadError as error:
            headers = dict(error.headers)
            if isinstance(error, NotAuthenticated):
                headers.setdefault("WWW-Authenticate", 'Bearer realm="media-uploads"')
            response = error_response(error.status, error.reason, headers=headers)
        except Exception:
            logger.exception("Upload request %s %s failed", method, request.path)
            response = error_response(503, _("服务器暂时无法处理上传，请稍后重试。"))
        if method == "HEAD":
            # HEAD answers carry headers only, whatever the status.
            response.content = b""
        response["Tus-Resumable"] = TUS_VERSION
        response["Cache-Control"] = "no-store"
        return response

    def tus_method(self, request) -> str:
        method = request.method.upper()
        override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
        # Only POST may be overridden: POST goes through the CSRF check, while
        # a GET turned into a DELETE would slip past it.
        if override and method == "POST":
            method = override
        if method not in self.tus_methods:
            raise MethodNotAllowed(headers={"Allow": ", ".join(self.tus_methods)})
        return method

    def tus_dispatch(self, request, method: str, upload_id: str | None = None):
        if method == "OPTIONS":
            # Discovery needs no login: it only describes the server.
            return self.options(request)
        if request.headers.get("Tus-Resumable", "").strip() != TUS_VERSION:
            raise VersionUnsupported(headers={"Tus-Version": TUS_VERSION})
        user = auth.request_authenticate(request)
        auth.user_check_permission(user)
        handler = getattr(self, method.lower())
        if upload_id is None:
            return handler(request, user)
        if not staging.upload_id_is_valid(upload_id):
            raise UploadNotFound()
        return handler(request, user, upload_id)

    def options(self, request, *args, **kwargs):
        response = HttpResponse(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Max-Size"] = str(staging.max_upload_bytes())
        response["Tus-Checksum-Algorithm"] = ",".join(staging.CHECKSUM_ALGORITHMS)
        response["Allow"] = ", ".join(self.tus_methods)
        return response


class UploadCreateView(TusView):
    """The collection endpoint: POST creates an upload (creation extension)."""

    tus_methods = ("OPTIONS", "POST")

    def post(self, request, user):
        if "Upload-Defer-Length" in request.headers:
            raise BadRequest(_("不支持延后声明文件大小，请提供 Upload-Length。"))
        length = header_int(request, "Upload-Length")
        if length is None:
            raise BadRequest(_("缺少 Upload-Length 头。"))
        # creation-with-upload is not offered: the body is never read.
        if content_length(request):
            raise BadRequest(_("创建上传时不能附带数据，请用 PATCH 发送。"))
        metadata = metadata_parse(request.headers.get("Upload-Metadata", ""))
        self.metadata_check(metadata, user)
        state = staging.upload_create(
            length=length, owner_id=user.pk, metadata=metadata
        )
        response = HttpResponse(status=201)
        response["Location"] = request.build_absolute_uri(
            reverse("tus:upload", args=(state.id,))
        )
        response["Upload-Expires"] = expires_header(state)
        return response

    def metadata_check(self, metadata: dict[str, str], user) -> None:
        if len(metadata.get("title", "")) > TITLE_MAX_LENGTH:
            raise BadRequest(
                _("标题不能超过 %(limit)s 个字符。") % {"limit": TITLE_MAX_LENGTH}
            )
        filename = metadata.get("filename") or metadata.get("name") or ""
        if len(filename) > FILENAME_MAX_LENGTH:
            raise BadRequest(
                _("文件名不能超过 %(limit)s 个字符。") % {"limit": FILENAME_MAX_LENGTH}
            )
        value = metadata.get("collection") or metadata.get("collection_id")
        if value is None:
            return
        collection = services.upload_collection(metadata)
        if collection is None:
            raise BadRequest(_("指定的收藏集不存在。"))
        if not auth.user_may_upload_to(user, collection):
            raise PermissionDenied(_("您没有向这个收藏集上传媒体的权限。"))


class UploadView(TusView):
    """One upload: HEAD reports progress, PATCH appends, DELETE terminates."""

    tus_methods = ("OPTIONS", "HEAD", "PATCH", "DELETE")

    def head(self, request, user, upload_id):
        state = staging.upload_get(upload_id, owner_id=user.pk)
        if state.is_finished:
            return finished_response(state, method="HEAD")
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(state.offset)
        response["Upload-Length"] = str(state.length)
        response["Upload-Expires"] = expires_header(state)
        if state.metadata:
            response["Upload-Metadata"] = metadata_encode(state.metadata)
        return response

    def patch(self, request, user, upload_id):
        if request.content_type != CHUNK_CONTENT_TYPE:
            raise UnsupportedMediaType()
        offset = header_int(request, "Upload-Offset")
        if offset is None:
            raise BadRequest(_("缺少 Upload-Offset 头。"))
        length = content_length(request)
        checksum_header = request.headers.get("Upload-Checksum")
        checksum = checksum_parse(checksum_header) if checksum_header else None
        with staging.upload_locked(upload_id, owner_id=user.pk) as upload:
            state = upload.state
            if state.is_finished:
                # A client that lost the answer to its last chunk and asks again.
                if offset == state.length and length == 0:
                    return finished_response(state, method="PATCH")
                raise OffsetMismatch()
            upload.append(
                stream=request, offset=offset, content_length=length, checksum=checksum
            )
            if state.offset < state.length:
                response = HttpResponse(status=204)
                response["Upload-Offset"] = str(state.offset)
                response["Upload-Expires"] = expires_header(state)
                return response
            # The last byte is in. A refusal (duplicate, invalid media) is
            # recorded in the state and answered from there below.
            with contextlib.suppress(MediaError):
                services.upload_finish(upload=upload, user=user)
        return finished_response(state, method="PATCH")

    def delete(self, request, user, upload_id):
        with staging.upload_locked(upload_id, owner_id=user.pk) as upload:
            upload.remove()
        return HttpResponse(status=204)
