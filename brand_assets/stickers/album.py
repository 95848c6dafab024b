"""Assemble a WeChat sticker album from a version's variants.

Each role of the spec is filled from the variants of that role (stickers in
order of position), missing thumbnails and icon are made from the stickers
and the cover, and every image is fitted to its spec line. What cannot be
fixed becomes a blocker; nothing is left out silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import AssetKind, BrandAssetVersion, BrandVariant, VariantRole
from .images import FitError, Fitted, Picture, PictureError, picture_fit, picture_open
from .problems import Problem, ProblemLevel
from .spec import ALBUM_ROLES, EXTENSIONS, SpecLine, format_bytes, sticker_spec

#: Source files larger than this are not read into memory at all.
MAX_SOURCE_BYTES = 50 * 1024 * 1024

#: Album paths of the single images, by role (the extension follows the format).
SINGLE_NAMES = {
    VariantRole.COVER: "cover",
    VariantRole.ICON: "icon",
    VariantRole.BANNER: "banner",
}


@dataclass
class AlbumFile:
    """One image of the album, ready to be zipped."""

    name: str  # path in the zip: main/01.gif, thumb/01.png, cover.png…
    role: str
    source: str  # what it was made from, for people
    fitted: Fitted

    @property
    def data(self) -> bytes:
        return self.fitted.data

    @property
    def size(self) -> int:
        return self.fitted.size


@dataclass
class Album:
    version: BrandAssetVersion
    spec: dict[str, SpecLine]
    files: list[AlbumFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def blockers(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ProblemLevel.BLOCKER]

    def add(self, level: str, code: str, message: str, *, role="", name="") -> None:
        self.problems.append(
            Problem(level=level, code=code, message=message, role=role, name=name)
        )


def album_build(version: BrandAssetVersion) -> Album:
    """Fit every image of ``version`` to the current spec, in memory."""
    album = Album(version=version, spec=sticker_spec())
    asset = version.asset
    if asset.kind != AssetKind.STICKER_PACK:
        album.add(
            ProblemLevel.BLOCKER,
            "kind",
            _("“%(name)s”的类别是%(kind)s，不是表情包：请把类别改为表情包")
            % {"name": asset.name, "kind": asset.get_kind_display()},
        )
    if not version.is_approved:
        album.add(
            ProblemLevel.WARNING,
            "unapproved",
            _("第 %d 版尚未审定：审定后再提交到微信表情开放平台") % version.number,
        )

    sources: dict[str, list[BrandVariant]] = {role: [] for role in ALBUM_ROLES}
    for variant in version.variants.filter(role__in=ALBUM_ROLES).order_by(
        "position", "id"
    ):
        sources[variant.role].append(variant)
    for role in ALBUM_ROLES:
        if role not in album.spec and sources[role]:
            album.add(
                ProblemLevel.WARNING,
                "spec_missing",
                _("表情规格中没有“%s”一行，这些图片不放入表情包")
                % VariantRole(role).label,
                role=role,
            )

    line = album.spec.get(VariantRole.STICKER)
    if line is None:
        album.add(
            ProblemLevel.BLOCKER,
            "spec_missing",
            _("表情规格中没有“表情主图”一行：请先在表情规格中补上"),
            role=VariantRole.STICKER,
        )
        return album

    stickers = _stickers(album, line, sources[VariantRole.STICKER])
    _thumbnails(
        album,
        stickers,
        mains=sources[VariantRole.STICKER],
        variants=sources[VariantRole.STICKER_THUMBNAIL],
    )
    first = next(iter(stickers), None)
    cover = _single(
        album,
        VariantRole.COVER,
        sources[VariantRole.COVER],
        fallback=(stickers[first], _("第 %d 张表情主图") % first) if first else None,
    )
    _single(
        album,
        VariantRole.ICON,
        sources[VariantRole.ICON],
        fallback=(cover, _("封面图")) if cover else None,
        # A cover that failed is reported already; "no icon" would be noise.
        quiet_when_missing=VariantRole.COVER in album.spec and cover is None,
    )
    _single(album, VariantRole.BANNER, sources[VariantRole.BANNER], fallback=None)
    # Blockers first: they are what stands between the team and an album.
    order = {ProblemLevel.BLOCKER: 0, ProblemLevel.WARNING: 1, ProblemLevel.FIX: 2}
    album.problems.sort(key=lambda p: order[p.level])
    return album


def _stickers(
    album: Album, line: SpecLine, variants: list[BrandVariant]
) -> dict[int, Picture]:
    """Fit the main stickers; returns the usable ones' pictures by number."""
    count = len(variants)
    if line.counts and count not in line.counts:
        album.add(
            ProblemLevel.BLOCKER,
            "count",
            count_advice(count, line.counts),
            role=line.role,
        )
    pictures = {}
    for number, variant in enumerate(variants, 1):
        label = _("第 %(n)d 张表情主图 %(file)s") % {
            "n": number,
            "file": variant.download_name,
        }
        picture = _open(album, variant, label, line.role)
        if picture and _fit(
            album, picture, line, f"main/{number:02d}", label, variant.download_name
        ):
            pictures[number] = picture
    return pictures


