"""The folder the sheet's file paths are relative to.

Paths come from an office's spreadsheet, so each is kept inside the root
(no absolute paths, no ``..`` out of it) before anything is opened.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

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

    def check(self, relative: str) -> None:
        """Refuse, with MediaRootError, a file missing or unreadable."""
        self.local_path(relative)

    def signature(self, relative: str) -> str:
        """Changes when the file is replaced under the same name."""
        stat = self.local_path(relative).stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"

    def close(self) -> None:
        pass

    def local_path(self, relative: str) -> Path:
        """The file at ``relative``; MediaRootError says what is wrong."""
        parts = _relative_parts(relative)
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


def _relative_parts(relative: str) -> PurePosixPath:
    cleaned = relative.strip().replace("\\", "/")
    parts = PurePosixPath(cleaned)
    if not cleaned or parts.is_absolute() or ".." in parts.parts:
        raise MediaRootError(
            _("路径“%s”须是相对媒体根目录的路径，不能以 / 开头或含有 ..。") % relative
        )
    return parts


class S3MediaRoot:
    """A media root in a bucket, ``s3://bucket/prefix``, read with the
    project's S3 settings (endpoint, keys, timeouts of ``STORAGES``). Files
    are fetched to a temporary folder only when their bytes are needed (to
    ingest a video, to read subtitles or a cover); checking that a file is
    there asks the store, without downloading it."""

    def __init__(self, url: str):
        from django.conf import settings
        from storages.backends.s3 import S3Storage  # needs boto3: only here

        parsed = urlsplit(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise MediaRootError(_("S3 媒体目录应写成 s3://存储桶/前缀。"))
        default = settings.STORAGES["default"]
        if not default["BACKEND"].endswith("S3Storage"):
            raise MediaRootError(
                _("本站未配置 S3（S3_BUCKET 等），无法读取 s3:// 媒体目录。")
            )
        self.url = url
        options = {
            **default.get("OPTIONS", {}),
            "bucket_name": parsed.netloc,
            "location": parsed.path.strip("/"),
        }
        self.storage = S3Storage(**options)
        self._folder: Path | None = None

    def __str__(self):
        return self.url

    def _name(self, relative: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        name = str(_relative_parts(relative))
        try:
            found = self.storage.exists(name)
        except (BotoCoreError, ClientError) as error:  # unreachable, denied …
            raise MediaRootError(
                _("无法读取 S3 媒体目录 %(url)s：%(error)s")
                % {"url": self.url, "error": error}
            ) from None
        if not found:
            raise MediaRootError(
                _("在媒体根目录中找不到文件“%s”，请检查路径和文件名。") % relative
            )
        return name

    def check(self, relative: str) -> None:
        self._name(relative)

    def signature(self, relative: str) -> str:
        name = self._name(relative)
        modified = self.storage.get_modified_time(name)
        return f"{self.storage.size(name)}:{modified.isoformat()}"

    def local_path(self, relative: str) -> Path:
        name = self._name(relative)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="catalogue-s3-"))
        path = self._folder / name
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.storage.open(name, "rb") as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out, length=1024 * 1024)
        return path

    def close(self) -> None:
        """Remove the files fetched so far."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def media_root_from(text: str) -> LocalMediaRoot | S3MediaRoot:
    """The media root the command or a worker was given: a folder, or
    ``s3://bucket/prefix``."""
    if text.startswith("s3://"):
        return S3MediaRoot(text)
    return LocalMediaRoot(text)


def allowed_media_root(text: str) -> LocalMediaRoot:
    """The folder an editor named in the admin, if it lies inside one of the
    roots the server allows (``CATALOGUE_MEDIA_ROOTS``): an editor must not
    be able to read any other path on the server. A relative path is taken
    inside the first allowed root."""
    from django.conf import settings

    configured = list(settings.CATALOGUE_MEDIA_ROOTS)
    if not configured:
        raise MediaRootError(_("服务器未配置可导入的媒体目录，请联系管理员。"))
    text = text.strip()
    if not text:
        raise MediaRootError(_("请填写媒体根目录。"))
    if text.startswith("s3://"):
        return _allowed_bucket_root(text, configured)
    roots = [Path(root).resolve() for root in configured if "://" not in root]
    if not roots:
        raise MediaRootError(
            _("只能从服务器允许的媒体目录导入：%s。") % "、".join(configured)
        )
    path = Path(text)
    resolved = (path if path.is_absolute() else roots[0] / path).resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        raise MediaRootError(
            _("只能从服务器允许的媒体目录导入：%s。") % "、".join(map(str, roots))
        )
    return LocalMediaRoot(resolved)


def _allowed_bucket_root(url: str, configured: list[str]) -> S3MediaRoot:
    """``s3://bucket/prefix`` inside one of the allowed ``s3://`` roots."""
    parsed = urlsplit(url)
    key = PurePosixPath(parsed.path.strip("/") or ".")
    for root in configured:
        allowed = urlsplit(root)
        if allowed.scheme != "s3" or allowed.netloc != parsed.netloc:
            continue
        prefix = PurePosixPath(allowed.path.strip("/") or ".")
        if ".." not in key.parts and (
            prefix == PurePosixPath(".") or (key == prefix or prefix in key.parents)
        ):
            return S3MediaRoot(url)
    raise MediaRootError(
        _("只能从服务器允许的媒体目录导入：%s。") % "、".join(configured)
    )
