"""Brand assets in the partner API: a partner sees and downloads only what it
is licensed for, until the licence ends; every download is recorded."""

from __future__ import annotations

import datetime as dt
import io
import time
import urllib.request
import zipfile
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brand_assets.downloads import variant_token
from brand_assets.kits import kit_fingerprint
from brand_assets.licences import licence_revoke
from brand_assets.models import (
    AssetDownload,
    BrandKit,
    DownloadVia,
    KitStatus,
    Licence,
    UsageScope,
    VariantRole,
)
from brand_assets.services import asset_version_create, version_approve
from syndication.models import Platform
from tests.syndication.conftest import API, make_partner

from .builders import (
    MARK_SVG,
    approved_version,
    brand_asset,
    partner_licence,
    png_bytes,
    stored_variant,
)

pytestmark = pytest.mark.django_db

BRAND = f"{API}/brand-assets"


@pytest.fixture
def platform(db):
    return Platform.objects.get(slug="kepu-china")


@pytest.fixture
def partner_a(platform):
    return make_partner("品牌合作方甲", platform)


@pytest.fixture
def partner_b(platform):
    return make_partner("品牌合作方乙", platform)


@pytest.fixture
def mark():
    """The mark, approved, with a PNG and an SVG."""
    asset = brand_asset("百嘎丽标志（测试）")
    asset.usage_guidance = "四周留白不少于标志高度的四分之一。"
    asset.attribution = "百嘎丽 © 鄂尔多斯市科学技术协会"
    asset.save()
    version = approved_version(asset)
    png = png_bytes(96, 64)
    variants = {
        "png": stored_variant(version, "标志.png", png, width=96, height=64),
        "svg": stored_variant(
            version,
            "mark.svg",
            MARK_SVG,
            format="svg",
            content_type="image/svg+xml",
            width=120,
            height=120,
        ),
    }
    return {
        "asset": asset,
        "version": version,
        "variants": variants,
        "data": {"png": png, "svg": MARK_SVG},
    }


def fetch(client, url: str, **extra):
    """GET a download link: status, body (streamed or not) and the response."""
    response = client.get(url, **extra)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, body, response


def variant_urls(body: dict) -> dict[str, str]:
    return {v["filename"]: v["url"] for v in body["variants"]}


# --- without a licence ----------------------------------------------------------


def test_a_partner_without_a_licence_sees_nothing_and_cannot_download(
    mark, partner_a, partner_b
):
    asset = mark["asset"]
    assert partner_a.get("/brand-assets").json() == {"items": []}
    response = partner_a.get(f"/brand-assets/{asset.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该资产。"}
    # An asset that does not exist answers exactly the same.
    missing = partner_a.get("/brand-assets/987654321")
    assert (missing.status_code, missing.content) == (404, response.content)

    # B holds a licence; its link is B's alone.
    partner_licence(asset, partner_b.account)
    url = variant_urls(partner_b.get(f"/brand-assets/{asset.pk}").json())["标志.png"]
    status, _, refused = fetch(partner_a.client, url, **partner_a.auth)
    assert status == 403
    assert refused.json()["detail"] == "此下载链接属于其他合作方。"
    # Nor can a token name A with B's licence (only we can sign one; even so).
    token = variant_token(
        partner_id=partner_a.account.pk,
        licence_id=Licence.objects.get(partner=partner_b.account).pk,
        variant_id=mark["variants"]["png"].pk,
    )
    status, _, refused = fetch(partner_a.client, f"{BRAND}/downloads/{token}")
    assert status == 403 and refused.json()["detail"] == "下载链接无效。"
    assert not AssetDownload.objects.filter(partner=partner_a.account).exists()


def test_the_api_wants_a_key(mark, client):
    response = client.get(BRAND)
    assert response.status_code == 401
    assert "缺少接口密钥" in response.json()["detail"]


# --- with a licence -----------------------------------------------------------


