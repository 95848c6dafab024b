"""Download records: every ``AssetDownload`` row is written here.

A variant download is one row; a kit download is one row per asset in the
kit (with that asset's licence when there is one), whoever downloads it and
however, so the download listing and reports count kits the same way for the
team, the public and partners.
"""

from __future__ import annotations

from django.db.models import Q

from syndication.fetch_records import client_address

from .models import AssetDownload, BrandAsset, BrandKit, BrandVariant, Licence


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
    asset = variant.version.asset
    return AssetDownload.objects.create(
        asset=asset,
        asset_name=asset.name,
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
    names = dict(
        BrandAsset.objects.filter(Q(kits=kit) | Q(pk__in=list(licences))).values_list(
            "pk", "name"
        )
    )
    return AssetDownload.objects.bulk_create(
        AssetDownload(
            asset_id=asset_id,
            asset_name=names.get(asset_id, ""),
            kit=kit,
            licence=licences.get(asset_id),
            partner=partner,
            user=user,
            via=via,
            ip_address=address,
        )
        for asset_id in sorted(names) or [None]
    )
