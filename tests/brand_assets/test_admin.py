"""The asset admin: listing, the asset form, the asset page, new versions,
uploads (refused files listed with their reasons, the others stored),
linking media, and approval with its permission check."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Collection

from brand_assets.files import FileRefused
from brand_assets.models import (
    AssetKind,
    BrandAsset,
    BrandVariant,
    UsageScope,
    VariantRole,
)
from brand_assets.services import (
    asset_version_create,
    variant_create,
    variant_create_from_media,
    version_approve,
)
from tests.brand_assets.builders import (
    MARK_SVG,
    approved_version,
    brand_asset,
    image_bytes,
    png_bytes,
)
from tests.brand_assets.team import team_user
from tests.syndication.builders import build_asset


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def upload_url(version) -> str:
    return reverse("brand_asset:version_upload", args=(version.pk,))


def approve_url(version) -> str:
    return reverse("brand_asset:version_approve", args=(version.pk,))


def asset_url(asset) -> str:
    return reverse("brand_asset:inspect", args=(asset.pk,))


@pytest.fixture
def mark(db):
    return brand_asset("百嘎丽标志", slug="bgl-mark")


@pytest.fixture
def draft(mark):
    return asset_version_create(asset=mark)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# --- listing and form -------------------------------------------------------------


def test_listing_filters_by_kind_and_searches_chinese_names(admin_client, mark):
    brand_asset("百嘎丽吉祥物", slug="bgl-mascot", kind=AssetKind.MASCOT)
    index = reverse("brand_asset:index")

    response = admin_client.get(index)
    assert response.status_code == 200
    assert "百嘎丽标志" in response.text and "百嘎丽吉祥物" in response.text

    response = admin_client.get(index, {"kind": AssetKind.MASCOT})
    assert "百嘎丽吉祥物" in response.text and "百嘎丽标志" not in response.text

    response = admin_client.get(index, {"q": "吉祥"})
    assert "百嘎丽吉祥物" in response.text and "百嘎丽标志" not in response.text


def assert_refused_by_wagtail(response):
    # Wagtail's admin answers PermissionDenied with a redirect to its home.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_listing_needs_a_brand_permission(client, mark):
    client.force_login(team_user("nobody"))
    assert_refused_by_wagtail(client.get(reverse("brand_asset:index")))
    assert_refused_by_wagtail(client.get(asset_url(mark)))


def test_listing_shows_only_assets_the_user_may_see(client, mark):
    other = Collection.get_first_root_node().add_child(name="其他")
    brand_asset("别处的标志", slug="elsewhere").__class__.objects.filter(
        slug="elsewhere"
    ).update(collection=other)
    user = team_user("chooser", "choose")
    # Only the root collection's own assets: move the grant down to "其他".
    from wagtail.models import GroupCollectionPermission

    GroupCollectionPermission.objects.filter(group__user=user).update(collection=other)
    client.force_login(user)
    response = client.get(reverse("brand_asset:index"))
    assert response.status_code == 200
    assert "别处的标志" in response.text and "百嘎丽标志" not in response.text
    assert_refused_by_wagtail(client.get(asset_url(mark)))


def test_create_form_takes_allowed_uses_as_checkboxes(client, db):
    user = team_user("creator", "add", "change")
    client.force_login(user)
    add = reverse("brand_asset:add")
    form = client.get(add)
    assert form.status_code == 200
    assert 'type="checkbox" name="allowed_uses" value="education"' in form.text

    response = client.post(
        add,
        {
            "name": "百嘎丽课间操",
            "slug": "kejiancao",
            "kind": AssetKind.EXERCISE_KIT,
            "collection": Collection.get_first_root_node().pk,
            "allowed_uses": [UsageScope.EDUCATION, UsageScope.EVENT],
            "usage_guidance": "只用于校园课间操。",
        },
    )
    assert response.status_code == 302, response.content.decode()
    asset = BrandAsset.objects.get(slug="kejiancao")
    assert asset.allowed_uses == [UsageScope.EDUCATION, UsageScope.EVENT]
    assert asset.created_by == user


def test_form_refuses_public_download_without_public_page(admin_client, mark):
    response = admin_client.post(
        reverse("brand_asset:edit", args=(mark.pk,)),
        {
            "name": mark.name,
            "slug": mark.slug,
            "kind": mark.kind,
            "collection": mark.collection_id,
            "allowed_uses": [UsageScope.DIGITAL],
            "public_download": "on",
        },
    )
    assert response.status_code == 200
    assert "允许公众下载的资产须同时在品牌页展示" in response.text


# --- the asset page ------------------------------------------------------------------


def test_asset_page_shows_versions_with_previews(admin_client, mark):
    v1 = asset_version_create(asset=mark)
    png = variant_create(version=v1, name="mark.png", data=png_bytes(200, 100))
    svg = variant_create(version=v1, name="mark.svg", data=MARK_SVG)
    version_approve(version=v1)
    v2 = asset_version_create(asset=mark, notes="调整配色")

    response = admin_client.get(asset_url(mark))
    assert response.status_code == 200
    text = response.text
    assert "第 1 版" in text and "第 2 版" in text and "调整配色" in text
    assert "现行版本" in text
    # A raster thumbnail from Wagtail's renditions; the SVG through our view.
    assert png.image.get_rendition("max-160x160").url in text
    assert reverse("brand_assets:file", args=(svg.pk,)) in text
    # Uploads and approval only on the unapproved version.
    assert upload_url(v2) in text and approve_url(v2) in text
    assert upload_url(v1) not in text and approve_url(v1) not in text
    assert "新建版本" in text


def test_sticker_pack_page_links_each_version_to_its_album_check(admin_client):
    pack = brand_asset("百嘎丽表情", slug="bgl-stickers", kind=AssetKind.STICKER_PACK)
    version = asset_version_create(asset=pack)
    check = reverse("brand_sticker_spec:pack_check", args=(pack.pk,))

    text = admin_client.get(asset_url(pack)).text
    assert f"{check}?version={version.number}" in text
    assert admin_client.get(check, {"version": version.number}).status_code == 200


def test_other_kinds_have_no_album_check(admin_client, mark, draft):
    check = reverse("brand_sticker_spec:pack_check", args=(mark.pk,))
    assert check not in admin_client.get(asset_url(mark)).text


def test_new_version_action(admin_client, mark, draft):
    response = admin_client.post(
        reverse("brand_asset:version_create", args=(mark.pk,)), {"notes": "第二稿"}
    )
    assert response.status_code == 302
    version = mark.versions.get(number=2)
    assert version.notes == "第二稿" and not version.is_approved
    assert response["Location"].endswith("#version-2")


# --- uploads -----------------------------------------------------------------------


def test_upload_stores_good_files_and_lists_refused_ones_with_reasons(
    admin_client, draft
):
    response = admin_client.post(
        upload_url(draft),
        {
            f"v{draft.pk}-files": [
                upload("mark.svg", MARK_SVG),
                upload("fake.png", image_bytes("JPEG")),
                upload("tool.exe", b"MZ\x90\x00"),
                upload("empty.gif", b""),
                upload("mark.webp", image_bytes("WEBP")),
            ],
            f"v{draft.pk}-role": VariantRole.MAIN,
            f"v{draft.pk}-label": "标准版",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert (
        "fake.png：文件扩展名是 .png，但内容看起来是JPEG 图片，与扩展名不符。" in text
    )
    assert "tool.exe：不支持“.exe”文件" in text
    assert "empty.gif：文件是空的。" in text
    assert "已上传 2 个文件" in text
    stored = BrandVariant.objects.filter(version=draft)
    assert sorted(stored.values_list("original_filename", flat=True)) == [
        "mark.svg",
        "mark.webp",
    ]
    assert set(stored.values_list("label", flat=True)) == {"标准版"}
    assert sorted(stored.values_list("position", flat=True)) == [0, 1]


def test_upload_of_only_good_files_returns_to_the_asset_page(admin_client, draft):
    response = admin_client.post(
        upload_url(draft),
        {
            f"v{draft.pk}-files": [upload("mark.png", png_bytes())],
            f"v{draft.pk}-role": VariantRole.COVER,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#version-{draft.number}")
    assert draft.variants.get().role == VariantRole.COVER


def test_upload_over_the_pixel_limit_shows_the_reason(admin_client, draft, settings):
    settings.BRAND_ASSETS_MAX_IMAGE_PIXELS = 1000
    response = admin_client.post(
        upload_url(draft),
        {
            f"v{draft.pk}-files": [upload("big.png", png_bytes(64, 64))],
            f"v{draft.pk}-role": VariantRole.MAIN,
        },
    )
    assert response.status_code == 200
    assert "图片尺寸过大" in response.text
    assert not draft.variants.exists()


def test_upload_too_large_is_refused_before_reading(admin_client, draft, settings):
    settings.BRAND_ASSETS_MAX_UPLOAD_BYTES = 10
    response = admin_client.post(
        upload_url(draft),
        {
            f"v{draft.pk}-files": [upload("mark.png", png_bytes())],
            f"v{draft.pk}-role": VariantRole.MAIN,
        },
    )
    assert response.status_code == 200
    assert "文件太大" in response.text
    assert not draft.variants.exists()


def test_upload_without_files_shows_the_form_again(admin_client, draft):
    response = admin_client.post(upload_url(draft), {f"v{draft.pk}-role": "main"})
    assert response.status_code == 200
    assert not draft.variants.exists()


def test_upload_page_renders(admin_client, draft):
    response = admin_client.get(upload_url(draft))
    assert response.status_code == 200
    assert "multiple" in response.text


def test_approved_version_takes_no_more_files(admin_client, mark):
    version = approved_version(mark)
    response = admin_client.post(
        upload_url(version),
        {
            f"v{version.pk}-files": [upload("mark.png", png_bytes())],
            f"v{version.pk}-role": VariantRole.MAIN,
        },
    )
    assert response.status_code == 302
    assert not version.variants.exists()


def test_a_version_approved_meanwhile_takes_no_file(draft):
    """The service checks again under a lock: the view's check may be stale
    by the time a large upload has arrived."""
    stale = type(draft).objects.get(pk=draft.pk)
    version_approve(version=draft)
    assert not stale.is_approved
    with pytest.raises(FileRefused) as refused:
        variant_create(version=stale, name="late.png", data=png_bytes())
    assert refused.value.code == "approved"
    assert "已审定" in refused.value.reason
    with pytest.raises(FileRefused):
        variant_create_from_media(
            version=stale, media_asset=build_asset(title="迟到的视频")
        )
    assert not draft.variants.exists()


def test_upload_needs_change_permission(client, draft):
    client.force_login(team_user("chooser", "choose"))
    response = client.post(
        upload_url(draft),
        {
            f"v{draft.pk}-files": [upload("mark.png", png_bytes())],
            f"v{draft.pk}-role": VariantRole.MAIN,
        },
    )
    assert_refused_by_wagtail(response)
    assert not draft.variants.exists()


def test_linking_a_ready_media_asset(admin_client, draft):
    media = build_asset(title="课间操示范")
    page = admin_client.get(asset_url(draft.asset)).text
    assert "课间操示范" in page
    response = admin_client.post(
        reverse("brand_asset:version_link_media", args=(draft.pk,)),
        {
            f"m{draft.pk}-media_asset": media.pk,
            f"m{draft.pk}-role": VariantRole.MAIN,
        },
    )
    assert response.status_code == 302
    variant = draft.variants.get()
    assert (variant.media_asset, variant.format) == (media, "video")


# --- approval ----------------------------------------------------------------------


def test_approve_action(client, draft):
    variant_create(version=draft, name="mark.svg", data=MARK_SVG)
    user = team_user("approver", "add", "change")
    client.force_login(user)
    assert client.get(approve_url(draft)).status_code == 405
    response = client.post(approve_url(draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_approved and draft.approved_by == user
    assert draft.asset.approved_version == draft


def test_approve_is_refused_without_permission(client, draft):
    variant_create(version=draft, name="mark.svg", data=MARK_SVG)
    client.force_login(team_user("viewer", "choose"))
    # May see the asset page, but not approve.
    assert client.get(asset_url(draft.asset)).status_code == 200
    assert approve_url(draft) not in client.get(asset_url(draft.asset)).text
    assert_refused_by_wagtail(client.post(approve_url(draft)))
    draft.refresh_from_db()
    assert not draft.is_approved


def test_approve_needs_csrf(superuser, draft):
    from django.test import Client

    variant_create(version=draft, name="mark.svg", data=MARK_SVG)
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    assert client.post(approve_url(draft)).status_code == 403
    draft.refresh_from_db()
    assert not draft.is_approved


def test_empty_version_cannot_be_approved(admin_client, draft):
    admin_client.post(approve_url(draft))
    draft.refresh_from_db()
    assert not draft.is_approved
