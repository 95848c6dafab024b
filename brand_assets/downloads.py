"""Signed, expiring download links for licensed brand assets, and the checks
and records behind them.

Two kinds of link, one set of checks:

- **Partner links** (the partner API): ``/api/partner/v1/brand-assets/
  downloads/<token>``. The token is a signed, timestamped payload naming the
  partner, the licence and the variant (or the partner and a kit); it cannot
  be forged or altered and stops working ``BRAND_DOWNLOAD_MAX_AGE`` seconds
  (default 600) after it was made.
- **Licence links** (schools and organisations without an API key):
  ``/brand/licences/<token>/`` lists the licensed asset's approved files,
  each downloadable at ``…/files/<variant id>/``. The token names the licence
  and when the link ends: the end of the licence or
  ``BRAND_LICENCE_LINK_DAYS`` (default 30) days, whichever comes first.

At every request the link is checked again: the licence is still in force
today (not ended, not revoked), the partner still active, and the file
still part of the asset's approved version. Only then is the download
recorded (``AssetDownload``) and the file handed over by
``serving.file_response``: streamed with the hardening headers
(``Content-Security-Policy: default-src 'none'``, ``nosniff``, attachment),
or on S3 (a storage that presigns) a redirect to a presigned URL that makes
S3 answer as an attachment. Every link is checked here, never handed out as
a bare presigned URL, so that each download is recorded and a revocation
holds at once.

Refusals are JSON ``{"detail": "…"}`` in Chinese, as in the rest of the
partner API (``DownloadRefused`` is the syndication downloads' own).
"""

from __future__ import annotations

import datetime as dt
import time

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from media_pipeline.signed_tokens import DownloadRefused, token_read, token_sign
from syndication.downloads import KEY_FIELD, check_partner
from syndication.keys import request_key_id
from syndication.models import PartnerAccount

from .conf import brand_settings
from .kits import kit_zip_is_current
from .licences import licence_per_asset, licences_in_force_for_partner
from .media import variant_media_filename, variant_media_rendition
from .models import (
    BrandKit,
    BrandVariant,
    DownloadVia,
    Licence,
    LicenseeKind,
    licence_today,
    licence_zone,
)
from .records import download_record, kit_download_records
from .serving import file_response

__all__ = ["DownloadRefused"]

DOWNLOAD_SALT = "brand_assets.download"
LINK_SALT = "brand_assets.licence_link"


def download_max_age() -> int:
    return int(brand_settings.BRAND_DOWNLOAD_MAX_AGE)


def licence_link_days() -> int:
    return int(brand_settings.BRAND_LICENCE_LINK_DAYS)


def _invalid() -> DownloadRefused:
    return DownloadRefused(403, _("下载链接无效。"))


# --- partner tokens -----------------------------------------------------------


def variant_token(
    *, partner_id: int, licence_id: int, variant_id: int, key_id: int | None = None
) -> str:
    payload = {"p": partner_id, "l": licence_id, "v": variant_id}
    if key_id is not None:
        payload[KEY_FIELD] = key_id
    return token_sign(payload, salt=DOWNLOAD_SALT)


def kit_token(*, partner_id: int, kit_id: int, key_id: int | None = None) -> str:
    payload = {"p": partner_id, "k": kit_id}
    if key_id is not None:
        payload[KEY_FIELD] = key_id
    return token_sign(payload, salt=DOWNLOAD_SALT)


def read_token(token: str) -> dict:
    """The payload of a partner link; refused when forged or expired."""
    payload = token_read(
        token,
        salt=DOWNLOAD_SALT,
        max_age=download_max_age(),
        ids="p",
        optional_ids=(KEY_FIELD,),
        expired=_("下载链接已过期，请重新获取资产以得到新链接。"),
    )
    is_variant = all(isinstance(payload.get(key), int) for key in "lv")
    is_kit = isinstance(payload.get("k"), int)
    if is_variant == is_kit:
        raise _invalid()
    return payload


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=download_max_age())


def _absolute(request, url_name: str, *args) -> str:
    return request.build_absolute_uri(reverse(url_name, args=args))


def variant_url(
    request, *, partner_id: int, licence_id: int, variant_id: int
) -> tuple[str, dt.datetime]:
    """A partner's download URL for a variant and when it stops working."""
    token = variant_token(
        partner_id=partner_id,
        licence_id=licence_id,
        variant_id=variant_id,
        key_id=request_key_id(request),
    )
    return _absolute(request, "partner_api:brand_download", token), _expiry()