def count_advice(count: int, allowed: tuple[int, ...]) -> str:
    """Why ``count`` stickers will not do, and how many to add or remove."""
    wanted = "、".join(str(n) for n in allowed)
    if count == 0:
        return _("还没有表情主图：需要 %s 张") % wanted
    lower = [n for n in allowed if n < count]
    upper = [n for n in allowed if n > count]
    values = {"count": count, "wanted": wanted}
    if not lower:
        values["add"] = upper[0] - count
        return (
            _("表情主图只有 %(count)d 张，需要 %(wanted)s 张：请再补 %(add)d 张")
            % values
        )
    if not upper:
        values["remove"] = count - lower[-1]
        return (
            _("表情主图有 %(count)d 张，需要 %(wanted)s 张：请删去 %(remove)d 张")
            % values
        )
    values.update(remove=count - lower[-1], add=upper[0] - count)
    return (
        _(
            "表情主图有 %(count)d 张，需要 %(wanted)s 张：请删去 %(remove)d 张"
            "或再补 %(add)d 张（不会自动丢弃任何一张）"
        )
        % values
    )


def _thumbnails(
    album: Album,
    stickers: dict[int, Picture],
    *,
    mains: list[BrandVariant],
    variants: list[BrandVariant],
) -> None:
    """One thumbnail per main sticker: uploaded ones paired by order (or by
    position when the counts differ), the rest made from their sticker."""
    line = album.spec.get(VariantRole.STICKER_THUMBNAIL)
    if line is None:
        return
    positions = {n: v.position for n, v in enumerate(mains, 1)}
    if len(variants) == len(positions):
        paired = dict(enumerate(variants, 1))
    else:
        by_position = {v.position: v for v in reversed(variants)}
        paired = {n: by_position[p] for n, p in positions.items() if p in by_position}
        unused = len(variants) - len(paired)
        if unused > 0:
            album.add(
                ProblemLevel.WARNING,
                "unused",
                _(
                    "有 %d 张缩略图对不上表情主图的顺序号，未使用："
                    "请把缩略图的顺序设为对应主图的顺序"
                )
                % unused,
                role=line.role,
            )
    for number in positions:
        name = f"thumb/{number:02d}"
        variant = paired.get(number)
        if variant is not None:
            label = _("第 %(n)d 张缩略图 %(file)s") % {
                "n": number,
                "file": variant.download_name,
            }
            picture = _open(album, variant, label, line.role)
            if picture:
                _fit(album, picture, line, name, label, variant.download_name)
        elif number in stickers:
            source = _("由第 %d 张表情主图生成") % number
            _fit(album, stickers[number].still(), line, name, source, source)


