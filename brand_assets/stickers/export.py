"""Check and export a sticker pack version: the public entry points.

Export writes nothing when a blocker remains: an album that WeChat would
refuse is worse than none, and the blockers say what to change.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import BrandAsset, BrandAssetVersion
from .album import Album, AlbumFile, album_build
from .problems import Problem, ProblemLevel
from .spec import SPEC_FORMATS, SpecLine, format_bytes

README_NAME = "README.txt"


@dataclass
class ExportResult:
    """The album (``data``, ``None`` when blocked), its files and findings."""

    version: BrandAssetVersion
    spec: dict[str, SpecLine]
    files: list[AlbumFile]
    problems: list[Problem]
    data: bytes | None = None
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.blockers

    @property
    def blockers(self) -> list[Problem]:
        return self._level(ProblemLevel.BLOCKER)

    @property
    def fixes(self) -> list[Problem]:
        return self._level(ProblemLevel.FIX)

    @property
    def warnings(self) -> list[Problem]:
        return self._level(ProblemLevel.WARNING)

    @property
    def filename(self) -> str:
        asset = self.version.asset
        return f"{asset.slug}-v{self.version.number}-wechat-stickers.zip"

    def _level(self, level: str) -> list[Problem]:
        return [p for p in self.problems if p.level == level]


def sticker_pack_version(
    asset: BrandAsset, number: int | None = None
) -> BrandAssetVersion | None:
    """Version ``number``, or else the approved version, or else the newest.

    An unapproved version can be checked and exported (the team prepares the
    album before approval); the check then carries a warning saying so.
    """
    if number is not None:
        return asset.versions.filter(number=number).first()
    return asset.approved_version or asset.versions.order_by("-number").first()


def sticker_pack_check(version: BrandAssetVersion) -> list[Problem]:
    """Everything the export of ``version`` would fix, warn about or be
    blocked by; blockers first."""
    return album_build(version).problems


def sticker_pack_export(
    version: BrandAssetVersion, path: str | os.PathLike | None = None
) -> ExportResult:
    """Build the upload-ready album of ``version``.

    Without blockers the zip is in ``result.data`` and, if ``path`` is given,
    written there (atomically: a reader never sees half a zip). With
    blockers nothing is written and ``result.data`` is ``None``.
    """
    album = album_build(version)
    result = ExportResult(
        version=version,
        spec=album.spec,
        files=album.files,
        problems=album.problems,
    )
    if album.blockers:
        return result
    result.data = album_zip(album)
    if path is not None:
        result.path = Path(path)
        _write_atomically(result.path, result.data)
    return result


def album_zip(album: Album) -> bytes:
    out = io.BytesIO()
    stamp = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        readme = zipfile.ZipInfo(README_NAME, date_time=stamp)
        readme.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(readme, album_readme(album).encode("utf-8"))
        for file in album.files:
            # Images are compressed already; storing them keeps export fast.
            info = zipfile.ZipInfo(file.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, file.data)
    return out.getvalue()


def album_readme(album: Album) -> str:
    """README.txt: what is in the album, the spec it was made to, and what
    was changed on the way, in Chinese."""
    version = album.version
    asset = version.asset
    if version.is_approved and version.approved_at:
        state = _("已审定（%s）") % timezone.localtime(version.approved_at).strftime(
            "%Y-%m-%d"
        )
    else:
        state = _("未审定")
    lines = [
        _("微信表情包上传包"),
        "",
        _("资产：%(name)s（%(slug)s）") % {"name": asset.name, "slug": asset.slug},
        _("版本：第 %(n)d 版，%(state)s") % {"n": version.number, "state": state},
        _("导出时间：%s") % timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "",
        _("表情规格（在后台“品牌资产 → 表情规格”中维护）："),
        *[f"- {line.describe()}" for line in album.spec.values()],
        "",
        _("文件清单："),
        *[f"- {_file_line(file)}" for file in album.files],
    ]
    for level, title in (
        (ProblemLevel.FIX, _("自动修正：")),
        (ProblemLevel.WARNING, _("提醒：")),
    ):
        found = [p.message for p in album.problems if p.level == level]
        if found:
            lines += ["", title, *[f"- {message}" for message in found]]
    return "\n".join(lines) + "\n"


def _file_line(file: AlbumFile) -> str:
    fitted = file.fitted
    parts = [
        file.name,
        f"{fitted.width}×{fitted.height}",
        SPEC_FORMATS[fitted.format],
    ]
    if fitted.fps:
        parts.append(
            _("%(n)d 帧，%(fps).1f 帧/秒") % {"n": fitted.frames, "fps": fitted.fps}
        )
    parts.append(format_bytes(fitted.size))
    parts.append(_("来源：%s") % file.source)
    return "  ".join(parts)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
