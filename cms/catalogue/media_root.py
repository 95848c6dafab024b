"""The folder the sheet's file paths are relative to.

Paths come from an office's spreadsheet, so each is kept inside the root
(no absolute paths, no ``..`` out of it) before anything is opened.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _


class MediaRootError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LocalMediaRoot:
    """A media root on a disk the server can read."""

    def __init__(self, path: Path | str):
        self.root = Path(path).resolve()
        if not self.root.is_dir():
            raise MediaRootError(_("媒体根目录不存在或不是文件夹：%s") % path)

    def __str__(self):
        return str(self.root)

    def local_path(self, relative: str) -> Path:
        """The file at ``relative``; MediaRootError says what is wrong."""
        cleaned = relative.strip().replace("\\", "/")
        parts = PurePosixPath(cleaned)
        if not cleaned or parts.is_absolute() or ".." in parts.parts:
            raise MediaRootError(
                _("路径“%s”须是相对媒体根目录的路径，不能以 / 开头或含有 ..。")
                % relative
            )
        path = (self.root / parts).resolve()
        if not path.is_relative_to(self.root):  # a link pointing out of the root
            raise MediaRootError(_("路径“%s”指向媒体根目录之外。") % relative)
        if not path.is_file():
            raise MediaRootError(
                _("在媒体根目录中找不到文件“%s”，请检查路径和文件名。") % relative
            )
        try:
            with open(path, "rb") as stream:
                stream.read(1)
        except OSError:
            raise MediaRootError(
                _("文件“%s”无法读取，请检查权限。") % relative
            ) from None
        return path


def allowed_media_root(text: str) -> LocalMediaRoot:
    """The folder an editor named in the admin, if it lies inside one of the
    roots the server allows (``CATALOGUE_MEDIA_ROOTS``): an editor must not
    be able to read any other path on the server. A relative path is taken
    inside the first allowed root."""
    from django.conf import settings

    roots = [Path(root).resolve() for root in settings.CATALOGUE_MEDIA_ROOTS]
    if not roots:
        raise MediaRootError(_("服务器未配置可导入的媒体目录，请联系管理员。"))
    text = text.strip()
    if not text:
        raise MediaRootError(_("请填写媒体根目录。"))
    path = Path(text)
    resolved = (path if path.is_absolute() else roots[0] / path).resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        raise MediaRootError(
            _("只能从服务器允许的媒体目录导入：%s。") % "、".join(map(str, roots))
        )
    return LocalMediaRoot(resolved)