def _single(
    album: Album,
    role: str,
    variants: list[BrandVariant],
    *,
    fallback: tuple[Picture, str] | None,
    quiet_when_missing: bool = False,
) -> Picture | None:
    """The cover, icon or banner: uploaded, or made from ``fallback``."""
    line = album.spec.get(role)
    if line is None:
        return None
    name = SINGLE_NAMES[role]
    if len(variants) > 1:
        album.add(
            ProblemLevel.WARNING,
            "extra",
            _("有 %(n)d 张%(label)s，只用顺序最前的 %(file)s")
            % {
                "n": len(variants),
                "label": line.label,
                "file": variants[0].download_name,
            },
            role=role,
        )
    if variants:
        variant = variants[0]
        label = f"{line.label} {variant.download_name}"
        picture = _open(album, variant, label, role)
        if picture and _fit(album, picture, line, name, label, variant.download_name):
            return picture
        return None
    if line.optional or (fallback is None and quiet_when_missing):
        return None
    if fallback is None:
        album.add(
            ProblemLevel.BLOCKER,
            "missing",
            _("缺少%(label)s：请上传一张 %(w)d×%(h)d 的%(label)s（%(formats)s）")
            % {
                "label": line.label,
                "w": line.width,
                "h": line.height,
                "formats": "、".join(f.upper() for f in line.formats),
            },
            role=role,
        )
        return None
    picture, from_label = fallback
    source = _("由%s生成") % from_label
    if role == VariantRole.COVER:
        album.add(
            ProblemLevel.WARNING,
            "generated_cover",
            _("没有上传封面图，已%s：建议上传专门设计的封面图") % source,
            role=role,
        )
    still = picture.still()
    return still if _fit(album, still, line, name, source, source) else None


def _open(album: Album, variant: BrandVariant, label: str, role: str) -> Picture | None:
    def refuse(code, reason):
        album.add(ProblemLevel.BLOCKER, code, f"{label}：{reason}", role=role)

    if not variant.file:
        refuse("not_image", _("不是图片文件：请上传 PNG、GIF 或 JPEG 图片"))
        return None
    try:
        size = variant.file.size
        if size > MAX_SOURCE_BYTES:
            refuse(
                "source_too_large",
                _("文件有 %s，太大，无法处理：请上传较小的原图") % format_bytes(size),
            )
            return None
        with variant.file.open("rb") as fh:
            data = fh.read()
    except OSError:
        refuse("missing_file", _("存储中找不到该文件：请重新上传"))
        return None
    try:
        return picture_open(data)
    except PictureError as error:
        refuse(error.code, error.message + _("：请重新上传"))
        return None


def _fit(
    album: Album,
    picture: Picture,
    line: SpecLine,
    stem: str,
    label: str,
    source: str,
) -> AlbumFile | None:
    """Fit ``picture`` to ``line`` as album file ``stem``.ext; record what was
    done, or the blocker if it cannot be done."""
    try:
        fitted = picture_fit(picture, line)
    except FitError as error:
        album.add(
            ProblemLevel.BLOCKER,
            error.code,
            f"{label}（{stem}）：{error.message}",
            role=line.role,
            name=stem,
        )
        return None
    name = f"{stem}.{EXTENSIONS[fitted.format]}"
    done = list(fitted.actions)
    if picture.format is None:
        done.insert(0, label)  # "由第 3 张表情主图生成"
    if done:
        album.add(
            ProblemLevel.FIX,
            "fixed",
            f"{name}：{'；'.join(done)}",
            role=line.role,
            name=name,
        )
    for note in fitted.warnings:
        album.add(
            ProblemLevel.WARNING,
            "advice",
            f"{name}（{label}）：{note}",
            role=line.role,
            name=name,
        )
    file = AlbumFile(name=name, role=line.role, source=source, fitted=fitted)
    album.files.append(file)
    return file
