"""Licences: who may use which asset, for what, and until when.

Services (``licence_create``, ``licence_update``, ``licence_revoke``) are the
only writers; the selectors answer what a partner may download on a given
day. A licence grants one asset to a partner (over the partner API) or to a
school or organisation (through a licence link), for a period and a subset
of the asset's allowed uses. Every refusal carries its reason in Chinese
(the model's ``clean()``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import BrandAsset, Licence, LicenseeKind, licence_today

#: The fields a manager may set on a licence (the rest are bookkeeping).
EDITABLE_FIELDS = (
    "asset",
    "licensee_kind",
    "partner",
    "licensee_name",
    "uses",
    "starts_on",
    "ends_on",
    "attribution",
    "notes",
)


def licence_create(
    *,
    asset: BrandAsset,
    licensee_name: str,
    uses: list[str],
    starts_on: dt.date,
    ends_on: dt.date,
    licensee_kind: str = LicenseeKind.PARTNER,
    partner=None,
    attribution: str = "",
    notes: str = "",
    user=None,
) -> Licence:
    """Grant ``asset`` to a licensee for ``uses`` from ``starts_on`` to
    ``ends_on`` (both included).

    Raises ``ValidationError`` (reasons in Chinese, by field) for uses outside
    the asset's allowed uses, an end before the start, or a partner licence
    without its partner account.
    """
    licence = Licence(
        asset=asset,
        licensee_kind=licensee_kind,
        partner=partner,
        licensee_name=licensee_name,
        uses=list(uses),
        starts_on=starts_on,
        ends_on=ends_on,
        attribution=attribution,
        notes=notes,
        created_by=user,
    )
    _validate(licence)
    licence.save()
    return licence


def _validate(licence: Licence) -> None:
    # Empty uses are the model's clean() to explain ("请至少选择…"); the
    # field's own "此字段不能为空" would only repeat it.
    licence.full_clean(exclude=[] if licence.uses else ["uses"])


def licence_update(*, licence: Licence, **fields) -> Licence:
    """Change the editable fields of ``licence``; validated as on creation."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(licence, name, value)
    _validate(licence)
    licence.save()
    return licence


def licence_revoke(*, licence: Licence, user=None) -> Licence:
    """End ``licence`` now: its download links stop working at once.

    Revoking twice keeps the first time. Who revoked it is noted in the
    licence's notes (the model has no field for it).
    """
    with transaction.atomic():
        locked = Licence.objects.select_for_update().get(pk=licence.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            if user is not None:
                when = timezone.localtime(locked.revoked_at)
                line = f"{when:%Y-%m-%d %H:%M} 由 {user} 撤销。"
                locked.notes = f"{locked.notes}\n{line}".strip()
            locked.save(update_fields=["revoked_at", "notes"])
    licence.revoked_at = locked.revoked_at
    licence.notes = locked.notes
    return licence


# --- selectors ----------------------------------------------------------------


def licences_in_force_for_partner(partner, on: dt.date | None = None) -> QuerySet:
    """The licences granting something to ``partner`` on ``on`` (today by
    default), the longest-running first for each asset. None for a
    deactivated partner."""
    if partner is None or not partner.is_active:
        return Licence.objects.none()
    return (
        Licence.objects.in_force(on)
        .filter(licensee_kind=LicenseeKind.PARTNER, partner=partner)
        .select_related("asset")
        .order_by("asset_id", "-ends_on", "-id")
    )


def partner_may_download(
    partner, asset: BrandAsset | int, on: dt.date | None = None
) -> Licence | None:
    """The licence under which ``partner`` may download ``asset`` on ``on``
    (the one that runs longest when several do), or None."""
    asset_id = asset.pk if isinstance(asset, BrandAsset) else asset
    return licences_in_force_for_partner(partner, on).filter(asset_id=asset_id).first()


def licence_per_asset(licences) -> dict[int, Licence]:
    """One licence per asset: the first of each, as the selectors order them."""
    chosen: dict[int, Licence] = {}
    for licence in licences:
        chosen.setdefault(licence.asset_id, licence)
    return chosen


def licence_status(licence: Licence, on: dt.date | None = None) -> str:
    """One of "revoked", "ended", "pending" (not started) or "in_force"."""
    on = on or licence_today()
    if licence.revoked_at is not None:
        return "revoked"
    if licence.ends_on < on:
        return "ended"
    if licence.starts_on > on:
        return "pending"
    return "in_force"