def kit_url(request, *, partner_id: int, kit_id: int) -> tuple[str, dt.datetime]:
    token = kit_token(
        partner_id=partner_id, kit_id=kit_id, key_id=request_key_id(request)
    )
    return _absolute(request, "partner_api:brand_download", token), _expiry()


# --- licence links ------------------------------------------------------------


def licence_end(licence: Licence) -> dt.datetime:
    """The moment a licence stops granting: the end of its last day, in the
    project's time zone (not the admin user's)."""
    return dt.datetime.combine(
        licence.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=licence_zone()
    )


def licence_link_end(licence: Licence, *, days: int | None = None, now=None):
    """When a licence link made now stops working: the end of the licence's
    last day or ``days`` from now, whichever comes first."""
    now = now or timezone.now()
    days = licence_link_days() if days is None else days
    return min(now + dt.timedelta(days=max(days, 0)), licence_end(licence))


def licence_link_token(
    licence: Licence, *, days: int | None = None, now=None
) -> tuple[str, dt.datetime]:
    """A signed link token for ``licence`` and when it stops working."""
    ends_at = licence_link_end(licence, days=days, now=now)
    payload = {"l": licence.pk, "e": int(ends_at.timestamp())}
    return token_sign(payload, salt=LINK_SALT), ends_at


def licence_link_url(request, token: str) -> str:
    return _absolute(request, "brand_assets:licence_link", token)


def read_licence_link(token: str) -> tuple[Licence, dt.datetime]:
    """The licence a link names, checked as a download would be, and when the
    link ends."""
    # A link ends at the moment it names ("e"), not after an age.
    payload = token_read(
        token,
        salt=LINK_SALT,
        max_age=None,
        ids="le",
        expired="",
        invalid=_("授权链接无效。"),
    )
    if time.time() >= payload["e"]:
        raise DownloadRefused(410, _("授权链接已过期，请向百嘎丽索取新的链接。"))
    ends_at = dt.datetime.fromtimestamp(payload["e"], tz=dt.UTC)
    return check_licence(payload["l"]), ends_at


# --- checks -------------------------------------------------------------------


def check_licence(
    licence_id: int, *, partner: PartnerAccount | None = None, on=None
) -> Licence:
    """The licence, still granting its asset on ``on`` (today by default);
    with ``partner``, also the partner's own."""
    on = on or licence_today()
    licence = (
        Licence.objects.select_related("asset", "partner").filter(pk=licence_id).first()
    )
    if licence is None:
        raise DownloadRefused(410, _("该授权已不存在，不能再下载。"))
    if partner is not None and (
        licence.licensee_kind != LicenseeKind.PARTNER
        or licence.partner_id != partner.pk
    ):
        raise _invalid()
    if licence.revoked_at is not None:
        raise DownloadRefused(410, _("该授权已被撤销，不能再下载。"))
    if licence.ends_on < on:
        raise DownloadRefused(
            410,
            _("该授权已于 %(date)s 到期，不能再下载。")
            % {"date": licence.ends_on.isoformat()},
        )
    if licence.starts_on > on:
        raise DownloadRefused(
            403,
            _("该授权自 %(date)s 起生效，届时才能下载。")
            % {"date": licence.starts_on.isoformat()},
        )
    return licence


def approved_variants(asset) -> list[BrandVariant]:
    """The files of the asset's approved version: all that is offered."""
    version = asset.approved_version
    if version is None:
        return []
    return list(version.variants.select_related("media_asset__published_job"))


def check_variant(licence: Licence, variant_id: int) -> BrandVariant:
    """The variant, still part of the licensed asset's approved version."""
    variant = (
        BrandVariant.objects.select_related("version", "media_asset__published_job")
        .filter(pk=variant_id, version__asset_id=licence.asset_id)
        .first()
    )
    if variant is None:
        raise DownloadRefused(410, _("该文件已不存在，请重新获取资产。"))
    approved = licence.asset.approved_version
    if approved is None or variant.version_id != approved.pk:
        raise DownloadRefused(
            410, _("该文件已不属于资产的现行审定版本，请重新获取资产以得到新链接。")
        )
    return variant


