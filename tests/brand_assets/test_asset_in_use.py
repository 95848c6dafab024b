"""A brand asset in use is not deleted from the admin: a licence (its record
of the grant), a kit or a screen playlist's slide keeps it, and the page
says where, in Chinese, never a server error; an unused asset is deleted."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from brand_assets.models import BrandAsset, Licence
from brand_assets.services import asset_version_create, version_approve
from screens.models import PlaylistItem
from syndication.models import PartnerAccount, Platform
from tests.brand_assets.builders import (
    brand_asset,
    brand_kit,
    partner_licence,
    png_bytes,
    uploaded_variant,
)
from tests.screens.builders import make_network, make_playlist

pytestmark = pytest.mark.django_db

REFUSED = "该品牌资产正在使用中，不能删除"


@pytest.fixture
def asset():
    """An asset with an approved version holding one PNG."""
    asset = brand_asset("使用中测试标志")
    version = asset_version_create(asset=asset)
    uploaded_variant(version, "mark.png", png_bytes())
    version_approve(version=version)
    return asset


def licensed(asset):
    partner = PartnerAccount.objects.create(
        name="删除测试合作方", platform=Platform.objects.get(slug="kepu-china")
    )
    licence = partner_licence(asset, partner)
    return "删除测试合作方", lambda: Licence.objects.filter(pk=licence.pk).exists()


def in_a_kit(asset):
    kit = brand_kit("删除测试套件", [asset])
    return "删除测试套件", lambda: kit.assets.filter(pk=asset.pk).exists()


def on_a_screen(asset):
    variant = asset.versions.get().variants.get()
    playlist = make_playlist(
        make_network(slug="delete-test-bus"),
        {"brand_variant": variant, "slide_seconds": 5},
        name="删除测试轮播",
    )
    item = playlist.items.get()
    return "删除测试轮播", lambda: PlaylistItem.objects.filter(
        pk=item.pk, brand_variant=variant
    ).exists()


@pytest.mark.parametrize("use", [licensed, in_a_kit, on_a_screen])
def test_an_asset_in_use_is_refused_with_where_it_is_used(admin_client, asset, use):
    named, still_there = use(asset)
    url = reverse("brand_asset:delete", args=(asset.pk,))

    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert REFUSED in html and named in html

    response = admin_client.post(url)
    assert response.status_code == 302 and response.url == url
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith(REFUSED) and named in message
    assert BrandAsset.objects.filter(pk=asset.pk).exists()
    assert asset.versions.get().variants.count() == 1
    assert still_there()


def test_an_unused_asset_is_deleted_with_its_versions(admin_client, asset):
    url = reverse("brand_asset:delete", args=(asset.pk,))
    page = admin_client.get(url)
    assert REFUSED not in page.content.decode()

    response = admin_client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("brand_asset:index")
    assert not BrandAsset.objects.filter(pk=asset.pk).exists()
