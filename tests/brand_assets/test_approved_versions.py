"""An asset's approved version: the newest approved one, read one way
whether asked of one asset or prefetched for many."""

from __future__ import annotations

import pytest

from brand_assets.models import BrandAsset, BrandAssetVersion
from brand_assets.services import asset_version_create, version_approve
from tests.brand_assets.builders import brand_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def assets():
    """Three assets: v1 and v2 approved with v3 in the works; only v1 in
    the works; none."""
    both = brand_asset("两版已审定")
    v1, v2 = asset_version_create(asset=both), asset_version_create(asset=both)
    version_approve(version=v1)
    version_approve(version=v2)
    asset_version_create(asset=both)
    draft_only = brand_asset("只有草稿")
    asset_version_create(asset=draft_only)
    empty = brand_asset("没有版本")
    return {
        "both": (both, v2),
        "draft_only": (draft_only, None),
        "empty": (empty, None),
    }


def test_one_asset_and_many_agree(assets, django_assert_num_queries):
    for asset, current in assets.values():
        assert asset.approved_version == current
    ids = [asset.pk for asset, _ in assets.values()]
    with django_assert_num_queries(2):
        fetched = list(
            BrandAsset.objects.filter(pk__in=ids).prefetch_approved_version()
        )
        by_pk = {asset.pk: asset.approved_version for asset in fetched}
    assert by_pk == {asset.pk: current for asset, current in assets.values()}
    assert BrandAssetVersion.objects.approved_by_asset(ids) == {
        assets["both"][0].pk: assets["both"][1]
    }
    newest_first = BrandAssetVersion.objects.approved().filter(asset=assets["both"][0])
    assert [version.number for version in newest_first] == [2, 1]