def test_a_licensed_partner_lists_the_asset_with_signed_links(mark, partner_a):
    asset, version = mark["asset"], mark["version"]
    licence = partner_licence(
        asset,
        partner_a.account,
        uses=[UsageScope.DIGITAL, UsageScope.EDUCATION],
        attribution="",
    )
    body = partner_a.get("/brand-assets").json()
    assert [item["id"] for item in body["items"]] == [asset.pk]
    item = body["items"][0]
    assert partner_a.get(f"/brand-assets/{asset.pk}").json().keys() == item.keys()
    assert item["name"] == "百嘎丽标志（测试）"
    assert item["kind"] == "mark" and item["kind_label"] == "标志"
    assert item["usage_guidance"] == "四周留白不少于标志高度的四分之一。"
    # The asset's attribution, as the licence sets none of its own.
    assert item["attribution"] == "百嘎丽 © 鄂尔多斯市科学技术协会"
    assert item["version"] == version.number
    assert item["licence"] == {
        "id": licence.pk,
        "uses": ["digital", "education"],
        "use_labels": ["网络与新媒体", "校园教学"],
        "starts_on": licence.starts_on.isoformat(),
        "ends_on": licence.ends_on.isoformat(),
    }
    png = next(v for v in item["variants"] if v["format"] == "png")
    assert (png["role"], png["width"], png["height"], png["size"]) == (
        "main",
        96,
        64,
        len(mark["data"]["png"]),
    )
    assert png["sha256"] == mark["variants"]["png"].sha256
    assert png["url"].startswith(f"http://testserver{BRAND}/downloads/")
    expires = dt.datetime.fromisoformat(png["url_expires_at"])
    assert (
        dt.timedelta(minutes=9) < expires - timezone.now() <= dt.timedelta(minutes=10)
    )


def test_the_licences_attribution_wins(mark, partner_a):
    partner_licence(mark["asset"], partner_a.account, attribution="署名：百嘎丽")
    item = partner_a.get(f"/brand-assets/{mark['asset'].pk}").json()
    assert item["attribution"] == "署名：百嘎丽"


def test_a_licensed_download_is_the_stored_file_hardened_and_recorded(mark, partner_a):
    licence = partner_licence(mark["asset"], partner_a.account)
    urls = variant_urls(partner_a.get(f"/brand-assets/{mark['asset'].pk}").json())
    status, body, response = fetch(partner_a.client, urls["标志.png"])
    assert status == 200 and body == mark["data"]["png"]
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E6%A0%87%E5%BF%97.png" in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    # An SVG is never served as a page.
    status, body, response = fetch(partner_a.client, urls["mark.svg"])
    assert status == 200 and body == MARK_SVG
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'"

    records = list(AssetDownload.objects.order_by("id"))
    assert [
        (r.asset_id, r.variant_id, r.licence_id, r.partner_id, r.via, r.ip_address)
        for r in records
    ] == [
        (
            mark["asset"].pk,
            mark["variants"][name].pk,
            licence.pk,
            partner_a.account.pk,
            DownloadVia.PARTNER_API,
            "127.0.0.1",
        )
        for name in ("png", "svg")
    ]


def test_after_the_licence_ends_links_are_refused_and_the_listing_drops_it(
    mark, partner_a
):
    licence = partner_licence(mark["asset"], partner_a.account)
    url = variant_urls(partner_a.get("/brand-assets").json()["items"][0])["标志.png"]
    assert fetch(partner_a.client, url)[0] == 200

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Licence.objects.filter(pk=licence.pk).update(ends_on=yesterday)
    status, _, response = fetch(partner_a.client, url)
    assert status == 410
    assert response.json()["detail"] == (
        f"该授权已于 {yesterday.isoformat()} 到期，不能再下载。"
    )
    assert partner_a.get("/brand-assets").json() == {"items": []}
    assert partner_a.get(f"/brand-assets/{mark['asset'].pk}").status_code == 404
    assert AssetDownload.objects.count() == 1  # the refusal is not a download


def test_a_licence_not_yet_started_grants_nothing(mark, partner_a):
    today = timezone.localdate()
    licence = partner_licence(
        mark["asset"],
        partner_a.account,
        starts_on=today + dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=30),
    )
    assert partner_a.get("/brand-assets").json() == {"items": []}
    token = variant_token(
        partner_id=partner_a.account.pk,
        licence_id=licence.pk,
        variant_id=mark["variants"]["png"].pk,
    )
    status, _, response = fetch(partner_a.client, f"{BRAND}/downloads/{token}")
    assert status == 403 and "起生效" in response.json()["detail"]


def test_a_revoked_licence_stops_its_links_at_once(mark, partner_a, superuser):
    licence = partner_licence(mark["asset"], partner_a.account)
    url = variant_urls(partner_a.get("/brand-assets").json()["items"][0])["mark.svg"]
    licence_revoke(licence=licence, user=superuser)
    status, _, response = fetch(partner_a.client, url)
    assert status == 410
    assert response.json()["detail"] == "该授权已被撤销，不能再下载。"
    assert partner_a.get("/brand-assets").json() == {"items": []}
    assert not AssetDownload.objects.exists()