def check_kit(
    kit_id: int, *, partner: PartnerAccount, on=None
) -> tuple[BrandKit, dict[int, Licence]]:
    """A ready kit every asset of which ``partner`` is licensed for, and the
    licence for each asset."""
    kit = BrandKit.objects.filter(pk=kit_id).first()
    if kit is None:
        raise DownloadRefused(410, _("该套件已不存在。"))
    asset_ids = set(kit.assets.values_list("pk", flat=True))
    licences = licence_per_asset(
        licences_in_force_for_partner(partner, on).filter(asset_id__in=asset_ids)
    )
    if not asset_ids or set(licences) != asset_ids:
        raise DownloadRefused(
            403, _("该套件中有资产不在贵方的有效授权之内，不能下载。")
        )
    if not kit_zip_is_current(kit):
        raise DownloadRefused(409, _("套件正在重新生成，请稍后重新获取下载地址。"))
    return kit, licences


# --- serving ------------------------------------------------------------------


def variant_file(variant: BrandVariant) -> tuple[str, str, str]:
    """(stored name, download name, content type) of a variant.

    Video and audio variants live in the media library: their published MP4
    (video) or M4A/MP3 (audio) rendition is what is downloaded.
    """
    if variant.file:
        content_type = variant.content_type or "application/octet-stream"
        return variant.file.name, variant.download_name, content_type
    rendition = variant_media_rendition(variant)
    if rendition is None:
        raise DownloadRefused(404, _("该文件尚未转码完成，暂不能下载。"))
    filename = variant_media_filename(variant, rendition)
    return rendition.name, filename, rendition.mime_type


def attachment_response(request, name: str, *, filename: str, content_type: str):
    """The stored file as a hardened attachment (``serving.file_response``:
    streamed, or on S3 a redirect to a presigned URL answering as an
    attachment). Raises ``DownloadRefused`` (404) when the file is missing,
    before anything is recorded."""
    try:
        response = file_response(
            request,
            name,
            filename=filename,
            content_type=content_type,
            attachment=True,
            public=False,
        )
    except Http404:
        raise DownloadRefused(404, _("文件不存在。")) from None
    # A licence can end or be revoked any moment: no copy is kept.
    response["Cache-Control"] = "private, no-store"
    return response


def deliver_variant(
    request, *, variant: BrandVariant, licence: Licence, via: str, partner=None
) -> HttpResponse:
    """Record and hand over one checked variant."""
    name, filename, content_type = variant_file(variant)
    response = attachment_response(
        request, name, filename=filename, content_type=content_type
    )
    download_record(request, variant=variant, licence=licence, partner=partner, via=via)
    return response


def deliver_kit(
    request, *, kit: BrandKit, licences: dict[int, Licence], partner
) -> HttpResponse:
    """Record (one row per asset, with its licence) and hand over a kit."""
    filename = f"{kit.slug}.zip"
    response = attachment_response(
        request, kit.file.name, filename=filename, content_type="application/zip"
    )
    kit_download_records(
        request,
        kit=kit,
        licences=licences,
        partner=partner,
        via=DownloadVia.PARTNER_API,
    )
    return response


def serve_download(request, token: str, *, bearer_partner=None) -> HttpResponse:
    """Answer a partner link: the file (or a redirect to it), or a refusal."""
    try:
        payload = read_token(token)
        partner = check_partner(
            payload["p"], bearer_partner, key_id=payload.get(KEY_FIELD)
        )
        if "k" in payload:
            kit, licences = check_kit(payload["k"], partner=partner)
            return deliver_kit(request, kit=kit, licences=licences, partner=partner)
        licence = check_licence(payload["l"], partner=partner)
        variant = check_variant(licence, payload["v"])
        return deliver_variant(
            request,
            variant=variant,
            licence=licence,
            partner=partner,
            via=DownloadVia.PARTNER_API,
        )
    except DownloadRefused as refused:
        return refused.response()


def serve_licence_file(request, token: str, variant_id: int) -> HttpResponse:
    """Answer a file link of a licence link page."""
    try:
        licence, _ends_at = read_licence_link(token)
        variant = check_variant(licence, variant_id)
        return deliver_variant(
            request,
            variant=variant,
            licence=licence,
            partner=licence.partner,
            via=DownloadVia.LICENCE_LINK,
        )
    except DownloadRefused as refused:
        return refused.response()
