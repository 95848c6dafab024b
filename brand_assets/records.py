"""Download records: every ``AssetDownload`` row is written here.

A variant download is one row; a kit download is one row per asset in the
kit (with that asset's licence when there is one), whoever downloads it and
however, so the download listing and reports count kits the same way for the
team, the public and partners.
"""

from __future__ import annotations

from media_pipeline.syndication.api.fetches import client_address

from .models import AssetDownload, BrandKit, BrandVariant, Licence


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def download_record(
    request,
    *,
    variant: BrandVariant,
    via: str,
    licence: Licence | None = None,
    partner=None,
) -> AssetDownload:
    """Record one download of ``variant``."""
    return AssetDownload.objects.create(
        asset_id=variant.version.asset_id,
        variant=variant,
        licence=licence,
        partner=partner,
        user=_user(request),
        via=via,
        ip_address=client_address(request),
    )


def kit_download_records(
    request,
    *,
    kit: BrandKit,
    via: str,
    licences: dict[int, Licence] | None = None,
    partner=None,
) -> list[AssetDownload]:
    """Record a download of ``kit``: one row per asset in it (one row without
    an asset for a kit of none, so the download is still counted)."""
    licences = licences or {}
    user, address = _user(request), client_address(request)
    asset_ids = sorted(set(kit.assets.values_list("pk", flat=True)) | set(licences))
    return AssetDownload.objects.bulk_create(
        AssetDownload(
            asset_id=asset_id,
            kit=kit,
            licence=licences.get(asset_id),
            partner=partner,
            user=user,
            via=via,
            ip_address=address,
        )
        for asset_id in asset_ids or [None]
    )
