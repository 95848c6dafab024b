"""Errors of the upload server.

Each carries the HTTP status the view answers with and ``reason``, a Chinese
sentence for the producer, sent as ``{"error": reason}``. Like Django's
``Http404``, they let the staging and auth layers stop a request without
knowing how responses are built.
"""

from django.utils.translation import gettext_lazy as _


class UploadError(Exception):
    status = 400
    default_reason = _("上传请求无效。")

    def __init__(self, reason=None, *, headers: dict[str, str] | None = None):
        self.reason = str(reason if reason is not None else self.default_reason)
        self.headers = headers or {}
        super().__init__(self.reason)


class BadRequest(UploadError):
    status = 400


class NotAuthenticated(UploadError):
    status = 401
    default_reason = _("请先登录，或在 Authorization 头中提供有效的 API 令牌。")


class PermissionDenied(UploadError):
    status = 403
    default_reason = _("您没有上传媒体的权限。")


class UploadNotFound(UploadError):
    status = 404
    default_reason = _("找不到这个上传。")


class MethodNotAllowed(UploadError):
    status = 405
    default_reason = _("不支持这个请求方法。")


class OffsetMismatch(UploadError):
    status = 409
    default_reason = _("上传偏移量与服务器记录不一致，请先查询当前进度再续传。")


class UploadExpired(UploadError):
    status = 410
    default_reason = _("这个上传已过期，请重新上传。")


class LengthRequired(UploadError):
    status = 411
    default_reason = _("请求缺少 Content-Length 头。")


class VersionUnsupported(UploadError):
    status = 412
    default_reason = _("不支持的 tus 协议版本，服务器只支持 1.0.0。")


class UploadTooLarge(UploadError):
    status = 413
    default_reason = _("文件超过了允许的最大上传大小。")


class UnsupportedMediaType(UploadError):
    status = 415
    default_reason = _("分块的 Content-Type 必须是 application/offset+octet-stream。")


class UploadLocked(UploadError):
    status = 423
    default_reason = _("另一个请求正在写入这个上传，请稍后重试。")


class ChecksumMismatch(UploadError):
    # 460 is the tus checksum extension's own status.
    status = 460
    default_reason = _("分块校验和不一致，该分块已丢弃，请重新发送。")


class InsufficientStorage(UploadError):
    status = 507
    default_reason = _("服务器暂存空间不足，请稍后重试或联系管理员。")
