"""Deleting brand rows: download records outlive their asset, and stored
files go with their variant or kit once the deletion commits."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import RequestFactory

from brand_assets.kits import kit_build
from brand_assets.models import BrandKit
from brand_assets.records import download_record
from brand_assets.services import asset_version_create, version_approve
from tests.brand_assets.builders import (
    MARK_SVG,
    brand_asset,
    brand_kit,
    png_bytes,
    uploaded_variant,
)

pytestmark = pytest.mark.django_db


def test_deleting_an_asset_keeps_its_download_records(
    django_capture_on_commit_callbacks,
):
    asset = brand_asset("将被删除的标志")
    version = asset_version_create(asset=asset)
    variant = uploaded_variant(version, "mark.png", png_bytes())
    record = download_record(RequestFactory().get("/"), variant=variant, via="admin")
    assert record.asset_name == "将被删除的标志"
    with django_capture_on_commit_callbacks(execute=True):
        asset.delete()
    record.refresh_from_db()
    assert (record.asset, record.variant, record.via) == (None, None, "admin")
    assert record.asset_name == "将被删除的标志"


def test_the_download_listing_names_a_deleted_asset(admin_client):
    asset = brand_asset("已删的吉祥物")
    version = asset_version_create(asset=asset)
    variant = uploaded_variant(version, "mascot.png", png_bytes())
    download_record(RequestFactory().get("/"), variant=variant, via="public")
    asset.delete()
    response = admin_client.get("/admin/brand-assets/downloads/")
    assert response.status_code == 200
    assert "已删的吉祥物（已删除）" in response.content.decode()


def test_a_deleted_variant_takes_its_file_once_committed(
    django_capture_on_commit_callbacks,
):
    version = asset_version_create(asset=brand_asset("删文件测试"))
    variant = uploaded_variant(version, "mark.svg", MARK_SVG)
    name = variant.file.name
    assert default_storage.exists(name)

    # A rolled-back deletion keeps the file.
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        variant.delete()
        raise RuntimeError
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        version.delete()  # the variant goes with its version
    assert not default_storage.exists(name)


def test_a_deleted_kit_takes_its_zip(django_capture_on_commit_callbacks):
    asset = brand_asset("套件删除测试")
    version = asset_version_create(asset=asset)
    uploaded_variant(version, "mark.svg", MARK_SVG)
    version_approve(version=version)
    kit = brand_kit("将被删除的套件", [asset])
    with django_capture_on_commit_callbacks(execute=True):
        kit_build(kit_id=kit.pk)
    kit = BrandKit.objects.get(pk=kit.pk)
    name = kit.file.name
    assert name and default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        kit.delete()
    assert not default_storage.exists(name)
