"""The public brand page's gallery: the approved assets that may be shown,
with their usage guidance, and downloads where the brand allows them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import (
    AssetKind,
    BrandAsset,
    BrandAssetVersion,
    BrandVariant,
    VariantFormat,
    VariantRole,
)

#: Roles whose picture best stands for an asset, in order of preference.
PREVIEW_ROLES = [VariantRole.MAIN, VariantRole.COVER, VariantRole.STICKER]


@dataclass
class GalleryItem:
    """One asset as the public sees it: its approved version only."""

    asset: BrandAsset
    version: BrandAssetVersion
    variants: list[BrandVariant]
    preview: BrandVariant | None = None
    strip: list[BrandVariant] = field(default_factory=list)

    @property
    def downloadable(self) -> bool:
        return self.asset.public_download

    @property
    def downloads(self) -> list[BrandVariant]:
        """The files offered for download: video and audio only once the
        media library has finished them."""
        return [
            v
            for v in self.variants
            if v.file or (v.media_asset is not None and v.media_asset.is_ready)
        ]


@dataclass
class GalleryGroup:
    kind: str
    label: str
    items: list[GalleryItem]


def _previewable(variant: BrandVariant) -> bool:
    return bool(variant.image_id) or variant.format == VariantFormat.SVG


def _preview(variants: list[BrandVariant]) -> BrandVariant | None:
    """A raster variant (Wagtail renditions) first, else an SVG."""
    for role in PREVIEW_ROLES:
        candidates = [v for v in variants if v.role == role and _previewable(v)]
        raster = [v for v in candidates if v.image_id]
        if raster or candidates:
            return (raster or candidates)[0]
    return next((v for v in variants if _previewable(v)), None)


def public_gallery() -> list[GalleryGroup]:
    """The approved versions of public assets, grouped by kind in the order
    of ``AssetKind``. Design sources stay with the team and licensees."""
    assets = (
        BrandAsset.objects.public().prefetch_approved_version().order_by("name", "pk")
    )
    versions = [asset.approved_version for asset in assets]
    variants_by_version: dict[int, list[BrandVariant]] = {}
    for variant in (
        BrandVariant.objects.filter(version__in=versions)
        .exclude(role=VariantRole.SOURCE)
        .exclude(format=VariantFormat.SOURCE)
        .select_related("image", "media_asset")
        .order_by("role", "position", "pk")
    ):
        variants_by_version.setdefault(variant.version_id, []).append(variant)

    by_kind: dict[str, list[GalleryItem]] = {}
    for asset, version in zip(assets, versions, strict=True):
        variants = variants_by_version.get(version.pk, [])
        preview = _preview(variants)
        strip = [
            v
            for v in variants
            if v.role == VariantRole.STICKER and v.image_id and v is not preview
        ]
        by_kind.setdefault(asset.kind, []).append(
            GalleryItem(
                asset=asset,
                version=version,
                variants=variants,
                preview=preview,
                strip=strip[:8],
            )
        )
    return [
        GalleryGroup(kind=kind, label=str(label), items=by_kind[kind])
        for kind, label in AssetKind.choices
        if kind in by_kind
    ]
