"""The WeChat sticker album specification, read from ``StickerSpecItem`` rows.

The rows are data that managers edit in the admin (sources disagree on the
limits); this module only turns them into plain values the album code uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import StickerSpecItem, VariantRole

#: The album's roles, in the order the album lists them.
ALBUM_ROLES = (
    VariantRole.STICKER,
    VariantRole.STICKER_THUMBNAIL,
    VariantRole.COVER,
    VariantRole.ICON,
    VariantRole.BANNER,
)

#: Formats a spec line may name, as Pillow calls them.
SPEC_FORMATS = {"png": "PNG", "gif": "GIF", "jpeg": "JPEG", "webp": "WEBP"}
#: File extensions used in the album for each format.
EXTENSIONS = {"png": "png", "gif": "gif", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True)
class SpecLine:
    """One role of the album: what its images must be."""

    role: str
    label: str
    width: int
    height: int
    formats: tuple[str, ...]
    max_bytes: int
    counts: tuple[int, ...]
    max_fps: int | None
    transparent: bool
    verified: bool

    @property
    def is_square(self) -> bool:
        return self.width == self.height

    @property
    def optional(self) -> bool:
        """A count of 0 among the allowed counts makes the role optional."""
        return 0 in self.counts

    def describe(self) -> str:
        """The line in one Chinese sentence, for README.txt and the admin."""
        parts = [
            f"{self.label}：{self.width}×{self.height}",
            "/".join(fmt.upper() for fmt in self.formats),
            _("不超过 %s") % format_bytes(self.max_bytes),
        ]
        if self.role == VariantRole.STICKER_THUMBNAIL and not self.counts:
            parts.append(_("张数与表情主图相同"))
        elif self.counts:
            parts.append(_("%s 张") % "、".join(str(n) for n in self.counts))
        if self.max_fps:
            parts.append(_("动图不超过 %d 帧/秒") % self.max_fps)
        if self.transparent:
            parts.append(_("透明背景"))
        described = "，".join(parts)
        return described if self.verified else described + _("（未核实）")


def sticker_spec() -> dict[str, SpecLine]:
    """The album specification as it stands now, keyed by role.

    Formats the album code does not know are left out (the admin form
    refuses them; a row edited by other means should not break exports).
    """
    labels = dict(VariantRole.choices)
    lines = {}
    for item in StickerSpecItem.objects.filter(role__in=ALBUM_ROLES):
        formats = tuple(
            str(fmt).lower()
            for fmt in item.formats or []
            if str(fmt).lower() in SPEC_FORMATS
        )
        lines[item.role] = SpecLine(
            role=item.role,
            label=str(labels.get(item.role, item.role)),
            width=item.width,
            height=item.height,
            formats=formats,
            max_bytes=item.max_bytes,
            counts=tuple(sorted({int(n) for n in item.counts or []})),
            max_fps=item.max_fps or None,
            transparent=item.transparent,
            verified=item.verified,
        )
    return {role: lines[role] for role in ALBUM_ROLES if role in lines}


def format_bytes(size: int) -> str:
    """``512000`` → ``"500 KB"``; sizes as WeChat's guides write them."""
    if size < 1024:
        return f"{size} 字节"
    kb = size / 1024
    if kb < 1024:
        return f"{kb:.0f} KB" if kb >= 10 else f"{kb:.1f} KB"
    return f"{kb / 1024:.1f} MB"
