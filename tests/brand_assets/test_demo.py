"""The demo brand library: loading it twice gives the same library, its
files passed the upload checks, its sticker pack passes the album check,
its kits are built and its page shows it."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from brand_assets.demo import demo_brand_assets
from brand_assets.models import (
    AssetKind,
    BrandAsset,
    BrandAssetVersion,
    BrandKit,
    BrandLibraryPage,
    BrandVariant,
    KitStatus,
    Licence,
    VariantFormat,
    VariantRole,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "assets": BrandAsset.objects.count(),
        "versions": BrandAssetVersion.objects.count(),
        "variants": BrandVariant.objects.count(),
        "kits": BrandKit.objects.count(),
        "kit_builds": sum(BrandKit.objects.values_list("build_count", flat=True)),
        "licences": Licence.objects.count(),
        "pages": BrandLibraryPage.objects.count(),
    }


@pytest.fixture
def brand(demo):
    return demo_brand_assets(with_media=False)


def test_loading_twice_changes_nothing(brand):
    first = counts()
    again = demo_brand_assets(with_media=False)
    assert counts() == first
    assert again.page.pk == brand.page.pk
    assert first["pages"] == 1 and first["kits"] >= 2 and first["licences"] >= 1


def test_the_mark_is_approved_public_and_downloadable_in_svg_and_png(brand):
    mark = brand.assets["mark"]
    assert mark.kind == AssetKind.MARK
    assert mark.is_public and mark.public_download
    version = mark.approved_version
    formats = set(version.variants.values_list("format", flat=True))
    assert formats == {VariantFormat.SVG, VariantFormat.PNG}
    png = version.variants.get(format=VariantFormat.PNG)
    assert png.image is not None and (png.width, png.height) == (1024, 1024)
    svg = version.variants.get(format=VariantFormat.SVG)
    with svg.file.open("rb") as stream:
        text = stream.read().decode()
    assert "百嘎丽" in text and "<script" not in text


def test_the_sticker_pack_has_eight_animated_stickers_and_passes_the_check(brand):
    from brand_assets.stickers.album import album_build

    pack = brand.assets["stickers"]
    version = pack.approved_version
    stickers = version.variants.filter(role=VariantRole.STICKER)
    assert stickers.count() == 8
    for sticker in stickers:
        assert sticker.format == VariantFormat.GIF
        assert (sticker.width, sticker.height) == (240, 240)
        assert sticker.frames > 1
    sizes = {
        role: (v.width, v.height)
        for role, v in (
            (v.role, v)
            for v in version.variants.exclude(role=VariantRole.STICKER_THUMBNAIL)
        )
        if role != VariantRole.STICKER
    }
    assert sizes == {
        VariantRole.COVER: (240, 240),
        VariantRole.ICON: (50, 50),
        VariantRole.BANNER: (750, 400),
    }
    # Upload-ready as it is: nothing blocks the album and nothing needs fixing.
    album = album_build(version)
    assert [str(p) for p in album.problems] == []
    assert len(album.files) == 8 + 8 + 3


def test_the_exercise_kit_and_the_kits_are_built(brand):
    exercise = brand.assets["exercise"]
    assert exercise.kind == AssetKind.EXERCISE_KIT and exercise.public_download
    sheet = exercise.approved_version.variants.get(format=VariantFormat.PDF)
    with sheet.file.open("rb") as stream:
        assert stream.read(5) == b"%PDF-"

    for name in ("标志套件", "课间操套件"):
        kit = brand.kits[name]
        kit.refresh_from_db()
        assert kit.status == KitStatus.READY, kit.failure_reason
        with default_storage.open(kit.file.name, "rb") as stream:
            names = zipfile.ZipFile(io.BytesIO(stream.read())).namelist()
        assert any(n.endswith("使用规范.txt") for n in names)
    mark_kit = brand.kits["标志套件"]
    with default_storage.open(mark_kit.file.name, "rb") as stream:
        names = zipfile.ZipFile(io.BytesIO(stream.read())).namelist()
    assert "百嘎丽标志/baigali-mark.svg" in names
    assert "百嘎丽标志/baigali-mark.png" in names


def test_the_partner_has_a_licence_for_the_mark(brand):
    licence = Licence.objects.get(asset=brand.assets["mark"], partner__isnull=False)
    assert licence.is_in_force()


def test_the_brand_page_shows_the_demo_library(brand):
    response = Client().get(brand.page.url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("百嘎丽标志", "百嘎丽表情包·第一辑", "百嘎丽课间操", "标志套件"):
        assert text in html
    assert "/brand/kits/baigali-mark-kit/download/" in html