def test_links_expire(mark, partner_a, settings):
    partner_licence(mark["asset"], partner_a.account)
    an_hour_ago = time.time() - 3600
    with mock.patch("django.core.signing.time.time", return_value=an_hour_ago):
        old = partner_a.get("/brand-assets").json()["items"][0]
    status, _, response = fetch(partner_a.client, old["variants"][0]["url"])
    assert status == 410
    assert response["Content-Type"].startswith("application/json")
    assert "已过期" in response.json()["detail"]

    fresh = partner_a.get("/brand-assets").json()["items"][0]["variants"][0]["url"]
    settings.BRAND_DOWNLOAD_MAX_AGE = -1
    assert fetch(partner_a.client, fresh)[0] == 410
    settings.BRAND_DOWNLOAD_MAX_AGE = 600
    assert fetch(partner_a.client, fresh)[0] == 200


def test_links_cannot_be_forged(mark, partner_a):
    partner_licence(mark["asset"], partner_a.account)
    url = partner_a.get("/brand-assets").json()["items"][0]["variants"][0]["url"]
    base, token = url.rsplit("/", 1)
    payload, stamp, signature = token.rsplit(":", 2)
    for forged in (
        f"{payload}:{stamp}:{signature[::-1]}",
        f"{payload[::-1]}:{stamp}:{signature}",
        "not-a-token",
    ):
        status, _, response = fetch(partner_a.client, f"{base}/{forged}")
        assert status == 403 and response.json()["detail"] == "下载链接无效。"


def test_partner_a_cannot_use_partner_bs_links(mark, partner_a, partner_b):
    partner_licence(mark["asset"], partner_a.account)
    partner_licence(mark["asset"], partner_b.account)
    b_url = partner_b.get("/brand-assets").json()["items"][0]["variants"][0]["url"]
    status, _, response = fetch(partner_a.client, b_url, **partner_a.auth)
    assert status == 403
    assert response.json()["detail"] == "此下载链接属于其他合作方。"
    assert not AssetDownload.objects.exists()
    # B's own link works for B, and is recorded as B's.
    assert fetch(partner_b.client, b_url, **partner_b.auth)[0] == 200
    assert AssetDownload.objects.get().partner == partner_b.account


def test_a_deactivated_partner_can_no_longer_download(mark, partner_a):
    partner_licence(mark["asset"], partner_a.account)
    url = partner_a.get("/brand-assets").json()["items"][0]["variants"][0]["url"]
    partner_a.account.is_active = False
    partner_a.account.save()
    assert fetch(partner_a.client, url)[0] == 403
    assert partner_a.get("/brand-assets").status_code == 403


# --- versions -----------------------------------------------------------------


def test_unapproved_versions_are_never_offered(mark, partner_a):
    asset, v1 = mark["asset"], mark["version"]
    partner_licence(asset, partner_a.account)
    v2 = asset_version_create(asset=asset, notes="新配色，待审定")
    draft = stored_variant(v2, "draft.png", png_bytes(32, 32))
    item = partner_a.get(f"/brand-assets/{asset.pk}").json()
    assert item["version"] == v1.number
    assert {v["id"] for v in item["variants"]} == {
        v.pk for v in mark["variants"].values()
    }
    # No link to the draft's file can be made to work either.
    token = variant_token(
        partner_id=partner_a.account.pk,
        licence_id=item["licence"]["id"],
        variant_id=draft.pk,
    )
    status, _, response = fetch(partner_a.client, f"{BRAND}/downloads/{token}")
    assert status == 410 and "现行审定版本" in response.json()["detail"]

    # Once v2 is approved it replaces v1, and v1's links stop.
    old_url = item["variants"][0]["url"]
    version_approve(version=v2)
    item = partner_a.get(f"/brand-assets/{asset.pk}").json()
    assert item["version"] == v2.number
    assert [v["id"] for v in item["variants"]] == [draft.pk]
    assert fetch(partner_a.client, old_url)[0] == 410
    assert fetch(partner_a.client, item["variants"][0]["url"])[0] == 200


def test_a_licensed_asset_without_an_approved_version_is_not_listed(partner_a):
    asset = brand_asset("未审定的吉祥物", kind="mascot")
    version = asset_version_create(asset=asset)
    stored_variant(version, "mascot.png")
    partner_licence(asset, partner_a.account)
    assert partner_a.get("/brand-assets").json() == {"items": []}
    assert partner_a.get(f"/brand-assets/{asset.pk}").status_code == 404


