"""The public brand page: approved versions of public assets only, grouped
by kind, with usage guidance; downloads only where the brand allows them;
kit downloads recorded."""

from __future__ import annotations

import pytest
from django.test import Client
from wagtail.models import Site

from brand_assets.kits import kit_build, kit_is_public
from brand_assets.models import (
    AssetDownload,
    AssetKind,
    BrandLibraryPage,
    DownloadVia,
    UsageScope,
)
from brand_assets.services import asset_version_create, version_approve
from tests.brand_assets.builders import (
    MARK_SVG,
    brand_asset,
    brand_kit,
    image_bytes,
    png_bytes,
    source_bytes,
    uploaded_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(demo):
    """The brand page under the demo's home page (the demo may have one)."""
    existing = BrandLibraryPage.objects.first()
    if existing:
        return existing
    home = Site.objects.get(is_default_site=True).root_page
    page = BrandLibraryPage(title="品牌资产", slug="brand-test", intro="<p>导语</p>")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def with_version(asset, files, *, approve=True):
    version = asset_version_create(asset=asset)
    variants = [
        uploaded_variant(version, name, data, position=n, label=label)
        for n, (name, data, label) in enumerate(files)
    ]
    if approve:
        version_approve(version=version)
    return version, variants


def get(page, client=None):
    response = (client or Client()).get(page.url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_approved_public_assets_by_kind(page):
    mark = brand_asset(
        "公开页标志",
        is_public=True,
        public_download=True,
        allowed_uses=[UsageScope.DIGITAL, UsageScope.PRINT],
    )
    mark.usage_guidance = "四周留白不小于标志高度的四分之一。"
    mark.attribution = "百嘎丽 © 测试"
    mark.save()
    _v1, (svg, png) = with_version(
        mark,
        [("mark.svg", MARK_SVG, "矢量版一"), ("mark.png", png_bytes(), "位图版一")],
    )
    # A newer version not yet approved: the page keeps to version 1.
    _v2, (draft,) = with_version(
        mark, [("draft.png", image_bytes("PNG", 90, 90), "未审定草稿")], approve=False
    )
    mascot = brand_asset("公开页吉祥物", kind=AssetKind.MASCOT, is_public=True)
    with_version(mascot, [("mascot.png", png_bytes(120, 120), "吉祥物立绘")])
    hidden = brand_asset("内部资料标志", is_public=False)
    with_version(hidden, [("internal.png", png_bytes(), "内部文件")])
    unapproved = brand_asset("尚未审定的公开资产", is_public=True)
    with_version(unapproved, [("pending.png", png_bytes(), "待审文件")], approve=False)

    html = get(page)
    assert "公开页标志" in html and "公开页吉祥物" in html
    assert html.index('id="kind-mark"') < html.index('id="kind-mascot"')
    assert "四周留白不小于标志高度的四分之一。" in html
    assert "网络与新媒体、印刷品" in html
    assert "百嘎丽 © 测试" in html
    assert "第 1 版" in html
    # Raster previews are Wagtail renditions; the mark's preview is its PNG.
    assert "/images/" in html or "/media/images/" in html or "original_images" in html
    for name in (
        "内部资料标志",
        "内部文件",
        "尚未审定的公开资产",
        "待审文件",
        "未审定草稿",
    ):
        assert name not in html
    assert f"/brand/files/{draft.pk}/" not in html

    # Downloads only where the asset allows them.
    assert f"/brand/files/{svg.pk}/download/" in html
    assert f"/brand/files/{png.pk}/download/" in html
    mascot_variant = mascot.approved_version.variants.get()
    assert f"/brand/files/{mascot_variant.pk}/download/" not in html
    assert "请联系我们取得授权" in html


def test_an_svg_only_asset_is_previewed_through_the_file_url(page):
    asset = brand_asset("只有矢量的标志", is_public=True)
    _version, (svg,) = with_version(asset, [("only.svg", MARK_SVG, "矢量")])
    html = get(page)
    assert f'src="/brand/files/{svg.pk}/"' in html
    response = Client().get(f"/brand/files/{svg.pk}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_public_kits_are_offered_and_their_downloads_recorded(page):
    open_mark = brand_asset("开放下载的标志", is_public=True, public_download=True)
    with_version(open_mark, [("open.svg", MARK_SVG, "矢量")])
    closed = brand_asset("仅展示的表情", is_public=True, public_download=False)
    with_version(closed, [("closed.png", png_bytes(), "表情")])

    open_kit = brand_kit("开放套件", [open_mark], slug="open-kit-test")
    mixed_kit = brand_kit("混合授权套件", [open_mark, closed], slug="mixed-kit-test")
    unbuilt_kit = brand_kit("尚未生成的套件", [open_mark], slug="unbuilt-kit-test")
    for kit in (open_kit, mixed_kit):
        kit_build(kit_id=kit.pk)

    html = get(page)
    assert "开放套件" in html
    assert "/brand/kits/open-kit-test/download/" in html
    assert "混合授权套件" not in html and "mixed-kit-test" not in html
    assert "尚未生成的套件" not in html

    client = Client()
    response = client.get("/brand/kits/open-kit-test/download/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    record = AssetDownload.objects.get(kit=open_kit)
    assert record.via == DownloadVia.PUBLIC
    assert record.asset == open_mark and record.ip_address == "10.1.2.3"

    for slug in ("mixed-kit-test", "unbuilt-kit-test", "no-such-kit"):
        assert client.get(f"/brand/kits/{slug}/download/").status_code == 404
    assert not AssetDownload.objects.filter(kit__in=[mixed_kit, unbuilt_kit]).exists()


def test_a_kit_with_design_sources_is_not_public(page):
    asset = brand_asset("带源文件的开放标志", is_public=True, public_download=True)
    version = asset_version_create(asset=asset)
    uploaded_variant(version, "open.svg", MARK_SVG)
    uploaded_variant(version, "mark.ai", source_bytes())
    version_approve(version=version)
    kit = brand_kit(
        "含源文件的套件", [asset], slug="sources-kit-test", include_sources=True
    )
    kit_build(kit_id=kit.pk)
    kit.refresh_from_db()
    assert kit_is_public(kit) is False
    assert "sources-kit-test" not in get(page)
    assert Client().get("/brand/kits/sources-kit-test/download/").status_code == 404


def test_the_page_lives_under_the_home_page_once(page):
    from cms.home.models import HomePage

    assert isinstance(page.get_parent().specific, HomePage)
    assert BrandLibraryPage.can_create_at(page.get_parent()) is False  # max_count 1
    assert "brand_assets.BrandLibraryPage" in [
        f"{m._meta.app_label}.{m.__name__}" for m in HomePage.allowed_subpage_models()
    ]
