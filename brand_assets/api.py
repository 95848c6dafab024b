"""Brand assets in the partner API: what a partner is licensed for, with
signed, expiring download URLs. Mounted at /api/partner/v1/brand-assets/.

The API's key authentication, rate limit and error handlers apply here too.
Only the approved version of an asset is ever offered, and only while the
partner holds a licence in force for it; any other asset answers 404 as if
it did not exist. Download links go through our own view (``downloads.py``),
which checks the licence again and records the download.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from syndication.keys import bearer_partner
from syndication.schemas import ErrorOut, ValidationErrorOut, download_responses

from .downloads import kit_url, serve_download, variant_url
from .licences import licence_per_asset, licences_in_force_for_partner
from .models import (
    AssetKind,
    BrandAssetVersion,
    BrandKit,
    BrandVariant,
    KitStatus,
    Licence,
    UsageScope,
    VariantFormat,
    VariantRole,
)

router = Router(tags=["brand-assets"])

MAX_ID = 2**63 - 1
COMMON_ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


# --- schemas ------------------------------------------------------------------


class LicenceOut(Schema):
    id: int = Field(description="授权编号")
    uses: list[UsageScope] = Field(description="授权用途")
    use_labels: list[str] = Field(description="授权用途（中文）")
    starts_on: dt.date = Field(description="起始日期（含）")
    ends_on: dt.date = Field(description="截止日期（含）；此后下载地址失效")


class VariantOut(Schema):
    id: int
    role: VariantRole = Field(description="在版本中的用途，如 main、sticker、guide")
    format: VariantFormat
    label: str
    filename: str = Field(description="下载时的文件名")
    content_type: str
    width: int | None = Field(description="宽（像素）")
    height: int | None = Field(description="高（像素）")
    size: int = Field(description="大小（字节）")
    sha256: str
    url: str = Field(description="短时有效的签名下载地址")
    url_expires_at: dt.datetime = Field(description="下载地址失效的时间")


class BrandAssetOut(Schema):
    id: int
    name: str
    slug: str
    kind: AssetKind
    kind_label: str = Field(description="类别（中文）")
    description: str
    usage_guidance: str = Field(description="使用规范")
    attribution: str = Field(description="署名要求：授权另有规定时以授权为准")
    licence: LicenceOut
    version: int = Field(description="现行审定版本的版本号")
    variants: list[VariantOut]


class BrandAssetListOut(Schema):
    items: list[BrandAssetOut]


class KitOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    assets: list[int] = Field(description="套件包含的资产编号")
    size: int = Field(description="压缩包大小（字节）")
    built_at: dt.datetime | None
    url: str = Field(description="短时有效的签名下载地址")
    url_expires_at: dt.datetime


class KitListOut(Schema):
    items: list[KitOut]


# --- helpers ------------------------------------------------------------------


def _json(data, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    # The body holds links that expire: never keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def _not_found() -> HttpResponse:
    # The same answer for an asset that does not exist and one the partner
    # holds no licence for, so nothing is learnt about the library.
    return _json({"detail": _("未找到该资产。")}, status=404)


def _variant_out(request, variant: BrandVariant, *, partner_id, licence_id) -> dict:
    url, expires_at = variant_url(
        request, partner_id=partner_id, licence_id=licence_id, variant_id=variant.pk
    )
    return {
        "id": variant.pk,
        "role": variant.role,
        "format": variant.format,
        "label": variant.label,
        "filename": variant.download_name,
        "content_type": variant.content_type,
        "width": variant.width,
        "height": variant.height,
        "size": variant.size,
        "sha256": variant.sha256,
        "url": url,
        "url_expires_at": expires_at.isoformat(),
    }


def licensed_assets(request, licences: list[Licence]) -> list[dict]:
    """The partner's licensed assets with their approved version's files and
    signed links; assets without an approved version are left out. Three
    queries whatever the number of assets."""
    by_asset = licence_per_asset(licences)
    versions = BrandAssetVersion.objects.approved_by_asset(by_asset)
    variants: dict[int, list[BrandVariant]] = {}
    for variant in BrandVariant.objects.filter(
        version_id__in=[v.pk for v in versions.values()]
    ).order_by("role", "position", "id"):
        variants.setdefault(variant.version_id, []).append(variant)

    labels = dict(UsageScope.choices)
    items = []
    for asset_id, licence in by_asset.items():
        version = versions.get(asset_id)
        if version is None:
            continue
        asset = licence.asset
        items.append(
            {
                "id": asset.pk,
                "name": asset.name,
                "slug": asset.slug,
                "kind": asset.kind,
                "kind_label": str(asset.get_kind_display()),
                "description": asset.description,
                "usage_guidance": asset.usage_guidance,
                "attribution": licence.attribution or asset.attribution,
                "licence": {
                    "id": licence.pk,
                    "uses": list(licence.uses),
                    "use_labels": [str(labels.get(u, u)) for u in licence.uses],
                    "starts_on": licence.starts_on.isoformat(),
                    "ends_on": licence.ends_on.isoformat(),
                },
                "version": version.number,
                "variants": [
                    _variant_out(
                        request,
                        variant,
                        partner_id=licence.partner_id,
                        licence_id=licence.pk,
                    )
                    for variant in variants.get(version.pk, [])
                ],
            }
        )
    items.sort(key=lambda item: (item["kind"], item["name"], item["id"]))
    return items


# --- routes -------------------------------------------------------------------


@router.get(
    "",
    response={200: BrandAssetListOut, **COMMON_ERRORS},
    url_name="brand_assets",
    summary="已获授权的品牌资产",
    description=(
        "今天仍在授权期内、未撤销的授权所涉及的品牌资产（标志、吉祥物、表情包、"
        "文创设计、课间操套件等），各带现行审定版本的全部文件及短时有效的签名下载"
        "地址（url_expires_at 之后失效；授权到期或撤销后立即失效）。未审定的版本"
        "从不提供。"
    ),
)
def list_brand_assets(request):
    licences = list(licences_in_force_for_partner(request.partner))
    return _json({"items": licensed_assets(request, licences)})


@router.get(
    "/kits",
    response={200: KitListOut, **COMMON_ERRORS},
    url_name="brand_kits",
    summary="可下载的品牌套件",
    description=(
        "已生成好的下载套件（压缩包），仅列出其中每项资产都在贵方有效授权之内的"
        "套件，各带短时有效的签名下载地址。"
    ),
)
def list_brand_kits(request):
    partner = request.partner
    licensed = {licence.asset_id for licence in licences_in_force_for_partner(partner)}
    items = []
    kits = (
        BrandKit.objects.filter(status=KitStatus.READY)
        .exclude(file="")
        .prefetch_related("assets")
        .order_by("name", "id")
    )
    for kit in kits:
        asset_ids = sorted(asset.pk for asset in kit.assets.all())
        if not asset_ids or not set(asset_ids) <= licensed:
            continue
        url, expires_at = kit_url(request, partner_id=partner.pk, kit_id=kit.pk)
        items.append(
            {
                "id": kit.pk,
                "name": kit.name,
                "slug": kit.slug,
                "description": kit.description,
                "assets": asset_ids,
                "size": kit.size,
                "built_at": kit.built_at.isoformat() if kit.built_at else None,
                "url": url,
                "url_expires_at": expires_at.isoformat(),
            }
        )
    return _json({"items": items})


@router.get(
    "/{asset_id}",
    response={
        200: BrandAssetOut,
        404: ErrorOut,
        422: ValidationErrorOut,
        **COMMON_ERRORS,
    },
    url_name="brand_asset",
    summary="一项已获授权的品牌资产",
    description=(
        "与列表中的一项相同。没有有效授权的资产一律 404，与不存在的资产无从区分。"
    ),
)
def get_brand_asset(request, asset_id: int = Path(..., ge=1, le=MAX_ID)):
    licences = list(
        licences_in_force_for_partner(request.partner).filter(asset_id=asset_id)
    )
    items = licensed_assets(request, licences)
    if not items:
        return _not_found()
    return _json(items[0])


DOWNLOAD_TYPES = (
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/apng",
    "image/webp",
    "application/pdf",
    "application/zip",
    "application/octet-stream",
    "video/mp4",
    "audio/mp4",
    "audio/mpeg",
)


@router.get(
    "/downloads/{token}",
    auth=None,
    response={
        200: None,
        302: None,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        410: ErrorOut,
        422: ValidationErrorOut,
    },
    url_name="brand_download",
    summary="品牌资产的签名下载地址",
    description=(
        "资产与套件列表给出的下载地址，无须密钥。每次下载都会记录。链接过期（410）、"
        "授权到期或被撤销（410）、文件已不属于现行审定版本（410）、链接属于其他合作方"
        "或无效（403）时拒绝；套件正在重新生成时 409。"
    ),
    openapi_extra={"responses": download_responses(DOWNLOAD_TYPES)},
)
def download(request, token: str = Path(..., max_length=2000)):
    return serve_download(request, token, bearer_partner=bearer_partner(request))