def test_listing_queries_do_not_grow_with_the_assets(partner_a):
    def add_asset(n: int):
        asset = brand_asset(f"资产{n}")
        version = approved_version(asset)
        stored_variant(version, f"a{n}.png")
        stored_variant(version, f"b{n}.png", role=VariantRole.GUIDE)
        partner_licence(asset, partner_a.account)

    add_asset(1)
    partner_a.get("/brand-assets")  # the key's last use is written once a minute
    with CaptureQueriesContext(connection) as one:
        assert len(partner_a.get("/brand-assets").json()["items"]) == 1
    for n in range(2, 6):
        add_asset(n)
    with CaptureQueriesContext(connection) as five:
        assert len(partner_a.get("/brand-assets").json()["items"]) == 5
    assert len(five) == len(one)


# --- kits ---------------------------------------------------------------------


def ready_kit(*assets) -> tuple[BrandKit, bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("说明.txt", "百嘎丽标志套件")
    data = out.getvalue()
    kit = BrandKit.objects.create(name="标志套件", slug="logo-kit-test")
    kit.assets.set(assets)
    kit.file.save("logo-kit-test.zip", ContentFile(data), save=False)
    kit.status = KitStatus.READY
    kit.size = len(data)
    kit.built_at = timezone.now()
    # As a build records it: the zip is what the kit is made of now.
    kit.fingerprint = kit_fingerprint(kit)
    kit.save()
    return kit, data


def test_kits_only_when_every_asset_is_licensed(mark, partner_a):
    mascot = brand_asset("吉祥物（测试）", kind="mascot")
    stored_variant(approved_version(mascot), "mascot.png")
    kit, data = ready_kit(mark["asset"], mascot)
    first = partner_licence(mark["asset"], partner_a.account)
    assert partner_a.get("/brand-assets/kits").json() == {"items": []}

    second = partner_licence(mascot, partner_a.account)
    items = partner_a.get("/brand-assets/kits").json()["items"]
    assert [(k["id"], k["assets"], k["size"]) for k in items] == [
        (kit.pk, sorted([mark["asset"].pk, mascot.pk]), len(data))
    ]
    status, body, response = fetch(partner_a.client, items[0]["url"])
    assert status == 200 and body == data
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert sorted(
        AssetDownload.objects.filter(kit=kit).values_list("asset_id", "licence_id")
    ) == sorted([(mark["asset"].pk, first.pk), (mascot.pk, second.pk)])

    # One licence revoked: the kit link stops, and the kit is no longer listed.
    licence_revoke(licence=second)
    status, _, response = fetch(partner_a.client, items[0]["url"])
    assert status == 403 and "授权之内" in response.json()["detail"]
    assert partner_a.get("/brand-assets/kits").json() == {"items": []}


# --- S3 -----------------------------------------------------------------------


def test_on_s3_the_link_redirects_to_a_presigned_attachment(
    s3_storage, s3_endpoint, partner_a
):
    asset = brand_asset("S3 上的标志")
    data = png_bytes(40, 40)
    stored_variant(approved_version(asset), "s3-mark.png", data)
    licence = partner_licence(asset, partner_a.account)
    url = partner_a.get("/brand-assets").json()["items"][0]["variants"][0]["url"]
    response = partner_a.client.get(url)
    assert response.status_code == 302
    assert response["X-Content-Type-Options"] == "nosniff"
    query = parse_qs(urlsplit(response["Location"]).query)
    assert "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment;")
    with urllib.request.urlopen(response["Location"], timeout=10) as answer:
        assert answer.read() == data
    record = AssetDownload.objects.get()
    assert (record.licence, record.via) == (licence, DownloadVia.PARTNER_API)
    licence_revoke(licence=licence)
    assert partner_a.client.get(url).status_code == 410


# --- OpenAPI ------------------------------------------------------------------


def test_the_openapi_schema_documents_the_brand_routes(client):
    import schemathesis

    schema = client.get(f"{API}/openapi.json").json()
    schemathesis.openapi.from_dict(schema).validate()
    paths = schema["paths"]
    for path in (
        f"{BRAND}",
        f"{BRAND}/{{asset_id}}",
        f"{BRAND}/kits",
        f"{BRAND}/downloads/{{token}}",
    ):
        assert path in paths
    assert "security" not in paths[f"{BRAND}/downloads/{{token}}"]["get"]
    components = schema["components"]["schemas"]
    variant = components["VariantOut"]["properties"]
    assert {"role", "format", "width", "height", "size", "sha256", "url"} <= set(
        variant
    )
    assert "url_expires_at" in variant
