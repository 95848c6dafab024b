"""The media library's file for a brand video or audio variant.

Video and audio variants keep their content in the media library; what the
brand library hands out for one (a preview, a download, an entry in a kit) is
a published rendition: the MP4 of a video, the M4A (else the MP3) of an
audio. This is the one place that choice is made.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from media_pipeline.models import Rendition, RenditionKind

from .models import BrandAssetVersion, BrandVariant, VariantFormat, VariantRole

#: The rendition kinds handed out for each media format, by preference.
MEDIA_DOWNLOAD_KINDS = {
    VariantFormat.VIDEO: (RenditionKind.MP4,),
    VariantFormat.AUDIO: (RenditionKind.M4A, RenditionKind.MP3),
}


def variant_media_rendition(variant: BrandVariant) -> Rendition | None:
    """The published rendition of a video or audio variant, or None while the
    media library has not finished it (or for a variant that is not media)."""
    media = variant.media_asset
    if media is None or not media.is_ready or media.published_job_id is None:
        return None
    for kind in MEDIA_DOWNLOAD_KINDS.get(variant.format, ()):
        rendition = media.rendition(kind)
        if rendition is not None:
            return rendition
    return None


def variant_media_filename(variant: BrandVariant, rendition: Rendition) -> str:
    """What the rendition is saved as: the uploaded name, the rendition's
    extension."""
    stem = variant.original_filename or f"media-{variant.media_asset_id}"
    suffix = rendition.name.rsplit(".", 1)[-1]
    return f"{stem.rsplit('.', 1)[0]}.{suffix}"


def assets_used_by_public_brand_versions(asset_ids: list[int]) -> set[int]:
    """Those of the media library's ``asset_ids`` that the brand page shows:
    a file (not a design source) of the current approved version of a
    brand asset shown publicly. The brand library's part of the media
    library's access rule (``media_pipeline.access``)."""
    newer_approved = BrandAssetVersion.objects.filter(
        asset_id=OuterRef("version__asset_id"),
        is_approved=True,
        number__gt=OuterRef("version__number"),
    )
    shown = (
        BrandVariant.objects.filter(
            media_asset_id__in=asset_ids,
            version__is_approved=True,
            version__asset__is_public=True,
        )
        .exclude(role=VariantRole.SOURCE)
        .exclude(format=VariantFormat.SOURCE)
        .exclude(Exists(newer_approved))
    )
    return set(shown.values_list("media_asset_id", flat=True))
