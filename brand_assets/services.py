"""Everything that changes the brand library goes through these functions.

Files enter only through ``variant_create``, which inspects them first
(``files.inspect_upload``), so a stored variant is always of an allowed
format, within the pixel limit, matching its extension, and (for SVG)
sanitised; and only into a version not yet approved.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from media_pipeline.services.assets import (
    USES_LIMIT,
    AssetInUse,
    AssetUse,
    object_uses,
    uses_named,
)

from .models import (
    RASTER_FORMATS,
    BrandAsset,
    BrandAssetVersion,
    BrandKit,
    BrandVariant,
    Licence,
    VariantFormat,
    VariantRole,
)


def asset_version_create(
    *, asset: BrandAsset, notes: str = "", user=None
) -> BrandAssetVersion:
    """A new, unapproved version numbered after the asset's last one."""
    with transaction.atomic():
        # Lock the asset so two editors cannot take the same number.
        BrandAsset.objects.select_for_update().filter(pk=asset.pk).first()
        last = asset.versions.aggregate(last=Max("number"))["last"] or 0
        return BrandAssetVersion.objects.create(
            asset=asset, number=last + 1, notes=notes, created_by=user
        )


def variant_create(
    *,
    version: BrandAssetVersion,
    name: str,
    data: bytes,
    role: str = VariantRole.MAIN,
    position: int = 0,
    label: str = "",
    user=None,
) -> BrandVariant:
    """Inspect an uploaded file and store it as a variant of ``version``.

    Raises ``files.FileRefused`` (with a reason in Chinese) for anything that
    is not allowed; nothing is stored then.
    """
    from .files import inspect_upload

    facts = inspect_upload(name, data)
    content = facts.data  # sanitised for SVG, the bytes as sent otherwise
    variant = BrandVariant(
        version=version,
        role=role,
        position=position,
        label=label,
        format=facts.format,
        original_filename=facts.filename,
        content_type=facts.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        width=facts.width,
        height=facts.height,
        frames=facts.frames,
    )
    with transaction.atomic():
        _lock_unapproved(version)
        variant.file.save(facts.filename, ContentFile(content), save=False)
        if facts.format in RASTER_FORMATS:
            variant.image = _library_image(version, facts.filename, content, user)
        variant.save()
    return variant


def variant_create_from_media(
    *,
    version: BrandAssetVersion,
    media_asset,
    role: str = VariantRole.MAIN,
    position: int = 0,
    label: str = "",
) -> BrandVariant:
    """A video or audio variant kept in the media library (transcoded there)."""
    fmt = VariantFormat.AUDIO if media_asset.kind == "audio" else VariantFormat.VIDEO
    with transaction.atomic():
        _lock_unapproved(version)
        return BrandVariant.objects.create(
            version=version,
            role=role,
            position=position,
            label=label or media_asset.title,
            format=fmt,
            media_asset=media_asset,
            original_filename=media_asset.original_filename,
            size=media_asset.size,
            sha256=media_asset.sha256,
            width=media_asset.width,
            height=media_asset.height,
        )


def _lock_unapproved(version: BrandAssetVersion) -> None:
    """Lock ``version`` for the rest of the transaction; refuse an approved one.

    The views check approval before a (slow) upload; an approval committed
    meanwhile would otherwise let a file into what partners already get.
    Approval takes the same lock, so it waits for an upload in progress.
    """
    from .files import FileRefused

    locked = BrandAssetVersion.objects.select_for_update().get(pk=version.pk)
    if locked.is_approved:
        raise FileRefused("该版本已审定，不能再添加文件，请新建版本。", code="approved")


def version_approve(*, version: BrandAssetVersion, user=None) -> BrandAssetVersion:
    """Approve ``version``: from now on it is what partners and the public get.

    Kits containing the asset are rebuilt once the approval is committed.
    """
    with transaction.atomic():
        # Waits for an upload to this version in progress (see variant_create).
        locked = BrandAssetVersion.objects.select_for_update().get(pk=version.pk)
        if locked.is_approved:
            version.is_approved = True
            return version
        version.is_approved = True
        version.approved_at = timezone.now()
        version.approved_by = user
        version.save(update_fields=["is_approved", "approved_at", "approved_by"])
        transaction.on_commit(lambda: _kits_changed(version.asset_id))
    return version


def _kits_changed(asset_id: int) -> None:
    from .kits import kits_rebuild_for_asset

    kits_rebuild_for_asset(asset_id)


def _library_image(version: BrandAssetVersion, filename: str, content: bytes, user):
    """The raster file as a Wagtail image, for previews through Willow."""
    from wagtail.images import get_image_model

    image_model = get_image_model()
    image = image_model(
        title=f"{version.asset.name} v{version.number} · {filename}",
        collection=version.asset.collection,
        uploaded_by_user=user,
    )
    # Assigned rather than saved with file.save(): the assignment is what
    # makes Django's ImageField fill in width and height.
    image.file = ContentFile(content, name=filename)
    image.save()
    return image


def brand_asset_uses(asset: BrandAsset) -> list[AssetUse]:
    """Where a brand asset is used, so that deleting it loses nothing: its
    licences (deleting would erase the record of what was granted to whom),
    the kits that include it, and whatever outside the library uses it or a
    file of one of its versions (a screen playlist's slide, a page)."""
    uses = [
        AssetUse(kind=capfirst(Licence._meta.verbose_name), label=str(licence))
        for licence in asset.licences.all()[:USES_LIMIT]
    ]
    uses += [
        AssetUse(kind=capfirst(BrandKit._meta.verbose_name), label=str(kit))
        for kit in asset.kits.all()[:USES_LIMIT]
    ]
    uses += object_uses(asset)
    for variant in BrandVariant.objects.filter(version__asset=asset):
        uses += object_uses(variant)
    return list(dict.fromkeys(uses))


def brand_asset_uses_reason(uses: list[AssetUse]) -> str:
    return _("该品牌资产正在使用中，不能删除：%(names)s。请先解除这些引用。") % {
        "names": uses_named(uses)
    }


def brand_asset_delete(*, asset: BrandAsset) -> None:
    """Delete an asset, its versions and their files, when nothing uses it.

    Raises AssetInUse (with the places) otherwise, also when a use appears
    between the check and the delete (a PROTECT foreign key refuses it).
    Download records keep the asset's name (``AssetDownload.asset_name``).
    """
    uses = brand_asset_uses(asset)
    if uses:
        raise AssetInUse(uses, reason=brand_asset_uses_reason(uses))
    try:
        with transaction.atomic():
            asset.delete()
    except ProtectedError as error:
        uses = [
            AssetUse(kind=capfirst(obj._meta.verbose_name), label=str(obj))
            for obj in list(error.protected_objects)[:USES_LIMIT]
        ]
        raise AssetInUse(uses, reason=brand_asset_uses_reason(uses)) from None
